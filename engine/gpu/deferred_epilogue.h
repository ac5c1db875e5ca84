#pragma once
// Conv epilogues moved into the next op's load. cuDNN's prebuilt fusion engines take a bias and
// ReLU but no SiLU, hard-swish or ReLU6, so a mobile network's expansion conv ran its bias and
// activation as a separate element-wise pass over the widest tensor of the block (efficientnet_b0:
// 17 such kernels, 46 us of 527). Where every consumer of such a conv is a depthwise conv in
// ioscope's own kernel, the conv stores its raw result and the depthwise kernel applies the bias
// and activation to each value it loads (gpu/kernels.h, Prologue): the pass disappears. It does so
// at every tap, so a costly activation is deferred only into a window that takes each value a few
// times (gpu/deferred_epilogue.cpp). A ReLU op read only by such depthwise convs (NASNet's
// separable branches: the cell input stays un-activated for its pools and sums, its ReLU feeds the
// depthwise convs alone) is left to them the same way: it runs nothing, its output is its input.
#include "graph/graph.h"

#include <vector>

namespace ioscope::gpu {

struct DeferredEpilogues {
    std::vector<bool> deferred;   // per op: its bias and activation are left to its consumers
    std::vector<OpId> from;       // per op: the producer whose deferred epilogue it applies, or -1
    std::vector<bool> aliasInput; // per op: a deferred ReLU op, whose output is its unchanged input
};

// `mergeMembers`: ops computed as part of a merged convolution (they keep their epilogues).
// `ownDepthwiseKernels` false (cuDNN runs the depthwise convs: IOSCOPE_DEPTHWISE_KERNEL=cudnn, which
// applies nothing on load): nothing is deferred.
DeferredEpilogues deferredEpilogues(const Graph& g, const std::vector<bool>& mergeMembers,
                                    bool ownDepthwiseKernels = true);

} // namespace ioscope::gpu
