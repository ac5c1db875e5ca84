#pragma once
// Ops compiled into launch steps: cuDNN/cuBLAS descriptors built, conv algorithms measured and
// weights uploaded once, so a run (or a CUDA-graph capture) only enqueues work on a slot's stream.
#include "exec/merged_conv.h"
#include "gpu/buffer_plan.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ioscope::gpu {

// One enqueue on a slot's stream (no host synchronisation inside).
using Step = std::function<void(Slot&)>;

struct Program {
    std::vector<Step> steps;
    std::vector<std::shared_ptr<void>> keepAlive; // descriptors, weights, private buffers
    void launch(Slot& slot) const {
        for (const Step& s : steps) s(slot);
    }
};

// Compiles ops of one graph against one buffer plan. Weights are seeded (weights_init) unless
// the op carries its own, exactly as the CPU reference executor uses them.
class ProgramCompiler {
  public:
    ProgramCompiler(Device& device, const Graph& g, const BufferPlan& plan, Precision precision);

    // A unit op (not a merge member): gathers its inputs, then computes into plan.op(id).out.
    Program compileOp(OpId id);
    // A merge stage as one convolution writing plan.merged(mergeIndex).
    Program compileMerged(const std::vector<OpId>& ops, int mergeIndex);
    // The same, writing `y` (live profiling gives each candidate merge its own buffer).
    Program compileMerged(const std::vector<OpId>& ops, const View& y);

    // Appends a copy of `from` into `to` (same element count).
    void appendCopy(Program& prog, const View& from, const View& to) {
        addElementwise(prog, {from}, to, false, nullptr, nullptr, Activation::None);
    }

  private:
    void compileCore(Program& prog, const Op& op, const std::vector<View>& inputs, const View& y,
                     const Weights& w);
    void addConv(Program& prog, const Op& op, const View& x, const View& y, const float* kernel,
                 const float* bias);
    void addElementwise(Program& prog, const std::vector<View>& inputs, const View& y, bool product,
                        const float* scale, const float* shift, Activation act);
    View privateBuffer(Program& prog, Shape shape);
    const float* upload(Program& prog, const std::vector<float>& values);

    Device& device_;
    const Graph& g_;
    const BufferPlan& plan_;
    Precision precision_;
};

} // namespace ioscope::gpu
