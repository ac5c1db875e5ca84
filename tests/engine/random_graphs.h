#pragma once
// Random small DAGs for the engine tests: every op keeps C channels at HxW so any wiring is
// shape-valid, with a mix of op kinds (conv with summed, concatenated or term-grouped inputs,
// ReLU-separable convs, pools, activations, identity sums, sequential units).
#include "graph/graph.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace ioscope::testing {

struct RandomGraphOptions {
    int units = 10;
    int inputs = 1; // Input ops
    int maxFanIn = 3;
    double longEdge = 0.3;      // chance that a producer is drawn from all earlier ops, not the last few
    bool chainOfBlocks = false; // build a series of small random sub-DAGs joined by one op
};

inline Op randomOp(std::mt19937& rng, const std::string& name, std::vector<OpId> inputs) {
    constexpr int c = 4;
    Op op;
    op.name = name;
    op.inputs = std::move(inputs);
    const int pick = std::uniform_int_distribution<int>(0, 8)(rng);
    const bool single = op.inputs.size() == 1;
    switch (single ? pick : pick % 4) {
    case 0: // conv, inputs summed or concatenated
        op.kind = OpKind::Conv;
        op.outChannels = c;
        op.window = {3, 3, 1, 1, 1, 1, 1, 1};
        op.activation = Activation::Relu;
        op.combine = std::uniform_int_distribution<int>(0, 1)(rng) ? Combine::Concat : Combine::Sum;
        break;
    case 1: // sepconv with a leading ReLU
        op.kind = OpKind::SepConv;
        op.outChannels = c;
        op.preRelu = true;
        op.window = {3, 3, 1, 1, 1, 1, 1, 1};
        break;
    case 2: // identity sum
        op.kind = OpKind::Identity;
        op.combine = Combine::Sum;
        break;
    case 3: { // conv reading sum terms (IOS identity semantics) or a plain 1x1 conv
        op.kind = OpKind::Conv;
        op.outChannels = c;
        op.bias = false;
        for (size_t left = op.inputs.size(); left > 0;) {
            const int t = std::uniform_int_distribution<int>(1, static_cast<int>(left))(rng);
            op.sumTerms.push_back(t);
            left -= static_cast<size_t>(t);
        }
        if (op.sumTerms.size() == 1 && op.inputs.size() == 1) op.sumTerms.clear();
        break;
    }
    case 4:
        op.kind = OpKind::MaxPool;
        op.window = {3, 3, 1, 1, 1, 1, 1, 1};
        break;
    case 5:
        op.kind = OpKind::AvgPool;
        op.window = {3, 3, 1, 1, 1, 1, 1, 1};
        op.countIncludePad = true;
        break;
    case 6:
        op.kind = OpKind::Activation;
        op.activation = Activation::Tanh;
        break;
    default: { // ReLU then 1x1 conv, one unit
        op.kind = OpKind::Sequential;
        Op act;
        act.name = name + "/relu";
        act.kind = OpKind::Activation;
        act.activation = Activation::Relu;
        Op conv;
        conv.name = name + "/conv";
        conv.kind = OpKind::Conv;
        conv.outChannels = c;
        op.body = {act, conv};
        break;
    }
    }
    return op;
}

// A finalized random DAG. Unit i reads 1..maxFanIn distinct earlier ops.
inline Graph randomGraph(std::mt19937& rng, const RandomGraphOptions& o) {
    Graph g("random");
    std::vector<OpId> all;
    for (int i = 0; i < o.inputs; ++i) all.push_back(g.addInput("in" + std::to_string(i), {4, 6, 6}));
    int joinEvery = o.chainOfBlocks ? std::uniform_int_distribution<int>(2, 5)(rng) : 1 << 30;
    size_t blockStart = 0; // producers of the current sub-DAG start here
    for (int u = 0; u < o.units; ++u) {
        std::vector<OpId> inputs;
        const bool join = o.chainOfBlocks && u > 0 && u % joinEvery == 0;
        if (join) {
            // One op reading every op of the current sub-DAG that nobody read: a cut point.
            for (size_t k = blockStart; k < all.size(); ++k)
                if (g.successors(all[k]).empty()) inputs.push_back(all[k]);
        } else {
            const int fanIn = std::uniform_int_distribution<int>(1, o.maxFanIn)(rng);
            for (int k = 0; k < fanIn; ++k) {
                // Mostly nearby producers (the current sub-DAG, or the last four ops); sometimes any.
                const size_t near = o.chainOfBlocks ? blockStart : (all.size() > 4 ? all.size() - 4 : 0);
                const bool anywhere = std::uniform_real_distribution<double>(0, 1)(rng) < o.longEdge;
                const size_t lo = anywhere ? 0 : near;
                const OpId p = all[std::uniform_int_distribution<size_t>(lo, all.size() - 1)(rng)];
                if (std::find(inputs.begin(), inputs.end(), p) == inputs.end()) inputs.push_back(p);
            }
        }
        if (inputs.empty()) inputs.push_back(all.back());
        const OpId id = g.addOp(randomOp(rng, "op" + std::to_string(u), inputs));
        // successors() is only valid after finalize(); refresh so joins see who reads what.
        g.finalize("random");
        all.push_back(id);
        if (join) {
            blockStart = all.size() - 1;
            joinEvery = std::uniform_int_distribution<int>(2, 5)(rng);
        }
    }
    g.finalize("random");
    return g;
}

