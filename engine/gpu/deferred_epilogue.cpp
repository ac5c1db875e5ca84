#include "gpu/deferred_epilogue.h"

namespace ioscope::gpu {
namespace {

// An activation cuDNN's fused conv call cannot take (it fuses bias and ReLU itself).
bool needsOwnPass(Activation a) {
    return a != Activation::None && a != Activation::Relu;
}

// The depthwise kernel applies the prologue at every tap, so each input value is activated about
// K*K / (stride_h * stride_w) times, and only the activations compiled into the kernel are fast
// there (a code switch per tap made it 3x slower). Hard-swish and ReLU6 (clamp and multiply) cost
// less than the pass they replace at any window; SiLU (an exponential and a reciprocal) only where
// each value is taken a few times: measured on the H200, deferring efficientnet_b0's SiLU into all
// its depthwise convs (3x3 and 5x5, strides 1 and 2) took them from 107 to 190 us while removing
// 46 us of passes.
bool cheapEnough(Activation a, const Window& w) {
    if (a == Activation::HardSwish || a == Activation::Relu6) return true;
    return a == Activation::Silu && double(w.kh) * w.kw / (double(w.sh) * w.sw) <= 2.25;
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

} // namespace

DeferredEpilogues deferredEpilogues(const Graph& g, const std::vector<bool>& mergeMembers) {
    DeferredEpilogues d;
    d.deferred.assign(size_t(g.size()), false);
    d.from.assign(size_t(g.size()), -1);
    for (OpId id = 0; id < g.size(); ++id) {
        const Op& op = g.op(id);
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
