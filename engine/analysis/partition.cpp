// Block partition as IOS uses it. A cut point is a unit every input-to-output path passes
// through (it dominates the outputs and post-dominates the inputs). Each cut point closes a
// block holding everything since the previous one, so the cut point is its block's exit, as
// IOS's block.exit_node is. Runs of one-op blocks (plain chains such as a stem) merge into one
// block, the way IOS writes a chain of ops as one block: Inception V3 then has 13 blocks and
// SqueezeNet 12, as in the paper.
#include "analysis/partition.h"

#include "util/errors.h"

#include <algorithm>
#include <string>

namespace ioscope {
namespace {

// Cut points of the units in topological order. With positions in a topological order and a
// virtual source before every input and a virtual sink after every output, the op at position
// p dominates the sink exactly when no edge jumps over p (an edge a->b with pos(a) < p < pos(b)
// gives a path around it; without one, every path must step through p).
std::vector<bool> cutPoints(const Graph& g) {
    const int n = g.size();
    // cover[p] > 0 when some edge jumps over position p; built as a difference array.
    std::vector<int> delta(static_cast<size_t>(n) + 2, 0);
    auto jump = [&](int from, int to) { // positions, virtual source -1, virtual sink n
        if (to - from < 2) return;
        ++delta[static_cast<size_t>(from + 2)];
        --delta[static_cast<size_t>(to + 1)];
    };
    for (OpId i = 0; i < n; ++i) {
        if (g.op(i).kind == OpKind::Input) jump(-1, i);
        for (OpId p : g.predecessors(i)) jump(p, i);
        if (g.successors(i).empty()) jump(i, n);
    }
    std::vector<bool> cut(static_cast<size_t>(n), false);
    int cover = 0;
    for (OpId i = 0; i < n; ++i) {
        cover += delta[static_cast<size_t>(i + 1)];
        cut[static_cast<size_t>(i)] = cover == 0 && g.isUnit(i);
    }
    return cut;
}

} // namespace

std::vector<Block> partitionBlocks(const Graph& g, int maxPartSize) {
    if (maxPartSize < 1)
        throw InputError("max part size must be at least 1, not " + std::to_string(maxPartSize));
    const std::vector<bool> cut = cutPoints(g);

    // Blocks closed by the cut points, in topological order.
    std::vector<std::vector<OpId>> raw;
    std::vector<OpId> current;
    for (OpId u : g.units()) {
        current.push_back(u);
        if (cut[static_cast<size_t>(u)]) raw.push_back(std::move(current)), current.clear();
    }
    if (!current.empty()) raw.push_back(std::move(current));

    // Merge runs of one-op blocks: a chain has nothing to schedule in parallel.
    std::vector<Block> blocks;
    bool lastWasChain = false;
    for (auto& ops : raw) {
        const bool chain = ops.size() == 1;
        if (chain && lastWasChain)
            blocks.back().ops.push_back(ops.front());
        else
            blocks.push_back(Block{std::move(ops), {}});
        lastWasChain = chain;
    }

    for (Block& b : blocks)
        for (size_t i = 0; i < b.ops.size(); i += static_cast<size_t>(maxPartSize)) {
            const size_t end = std::min(b.ops.size(), i + static_cast<size_t>(maxPartSize));
            b.parts.emplace_back(b.ops.begin() + static_cast<long>(i),
                                 b.ops.begin() + static_cast<long>(end));
        }
    return blocks;
}

} // namespace ioscope
