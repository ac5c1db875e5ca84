#pragma once
// The simulated GPU cost model, "sim:DEVICE" (docs/cost-model.md): ops lower to kernels, the
// groups of a stage run as streams sharing the SMs, and every stage pays its boundary.
#include "cost/cost_model.h"
#include "cost/sim_device.h"
#include "cost/sim_kernels.h"

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
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
    // The boundary every stage with kernels pays: its base and a fork per further stream.
    double stageFloorMs(int groups) const override;
    // Each of the op's kernels in a stream: its launch, tail and the least time it can run on
    // the device shared with other streams (sim_timeline.cpp runs a stream's kernels one after
    // another).
    double opChainFloorMs(const Graph& g, OpId op, const RunConfig& cfg) override;
    // Simulated: the same stage always lowers to the same kernels and simulates the same.
    bool latenciesAreFixed() const override { return true; }

    const SimDevice& simDevice() const { return device_; }
    // The streams a stage lowers to (one per group; one for a merge stage).
    std::vector<std::vector<SimKernel>> stageStreams(const Graph& g, const Stage& stage,
                                                     const RunConfig& cfg) const;

  private:
    // The kernels of one op and a number naming them (0 for ops that are not memoized); ops that
    // lower to equal kernels share the number.
    struct LoweredOp {
        std::vector<SimKernel> kernels;
        std::uint32_t id = 0;
    };
    // The kernels of one op, memoized by its parameters and shapes: the DP asks for the same ops
    // in thousands of stages, and choosing a GEMM tiling is the costly part of lowering.
    const LoweredOp& opKernels(const Op& op, const RunConfig& cfg) const;
    // A concurrent stage's latency, through the cache of simulated stages.
    double concurrentStageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg);

    SimDevice device_;
    std::string spec_;
    // Names this model in the threads' op caches, where an address could be reused by a later model.
    std::uint64_t serial_;
    mutable std::shared_mutex memoMutex_;
    mutable std::unordered_map<std::string, LoweredOp> memo_;
    // LoweredOp numbers by the kernels' fields: stages of ops with different parameters but equal
    // kernels (NasNet's cells) simulate the same, and find each other in the stage cache.
    mutable std::unordered_map<std::string, std::uint32_t> kernelListIds_;

    // Simulated stages by their launch-ordered streams, each the ids of its ops' kernel lists:
    // a stage's latency is a function of exactly those kernels, and stages of different ops
    // with equal shapes (frequent in cell-based networks) lower to equal streams.
    // Open addressing over the key's hash, keys packed in one buffer: std::unordered_map's node
    // chasing and string compares showed up as a tenth of a search. Guarded by stageMutex_.
    // Keys of up to kInlineKey bytes (stages of a few ops) are kept in their slot: a hit then
    // reads one place in memory, not two.
    static constexpr size_t kInlineKey = 24;
    struct StageSlot {
        std::uint64_t hash = 0;
        double ms = 0;
        std::uint32_t keyAt = 0;   // in stageKeys_, for keys longer than kInlineKey
        std::uint32_t keySize = 0; // 0: empty (keys are never empty)
        char inlineKey[kInlineKey] = {};
        std::string_view key(const std::string& keys) const {
            return keySize <= kInlineKey ? std::string_view(inlineKey, keySize)
                                         : std::string_view(keys).substr(keyAt, keySize);
        }
    };
    const double* findStage(std::string_view key, std::uint64_t hash) const;
    void insertStage(std::string_view key, std::uint64_t hash, double ms);
    std::shared_mutex stageMutex_;
    std::vector<StageSlot> stageSlots_;
    std::string stageKeys_;
    size_t stageCount_ = 0;
};

} // namespace ioscope
