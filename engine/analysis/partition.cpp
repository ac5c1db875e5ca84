// Block partition as IOS uses it. A cut point is a unit every input-to-output path passes
// through (it dominates the outputs and post-dominates the inputs). Each cut point closes a
// block holding everything since the previous one, so the cut point is its block's exit, as
// IOS's block.exit_node is. Runs of one-op blocks (plain chains such as a stem) merge into one
// block, the way IOS writes a chain of ops as one block: Inception V3 then has 13 blocks and
// SqueezeNet 12, as in the paper.
#include "analysis/partition.h"

#include "util/errors.h"

#include <algorithm>
#include <limits>
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

// Where a block larger than maxPartSize is cut matters a great deal for the search: the DP's
// states are the predecessor-closed subsets of a part, so a cut through the middle of a
// NasNet cell multiplies the half-cells on either side, while a cut where one cell's output
// is all that crosses keeps them apart. Cuts are chosen by a shortest path over positions
// that pays for each cut by the number of ops whose outputs cross it and for each part by its
// size squared; parts stay
// consecutive in topological order and at most maxPartSize long. Blocks within the limit are
// never cut.
std::vector<std::vector<OpId>> cutIntoParts(const Graph& g, const std::vector<OpId>& ops, int maxPartSize) {
    const size_t m = ops.size(), limit = static_cast<size_t>(maxPartSize);
    if (m <= limit) return {ops};
    std::vector<int> pos(static_cast<size_t>(g.size()), -1);
    for (size_t k = 0; k < m; ++k) pos[static_cast<size_t>(ops[k])] = static_cast<int>(k);
    // crossing[k]: ops at positions <= k read by an op at a position > k (a cut after k).
    std::vector<int> lastReader(m, -1), crossing(m, 0);
    for (size_t k = 0; k < m; ++k)
        for (OpId s : g.successors(ops[k]))
            lastReader[k] = std::max(lastReader[k], pos[static_cast<size_t>(s)]);
    std::vector<int> delta(m + 1, 0);
    for (size_t k = 0; k < m; ++k)
        if (lastReader[k] > static_cast<int>(k)) ++delta[k], --delta[static_cast<size_t>(lastReader[k])];
    for (size_t k = 0, open = 0; k < m; ++k)
        crossing[k] = static_cast<int>(open += static_cast<size_t>(delta[k]));

    // A part of k ops costs k^2 (the search grows much faster than linearly with the part),
    // a cut costs kCutCost per crossing tensor plus one: with NasNet's ~17-op cells this cuts
    // once per cell, where only the two previous cell outputs cross.
    constexpr long long kCutCost = 64;
    constexpr long long kInf = std::numeric_limits<long long>::max() / 4;
    std::vector<long long> best(m + 1, kInf);
    std::vector<size_t> from(m + 1, 0);
    best[0] = 0;
    for (size_t end = 1; end <= m; ++end)
        for (size_t start = end > limit ? end - limit : 0; start < end; ++start) {
            if (best[start] >= kInf) continue;
            const long long size = static_cast<long long>(end - start);
            const long long cost =
                best[start] + (start > 0 ? kCutCost * (1 + crossing[start - 1]) : 0) + size * size;
            if (cost < best[end] || (cost == best[end] && start < from[end])) {
                best[end] = cost;
                from[end] = start;
            }
        }
    std::vector<std::vector<OpId>> parts;
    for (size_t end = m; end > 0; end = from[end])
        parts.emplace_back(ops.begin() + static_cast<long>(from[end]), ops.begin() + static_cast<long>(end));
    std::reverse(parts.begin(), parts.end());
    return parts;
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

    for (Block& b : blocks) b.parts = cutIntoParts(g, b.ops, maxPartSize);
    return blocks;
}

} // namespace ioscope
