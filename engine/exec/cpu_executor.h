#pragma once
// The CPU reference executor: runs a whole schedule on the CPU, stage by stage. Concurrent
// stages run their groups one after another (semantically the same as side by side); a merge
// stage runs as ONE merged convolution (buildMergedConv) whose output is split into the
// members' channel slices, so merge semantics are checked numerically.
#include "exec/tensor.h"
#include "graph/graph.h"
#include "schedule/schedule.h"
#include "util/cancel.h"

#include <atomic>
#include <cstdint>
#include <vector>

namespace ioscope {

struct CpuRunResult {
    std::vector<OpId> outputIds; // g.outputs(), in order
    std::vector<Tensor> outputs; // their tensors, same order
    std::vector<Tensor> allByOp; // every op's output indexed by OpId (only with keepAll; Input ops included)
};

class CpuExecutor {
  public:
    // Weights are each op's own when present, else seeded (weights_init.h) with `weightSeed`
    // (kDefaultWeightSeed by default). The graph must be finalized and outlive the executor.
    explicit CpuExecutor(const Graph& g, std::uint64_t weightSeed);
    explicit CpuExecutor(const Graph& g);

    // Runs a valid schedule (validateSchedule is called; InputError otherwise). `inputs` holds
    // one tensor per Input op, in graph order, all with the same batch. Checks `cancel` between
    // ops (throws Cancelled). Tensors nobody reads any more are freed unless keepAll.
    CpuRunResult run(const Schedule& s, const std::vector<Tensor>& inputs, bool keepAll = false,
                     CancelFlag cancel = nullptr) const;

    // Weights of op `id` (one per body op for Sequential; all computed by the constructor).
    const std::vector<Weights>& weights(OpId id) const { return weights_[static_cast<std::size_t>(id)]; }

    const Graph& graph() const { return g_; }

  private:
    const Graph& g_;
    std::uint64_t seed_;
    std::vector<std::vector<Weights>> weights_;
};

// One seeded input tensor per Input op of `g`, in graph order: input k is seededInput(shape,
// batch, seed + k).
std::vector<Tensor> seededInputs(const Graph& g, int batch, std::uint64_t seed);

} // namespace ioscope
