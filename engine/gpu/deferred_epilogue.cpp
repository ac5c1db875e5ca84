#include "gpu/deferred_epilogue.h"

namespace ioscope::gpu {
namespace {

// An activation cuDNN's fused conv call cannot take (it fuses bias and ReLU itself).
bool needsOwnPass(Activation a) {
    return a != Activation::None && a != Activation::Relu;
}

// Only activations compiled into the depthwise kernels are deferred (a code switch per tap made
// the row kernel 3x slower). ReLU (a max), hard-swish and ReLU6 (clamp and multiply) cost less than the pass
// they replace even applied at every tap, as the row kernel does; SiLU (an exponential and a reciprocal) is
// applied once per input value by the staged-tile kernel, which takes square 3x3 to 9x9 windows at strides 1
// and 2, dilation 1 (gpu/kernels_depthwise.cu).
bool cheapEnough(Activation a, const Window& w) {
    if (a == Activation::HardSwish || a == Activation::Relu6 || a == Activation::Relu) return true;
    return a == Activation::Silu && w.kh == w.kw && w.kh >= 3 && w.kh <= 9 && w.kh % 2 == 1 && w.sh == w.sw &&
           (w.sh == 1 || w.sh == 2);
}

bool isMember(const std::vector<bool>& members, OpId id) {
    return size_t(id) < members.size() && members[size_t(id)];
}

// A depthwise conv that ioscope's kernel runs, reading `producer` alone and directly.
bool takesPrologue(const Graph& g, OpId id, OpId producer, const std::vector<bool>& mergeMembers) {
    const Op& op = g.op(id);
    const int c = g.op(producer).out.c;
    return op.kind == OpKind::Conv && op.inputs.size() == 1 && op.inputs.front() == producer &&
           op.sumTerms.empty() && op.residuals == 0 && op.groups > 1 && op.groups == c &&
           op.outChannels == c && op.window.dh == 1 && op.window.dw == 1 && !isMember(mergeMembers, id) &&
           cheapEnough(g.op(producer).activation, op.window);
}

// A ReLU op alone, not a graph output, whose every reader is a depthwise conv that takes it on load.
bool reluForConsumers(const Graph& g, OpId id, const std::vector<bool>& mergeMembers,
                      const std::vector<bool>& isOutput) {
    const Op& op = g.op(id);
    if (op.kind != OpKind::Activation || op.activation != Activation::Relu || op.inputs.size() != 1 ||
        !op.sumTerms.empty() || op.residuals != 0 || isOutput[size_t(id)] || isMember(mergeMembers, id) ||
        g.successors(id).empty())
        return false;
    for (OpId c : g.successors(id))
        if (!takesPrologue(g, c, id, mergeMembers)) return false;
    return true;
}

} // namespace

DeferredEpilogues deferredEpilogues(const Graph& g, const std::vector<bool>& mergeMembers,
                                    bool ownDepthwiseKernels) {
    DeferredEpilogues d;
    d.deferred.assign(size_t(g.size()), false);
    d.from.assign(size_t(g.size()), -1);
    d.aliasInput.assign(size_t(g.size()), false);
    if (!ownDepthwiseKernels) return d;
    std::vector<bool> isOutput(size_t(g.size()), false);
    for (OpId id : g.outputs()) isOutput[size_t(id)] = true;
    for (OpId id = 0; id < g.size(); ++id) {
        const Op& op = g.op(id);
        if (reluForConsumers(g, id, mergeMembers, isOutput)) {
            d.deferred[size_t(id)] = d.aliasInput[size_t(id)] = true;
            for (OpId c : g.successors(id)) d.from[size_t(c)] = id;
            continue;
        }
        if (op.kind != OpKind::Conv || !needsOwnPass(op.activation) || op.residuals != 0 ||
            isMember(mergeMembers, id))
            continue;
        const auto& consumers = g.successors(id);
        if (consumers.empty()) continue;
        bool all = true;
        for (OpId c : consumers) all = all && takesPrologue(g, c, id, mergeMembers);
        if (!all) continue;
        d.deferred[size_t(id)] = true;
        for (OpId c : consumers) d.from[size_t(c)] = id;
    }
    return d;
}

} // namespace ioscope::gpu
