#include "cost/sim_device.h"

#include "io/json_reader.h"
#include "util/atomic_file.h"
#include "util/errors.h"

#include <algorithm>
#include <cctype>

namespace ioscope {
namespace {

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::toupper(c)); });
    return s;
}

// Constants fitted jointly to the H200 stages ioscope's own runtime measured during live IOS
// searches (CUDA-graph mode, stage boundary included) and to the H200 CUDA-graph layer
// microbenchmark (bench_calibration --stages --fit; the fit table is in docs/cost-model.md).
// They describe the Hopper front end and SMs as ioscope's cuDNN runtime uses them.
SimDevice hopperFitted() {
    SimDevice d;
    d.launchUs = 0.09319;
    d.kernelTailUs = 2.625;
    d.stageBaseUs = 3.933;
    d.streamForkUs = 3.311;
    d.gemmEffFp32 = 0.8553;
    d.gemmEffTf32 = 0.25;
    d.tileHalfArea = 507.2;
    d.memEff = 1;
    d.streamFlopEff = 0.4483;
    d.bwSaturation = 0.05;
    return d;
}

// Older generations: the fixed latencies are taken to scale with the inverse clock (the
// front end and the SM pipelines run at the core clock); efficiencies are kept.
SimDevice scaledFrom(const SimDevice& base, double clockGhz) {
    SimDevice d = base;
    const double r = base.clockGhz / clockGhz;
    d.launchUs *= r;
    d.kernelTailUs *= r;
    d.stageBaseUs *= r;
    d.streamForkUs *= r;
    d.clockGhz = clockGhz;
    return d;
}

} // namespace

std::vector<std::string> simDevicePresetNames() {
    return {"V100", "A100", "H100", "H200"};
}

std::string simPresetForDevice(const std::string& deviceName) {
    const std::string name = upper(deviceName);
    for (const std::string& preset : simDevicePresetNames())
        if (name.find(upper(preset)) != std::string::npos) return upper(preset);
    return "H200";
}

bool simDevicePreset(const std::string& name, SimDevice& out) {
    const std::string key = upper(name);
    const SimDevice hopper = hopperFitted();
    if (key == "H200") {
        out = hopper;
        out.name = "NVIDIA H200 (simulated)";
        out.sms = 132, out.clockGhz = 1.98, out.fp32Tflops = 66.9, out.tf32Tflops = 494.7;
        out.memGBs = 4800, out.l2MB = 50;
        return true;
    }
    if (key == "H100") { // H100 SXM5: the H200's SMs and clocks with HBM3 instead of HBM3e
        out = hopper;
        out.name = "NVIDIA H100 (simulated)";
        out.sms = 132, out.clockGhz = 1.98, out.fp32Tflops = 66.9, out.tf32Tflops = 494.7;
        out.memGBs = 3350, out.l2MB = 50;
        return true;
    }
    if (key == "A100") { // A100 SXM4 80 GB
        out = scaledFrom(hopper, 1.41);
        out.name = "NVIDIA A100 (simulated)";
        out.sms = 108, out.fp32Tflops = 19.5, out.tf32Tflops = 156;
        out.memGBs = 2039, out.l2MB = 40;
        return true;
    }
    if (key == "V100") { // V100 SXM2: no TF32 tensor cores, so TF32 runs as FP32
        out = scaledFrom(hopper, 1.53);
        out.name = "NVIDIA V100 (simulated)";
        out.sms = 80, out.fp32Tflops = 15.7, out.tf32Tflops = 15.7;
        out.memGBs = 900, out.l2MB = 6;
        return true;
    }
    return false;
}

SimDevice parseSimDevice(const std::string& text, const std::string& source) {
    const json::Json root = json::parse(text, source);
    const json::Reader rd(source);
    rd.object(root, "");
    SimDevice d;
    if (const json::Json* base = rd.optional(root, "base", "")) {
        const std::string b = rd.string(*base, "base");
        if (!simDevicePreset(b, d))
            rd.fail("base", "unknown preset '" + b + "' (valid: V100, A100, H100, H200)");
    } else {
        simDevicePreset("H100", d);
    }
    // Physical ranges, wide but finite: 1e-300 GB/s would pass "positive" and make every
    // latency infinite.
    const auto positive = [&](const char* key, double& field, bool required, double lo, double hi) {
        const json::Json* v = rd.optional(root, key, "");
        if (!v) {
            if (required) rd.fail("", std::string("missing member '") + key + "'");
            return;
        }
        const double x = rd.number(*v, key);
        if (!(x >= lo && x <= hi))
            rd.fail(key, "expected a number in [" + json::dump(lo, -1) + ", " + json::dump(hi, -1) + "]");
        field = x;
    };
    const auto fraction = [&](const char* key, double& field) {
        if (const json::Json* v = rd.optional(root, key, "")) {
            const double x = rd.number(*v, key);
            if (!(x > 0) || x > 1) rd.fail(key, "expected a number in (0, 1]");
            field = x;
        }
    };
    const bool hasBase = rd.optional(root, "base", "") != nullptr;
    d.name = rd.string(rd.member(root, "name", ""), "name");
    if (d.name.empty() || d.name.size() > 200)
        rd.fail("name", "expected a non-empty name of at most 200 characters");
    if (const json::Json* v = rd.optional(root, "sms", ""))
        d.sms = int(rd.integer(*v, "sms", 1, 100000));
    else if (!hasBase)
        rd.fail("", "missing member 'sms'");
    positive("clock_ghz", d.clockGhz, !hasBase, 0.01, 100);
    positive("fp32_tflops", d.fp32Tflops, !hasBase, 1e-3, 1e6);
    if (!hasBase && !root.contains("tf32_tflops")) d.tf32Tflops = d.fp32Tflops;
    positive("tf32_tflops", d.tf32Tflops, false, 1e-3, 1e6);
    positive("mem_gbs", d.memGBs, !hasBase, 0.1, 1e7);
    positive("l2_mb", d.l2MB, false, 1e-3, 1e6);
    positive("launch_us", d.launchUs, false, 1e-4, 1e5);
    positive("kernel_tail_us", d.kernelTailUs, false, 1e-4, 1e5);
    positive("stage_base_us", d.stageBaseUs, false, 1e-4, 1e5);
    positive("stream_fork_us", d.streamForkUs, false, 1e-4, 1e5);
    positive("tile_half_area", d.tileHalfArea, false, 1, 1e9);
    fraction("gemm_eff_fp32", d.gemmEffFp32);
    fraction("gemm_eff_tf32", d.gemmEffTf32);
    fraction("mem_eff", d.memEff);
    fraction("stream_flop_eff", d.streamFlopEff);
    fraction("bw_saturation", d.bwSaturation);
    static const char* known[] = {"name",
                                  "base",
                                  "sms",
                                  "clock_ghz",
                                  "fp32_tflops",
                                  "tf32_tflops",
                                  "mem_gbs",
                                  "l2_mb",
                                  "launch_us",
                                  "kernel_tail_us",
                                  "stage_base_us",
                                  "stream_fork_us",
                                  "tile_half_area",
                                  "gemm_eff_fp32",
                                  "gemm_eff_tf32",
                                  "mem_eff",
                                  "stream_flop_eff",
                                  "bw_saturation"};
    for (auto it = root.begin(); it != root.end(); ++it) {
        if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return it.key() == k; }) ==
            std::end(known))
            rd.fail(it.key(), "unknown member");
    }
    return d;
}

SimDevice loadSimDevice(const std::string& path) {
    return parseSimDevice(readFile(path, limits::kJsonFileMiB), path);
}

} // namespace ioscope
