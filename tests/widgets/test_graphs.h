#pragma once
// Small graphs built in code for the widget tests (no dependency on the bundled generators).
#include "graph/graph.h"

#include <random>
#include <string>

namespace ioscope::testgraphs {

inline Op conv1x1(const std::string& name, OpId input, int channels) {
    Op op;
    op.name = name;
    op.kind = OpKind::Conv;
    op.inputs = {input};
    op.outChannels = channels;
    op.activation = Activation::Relu;
    return op;
}

inline Op concat(const std::string& name, std::vector<OpId> inputs) {
    Op op;
    op.name = name;
    op.kind = OpKind::Concat;
    op.inputs = std::move(inputs);
    return op;
}

inline Op maxPool3x3(const std::string& name, OpId input) {
    Op op;
    op.name = name;
    op.kind = OpKind::MaxPool;
    op.inputs = {input};
    op.window.kh = op.window.kw = 3;
    op.window.ph = op.window.pw = 1;
    return op;
}

// input -> a, b, c (3 parallel convs; c after a pool) -> concat -> d.  5 units, 6 edges + 1 input edge... see
// counts.
inline Graph diamond() {
    Graph g("diamond");
    const OpId in = g.addInput("input", Shape{16, 8, 8});
    const OpId a = g.addOp(conv1x1("branch_a", in, 8));
    const OpId b = g.addOp(conv1x1("branch_b", in, 8));
    const OpId p = g.addOp(maxPool3x3("pool", in));
    const OpId c = g.addOp(conv1x1("branch_c", p, 8));
    const OpId cat = g.addOp(concat("concat", {a, b, c}));
    g.addOp(conv1x1("head", cat, 16));
    g.finalize("diamond");
    return g;
}

// A random layered DAG: each op reads one or two earlier ops (two: a concat).
inline Graph randomDag(int units, unsigned seed) {
    Graph g("random" + std::to_string(units));
    std::mt19937 rng(seed);
    std::vector<OpId> ids{g.addInput("input", Shape{8, 4, 4})};
    for (int i = 0; i < units; ++i) {
        const int window = std::min<int>(static_cast<int>(ids.size()), 12);
        std::uniform_int_distribution<int> pick(static_cast<int>(ids.size()) - window,
                                                static_cast<int>(ids.size()) - 1);
        const OpId x = ids[static_cast<size_t>(pick(rng))];
        const OpId y = ids[static_cast<size_t>(pick(rng))];
        if (x != y && rng() % 3 == 0)
            ids.push_back(g.addOp(concat("cat" + std::to_string(i), {x, y})));
        else
            ids.push_back(g.addOp(conv1x1("conv" + std::to_string(i), x, 8)));
    }
    g.finalize("random");
    return g;
}

// Edges between distinct producer/consumer pairs, optionally without Input producers.
inline int edgeCount(const Graph& g, bool includeInputs = true) {
    int n = 0;
    for (OpId v = 0; v < g.size(); ++v) {
        std::vector<OpId> seen;
        for (OpId p : g.predecessors(v)) {
            if (!includeInputs && !g.isUnit(p)) continue;
            if (std::find(seen.begin(), seen.end(), p) != seen.end()) continue;
            seen.push_back(p);
            ++n;
        }
    }
    return n;
}

} // namespace ioscope::testgraphs