// A random multi-branch CNN block of exactly `units` ops and width `width` (issue #14's wide
// case: 47 ops, width 14, on 32x17x17 maps): a stem conv, `width` branches of random length
// (3x3 and 1x1 convs, 3x3 max and avg pools, and adds that also read an earlier op of a
// neighbouring branch) and a concat of the branch ends. Every branch opens with one op reading
// the stem, so those `width` ops are an antichain; the branches cover every other op, so none is
// wider. Needs units >= 2 * width + 2.
inline Graph randomMultiBranchCnn(std::mt19937& rng, int units = 47, int width = 14, int channels = 32,
                                  int size = 17) {
    Graph g("random_cnn_" + std::to_string(units) + "_w" + std::to_string(width));
    const OpId in = g.addInput("input", {channels, size, size});
    auto conv = [&](const std::string& name, OpId from, int k) {
        Op op;
        op.name = name;
        op.kind = OpKind::Conv;
        op.inputs = {from};
        op.window = {k, k, 1, 1, k / 2, k / 2, 1, 1};
        op.outChannels = channels;
        op.activation = Activation::Relu;
        return op;
    };
    const OpId stem = g.addOp(conv("stem", in, 3));
    // Branch lengths: every branch has two ops at least (an opening op and one more); the rest
    // spread at random.
    std::vector<int> length(static_cast<size_t>(width), 2);
    for (int left = units - 2 - 2 * width; left > 0; --left)
        ++length[std::uniform_int_distribution<size_t>(0, length.size() - 1)(rng)];
    std::vector<std::vector<OpId>> branch(static_cast<size_t>(width));
    const int depth = *std::max_element(length.begin(), length.end());
    for (int d = 0; d < depth; ++d)
        for (int b = 0; b < width; ++b) {
            if (d >= length[static_cast<size_t>(b)]) continue;
            auto& chain = branch[static_cast<size_t>(b)];
            const OpId prev = chain.empty() ? stem : chain.back();
            const std::string name = "b" + std::to_string(b) + "_" + std::to_string(d);
            const int pick = std::uniform_int_distribution<int>(0, 5)(rng);
            Op op;
            // An add reads an earlier op of the neighbouring branch too (never at the opening
            // op, which keeps the openings an antichain).
            const auto& other = branch[static_cast<size_t>((b + 1) % width)];
            if (pick == 5 && d > 0 && !other.empty()) {
                op.name = name;
                op.kind = OpKind::Add;
                op.inputs = {prev, other[std::uniform_int_distribution<size_t>(0, other.size() - 1)(rng)]};
            } else if (pick >= 3) {
                op.name = name;
                op.kind = pick == 3 ? OpKind::MaxPool : OpKind::AvgPool;
                op.inputs = {prev};
                op.window = {3, 3, 1, 1, 1, 1, 1, 1};
                op.countIncludePad = true;
            } else {
                op = conv(name, prev, pick == 0 ? 1 : 3);
            }
            chain.push_back(g.addOp(std::move(op)));
        }
    Op concat;
    concat.name = "concat";
    concat.kind = OpKind::Concat;
    for (const auto& chain : branch) concat.inputs.push_back(chain.back());
    g.addOp(std::move(concat));
    g.finalize(g.name());
    return g;
}

} // namespace ioscope::testing
