#pragma once
// What makes the live-profiling cost models ("gpu", "gpu:stages"): the front end's GPU context
// (gpu/gpu_context.h) implements it, so the cost-model factory (cost/cost_factory.h) reaches the
// GPU runtime through the context it is given, and cost/ needs nothing above it, to compile or to
// link.
#include "cost/cost_model.h"
#include "schedule/run_config.h"

#include <memory>

namespace ioscope {

class ProfileCache; // cost/profile_cache.h

class LiveCostModels {
  public:
    virtual ~LiveCostModels() = default;
    // Every stage measured on the GPU in `mode`, boundary cost included; each measurement is also
    // recorded into `record` when given (the profile database). Throws RuntimeFailure where no
    // GPU runtime or device is.
    virtual std::unique_ptr<CostModel> makeLiveCostModel(ExecMode mode,
                                                         std::shared_ptr<ProfileCache> record = nullptr) = 0;
};

} // namespace ioscope
