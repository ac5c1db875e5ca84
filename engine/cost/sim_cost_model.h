#pragma once
// The simulated GPU cost model, "sim:DEVICE" (docs/cost-model.md): ops lower to kernels, the
// groups of a stage run as streams sharing the SMs, and every stage pays its boundary.
#include "cost/cost_model.h"
#include "cost/sim_device.h"
#include "cost/sim_kernels.h"

#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace ioscope {

class SimCostModel : public CostModel {
  public:
    // `spec` is the name the model reports ("sim:H100", "sim:my_gpu.json").
    SimCostModel(SimDevice device, std::string spec);

    std::string name() const override { return spec_; }
    std::string device() const override { return device_.name; }
    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override;

    const SimDevice& simDevice() const { return device_; }
    // The streams a stage lowers to (one per group; one for a merge stage).
    std::vector<std::vector<SimKernel>> stageStreams(const Graph& g, const Stage& stage,
                                                     const RunConfig& cfg) const;

  private:
    // The kernels of one op, memoized by its parameters and shapes: the DP asks for the same ops
    // in thousands of stages, and choosing a GEMM tiling is the costly part of lowering.
    const std::vector<SimKernel>& opKernels(const Op& op, const RunConfig& cfg) const;

    SimDevice device_;
    std::string spec_;
    mutable std::shared_mutex memoMutex_;
    mutable std::unordered_map<std::string, std::vector<SimKernel>> memo_;
};

} // namespace ioscope
