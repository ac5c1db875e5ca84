// Fit of the simulated cost model to real layer latencies (docs/cost-model.md).
//   bench_calibration MICROBENCH.json [--device H200] [--fit]
// MICROBENCH.json is written by ../shared/tools/layer_microbench.py: every distinct conv/pool layer
// of Inception V3 and SqueezeNet 1.1 timed alone and in concurrent sets inside CUDA graphs. The
// bench lowers each layer the way PyTorch runs it (conv kernel, bias-add kernel, in-place ReLU
// kernel; a pool kernel) and prints the model's errors; --fit first searches the fitted constants
// of the device (coordinate descent on the squared log error) and prints them for baking.
#include "cost/sim_calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace ioscope;

namespace {

void report(const SimDevice& dev, const CalibrationData& data, bool perLayer) {
    const CalibrationEvaluation e = evaluateCalibration(dev, data);
    std::printf("device %s, %zu layers, %zu concurrent sets, loss %.4f\n", dev.name.c_str(),
                data.layers.size(), data.sets.size(), e.loss);
    if (perLayer) {
        std::printf("%-34s %9s %9s %7s %9s %9s %7s\n", "layer", "fp32 ms", "pred", "err", "tf32 ms", "pred",
                    "err");
        for (size_t i = 0; i < data.layers.size(); ++i) {
            const CalibrationLayer& l = data.layers[i];
            std::printf("%-34s %9.4f %9.4f %+6.0f%% %9.4f %9.4f %+6.0f%%\n", l.label.c_str(), l.measured[0],
                        l.measured[0] * (1 + e.aloneErr[0][i]), 100 * e.aloneErr[0][i], l.measured[1],
                        l.measured[1] * (1 + e.aloneErr[1][i]), 100 * e.aloneErr[1][i]);
        }
    }
    if (perLayer) {
        std::vector<size_t> order(data.sets.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            return std::fabs(std::log1p(e.speedupErr[a])) > std::fabs(std::log1p(e.speedupErr[b]));
        });
        std::printf("\nworst concurrent sets (speedup = sum alone / together):\n");
        for (size_t j = 0; j < std::min<size_t>(12, order.size()); ++j) {
            const CalibrationSet& s = data.sets[order[j]];
            std::string ids;
            for (int i : s.layers) ids += (ids.empty() ? "" : ",") + std::to_string(i);
            std::printf("  %s [%s] together %.4f ms (pred %.4f), speedup %.2fx (pred %.2fx)\n",
                        s.precision == Precision::Tf32 ? "tf32" : "fp32", ids.c_str(), s.togetherMs,
                        s.togetherMs * (1 + e.togetherErr[order[j]]), e.measSpeedup[order[j]],
                        e.predSpeedup[order[j]]);
        }
    }
    std::printf("\n| set | precision | n | median abs err | p90 abs err |\n|---|---|---|---|---|\n");
    for (int p = 0; p < 2; ++p)
        std::printf("| layers alone (latency) | %s | %zu | %.1f%% | %.1f%% |\n", p ? "tf32" : "fp32",
                    e.aloneErr[p].size(), 100 * quantile(e.aloneErr[p], 0.5),
                    100 * quantile(e.aloneErr[p], 0.9));
    struct Bucket {
        const char* label;
        std::function<bool(const CalibrationSet&)> in;
    };
    const auto copies = [](const CalibrationSet& s) {
        return std::all_of(s.layers.begin(), s.layers.end(), [&](int i) { return i == s.layers.front(); });
    };
    const auto maxAlone = [&](const CalibrationSet& s) {
        double m = 0;
        for (int i : s.layers)
            m = std::max(m, data.layers[size_t(i)].measured[s.precision == Precision::Tf32]);
        return m;
    };
    const auto hasPool = [&](const CalibrationSet& s) {
        return std::any_of(s.layers.begin(), s.layers.end(),
                           [&](int i) { return data.layers[size_t(i)].op.kind != OpKind::Conv; });
    };
    const Bucket buckets[] = {
        {"random pairs", [&](const CalibrationSet& s) { return s.layers.size() == 2 && !copies(s); }},
        {"random quads", [&](const CalibrationSet& s) { return s.layers.size() == 4 && !copies(s); }},
        {"2/4/8 copies", [&](const CalibrationSet& s) { return copies(s); }},
        {"largest layer >= 40 us", [&](const CalibrationSet& s) { return maxAlone(s) >= 0.040; }},
        {"largest layer < 20 us", [&](const CalibrationSet& s) { return maxAlone(s) < 0.020; }},
        {"with a pool", [&](const CalibrationSet& s) { return hasPool(s); }},
        {"convs only", [&](const CalibrationSet& s) { return !hasPool(s); }},
        {"all concurrent", [](const CalibrationSet&) { return true; }},
    };
    std::printf(
        "\n| concurrent sets | precision | n | measured speedup (median) | predicted speedup (median) | "
        "speedup err median | speedup err p90 | latency err median | latency err p90 |\n"
        "|---|---|---|---|---|---|---|---|---|\n");
    for (const Bucket& b : buckets) {
        for (int p = 0; p < 2; ++p) {
            std::vector<double> meas, pred, sErr, tErr;
            for (size_t i = 0; i < data.sets.size(); ++i) {
                const CalibrationSet& s = data.sets[i];
                if ((s.precision == Precision::Tf32) != bool(p) || !b.in(s)) continue;
                meas.push_back(e.measSpeedup[i]), pred.push_back(e.predSpeedup[i]);
                sErr.push_back(e.speedupErr[i]), tErr.push_back(e.togetherErr[i]);
            }
            if (meas.empty()) continue;
            std::printf("| %s | %s | %zu | %.2fx | %.2fx | %.1f%% | %.1f%% | %.1f%% | %.1f%% |\n", b.label,
                        p ? "tf32" : "fp32", meas.size(), quantile(meas, 0.5, false),
                        quantile(pred, 0.5, false), 100 * quantile(sErr, 0.5), 100 * quantile(sErr, 0.9),
                        100 * quantile(tErr, 0.5), 100 * quantile(tErr, 0.9));
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    std::string path, device = "H200";
    bool doFit = false, perLayer = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--fit"))
            doFit = true;
        else if (!std::strcmp(argv[i], "--layers"))
            perLayer = true;
        else if (!std::strcmp(argv[i], "--device") && i + 1 < argc)
            device = argv[++i];
        else
            path = argv[i];
    }
    if (path.empty()) {
        std::fprintf(stderr, "usage: bench_calibration MICROBENCH.json [--device H200] [--fit] [--layers]\n");
        return 2;
    }
    try {
        const CalibrationData data = loadCalibrationData(path);
        SimDevice dev;
        if (!simDevicePreset(device, dev)) dev = loadSimDevice(device);
        if (doFit) {
            std::printf("fitting %s to %s\n", dev.name.c_str(), path.c_str());
            dev = fitCalibration(dev, data, [](double step, double loss) {
                std::printf("  step %.3f: loss %.5f\n", step, loss);
            });
            std::printf("fitted constants:\n");
            for (const FitParam& p : fitParams()) std::printf("    d.%s = %.4g;\n", p.name, dev.*(p.field));
        }
        report(dev, data, perLayer);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_calibration: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
