#pragma once
// Where every op's output lives on the device for one run (docs/semantics.md, "GPU runtime rules": concat is
// free): an op whose output feeds a channel concatenation writes straight into its slice of the concat
// buffer, so concatenation costs nothing; a channel Slice (a Split's part) is a view of its input, so
// splitting costs nothing either (so is a ReLU op its depthwise readers apply on load); members of a merge
// stage write slices of the merged convolution's output. Everything else gets its own region of one
// allocation.
#include "gpu/deferred_epilogue.h"
#include "gpu/device.h"
#include "gpu/tensor_view.h"
#include "graph/graph.h"

#include <vector>

namespace ioscope::gpu {

// How an op's inputs reach it. Inputs meet as terms (Op::sumTerms, inputTerms()): each term is
// summed, the terms concatenated along channels.
enum class Gather {
    Direct,      // one input: the producer's view
    Concat,      // several terms, concatenated into `combined`
    SumStaging,  // one term of several inputs, summed into a staging buffer, then the op
    Elementwise, // one term: the op's own element-wise kernel reads every input (Add, Mul, Identity, ...)
};

// One term of a concatenating op not already written in place by its producer: its inputs
// (indices into PlannedOp::inputs), summed (or copied) into channels [channel, ...) of `combined`.
struct TermCopy {
    std::vector<int> inputs;
    int channel = 0;
    Shape shape;
};

struct PlannedOp {
    View out;
    View combined; // the combined input (Direct: the producer's out; Concat/SumStaging: a buffer)
    Gather gather = Gather::Direct;
    std::vector<View> inputs;     // producers' views of the combined inputs, in input order
    std::vector<View> residuals;  // fused residual inputs (Op::residuals), added in the epilogue
    std::vector<TermCopy> copies; // Concat: the terms still to gather
    bool view = false; // a channel Slice, or a ReLU its readers apply: `out` views its input, nothing runs
};

class BufferPlan {
  public:
    // `mergeSets` are the op lists of the schedule's merge stages (may be empty). Allocates the
    // device memory at `batch` (RuntimeFailure naming the size when the GPU runs out).
    // `ownDepthwiseKernels`: whether ioscope's kernels run the depthwise convs (deferredEpilogues).
    BufferPlan(const Graph& g, const std::vector<std::vector<OpId>>& mergeSets, int batch, Layout layout,
               DataType type, bool ownDepthwiseKernels = true);

    const PlannedOp& op(OpId id) const { return ops_[static_cast<size_t>(id)]; }
    View merged(int mergeIndex) const { return merged_[static_cast<size_t>(mergeIndex)]; }
    // The members of merge set k in output-channel order (reordered to match a concat buffer
    // the merged convolution writes in place).
    const std::vector<OpId>& mergeOrder(int k) const { return mergeOrder_[static_cast<size_t>(k)]; }
    int mergeSets() const { return static_cast<int>(mergeOrder_.size()); }
    // The epilogues and ReLU ops left to depthwise readers (gpu/deferred_epilogue.h), decided once
    // for the plan (a deferred ReLU is a view) and the compiler.
    const DeferredEpilogues& deferred() const { return deferred_; }
    int batch() const { return batch_; }
    Layout layout() const { return layout_; }
    DataType type() const { return type_; }
    size_t bytes() const { return memory_.bytes(); }
    void* base() const { return memory_.data(); }

  private:
    int batch_;
    Layout layout_;
    DataType type_;
    std::vector<PlannedOp> ops_;
    std::vector<View> merged_;
    std::vector<std::vector<OpId>> mergeOrder_;
    DeferredEpilogues deferred_;
    DeviceBuffer memory_;
};

} // namespace ioscope::gpu
