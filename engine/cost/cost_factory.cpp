#include "cost/cost_factory.h"

#include "cost/profile_cache.h"
#include "cost/sim_cost_model.h"
#include "cost/sim_device.h"
#include "util/errors.h"

#include <algorithm>
#include <cctype>

namespace ioscope {

namespace {

constexpr const char* kValidSpecs =
    "sim, sim:V100, sim:A100, sim:H100, sim:H200, sim:FILE.json, gpu, cache:FILE";

std::unique_ptr<CostModel> makeSim(const std::string& device) {
    SimDevice d;
    if (device.empty()) {
        simDevicePreset("H100", d);
        return std::make_unique<SimCostModel>(d, "sim:H100");
    }
    if (simDevicePreset(device, d)) {
        std::string upper = device;
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](unsigned char c) { return char(std::toupper(c)); });
        return std::make_unique<SimCostModel>(d, "sim:" + upper);
    }
    const bool looksLikeFile = device.find('/') != std::string::npos || device.find('.') != std::string::npos;
    if (!looksLikeFile)
        throw InputError("unknown simulated device '" + device +
                         "' (valid: V100, A100, H100, H200 or a device JSON file)");
    return std::make_unique<SimCostModel>(loadSimDevice(device), "sim:" + device);
}

// The live profiler of the GPU runtime (engine/gpu); absent from builds without CUDA.
// "gpu" profiles stages as whole-schedule CUDA graphs run them; "gpu:stages" as stage-by-stage
// launches do.
std::unique_ptr<CostModel> makeGpu(LiveCostModels* gpu, ExecMode mode = ExecMode::Graph) {
#ifdef IOSCOPE_HAVE_CUDA
    if (!gpu) throw RuntimeFailure("the gpu cost model needs a GPU context, and none was given");
    return gpu->makeLiveCostModel(mode);
#else
    (void)gpu;
    (void)mode;
    throw RuntimeFailure(
        "the gpu cost model needs the GPU runtime, which this build does not have (built without CUDA)");
#endif
}

// Replays a profile database written by the gpu model.
std::unique_ptr<CostModel> makeCache(const std::string& file, const RunConfig& run) {
    if (file.empty()) throw InputError("cache: needs a profile database file, e.g. cache:profiles.json");
    return makeCacheCostModel(file, run);
}

} // namespace

std::unique_ptr<CostModel> makeCostModel(const std::string& spec, const RunConfig& run, LiveCostModels* gpu) {
    const auto colon = spec.find(':');
    std::string kind = spec.substr(0, colon);
    const std::string arg = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
    std::transform(kind.begin(), kind.end(), kind.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    if (kind == "sim") {
        if (colon != std::string::npos && arg.empty())
            throw InputError("sim: needs a device after the colon (valid: " + std::string(kValidSpecs) + ")");
        return makeSim(arg);
    }
    if (kind == "gpu" && colon == std::string::npos) return makeGpu(gpu);
    if (kind == "gpu" && arg == "stages") return makeGpu(gpu, ExecMode::Stages);
    if (kind == "cache") return makeCache(arg, run);
    throw InputError("unknown cost model '" + spec + "' (valid: " + kValidSpecs + ")");
}

} // namespace ioscope
