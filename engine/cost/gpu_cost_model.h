#pragma once
// The live-profiling cost model's factory, declared here so the cost-model factory needs nothing
// above cost/: defined by the GPU runtime (engine/gpu/stage_profiler.cpp) or, in builds without
// CUDA, by engine/exec/gpu_absent.cpp.
#include "cost/cost_model.h"
#include "schedule/run_config.h"

#include <memory>

namespace ioscope {

class ProfileCache; // cost/profile_cache.h
class GpuContext;   // exec/gpu_context.h

// The live-profiling cost model ("gpu"): every stage is measured on `gpu` through the runtime
// above, in `mode`, boundary cost included; `gpu` must outlive it. Each measurement is also
// recorded into `record` when given (the profile database). Throws RuntimeFailure where no GPU
// runtime or device is.
std::unique_ptr<CostModel> makeGpuCostModel(GpuContext& gpu, ExecMode mode,
                                            std::shared_ptr<ProfileCache> record = nullptr);

} // namespace ioscope
