#pragma once
// The live-profiling cost model's factory, declared here so the cost-model factory needs nothing
// above cost/: defined by the GPU runtime (engine/gpu/stage_profiler.cpp) or, in builds without
// CUDA, by engine/exec/gpu_absent.cpp.
#include "cost/cost_model.h"
#include "schedule/run_config.h"

#include <memory>

namespace ioscope {

class ProfileCache; // cost/profile_cache.h

// The live-profiling cost model ("gpu"): every stage is measured on the GPU through the runtime
// above, in `mode`, boundary cost included. Each measurement is also recorded into `record`
// when given (the profile database). Throws RuntimeFailure where no GPU runtime or device is.
std::unique_ptr<CostModel> makeGpuCostModel(ExecMode mode, std::shared_ptr<ProfileCache> record = nullptr);

} // namespace ioscope
