#include "sched/ending_trie.h"

#include <algorithm>
#include <utility>

namespace ioscope::detail {

EndingTrie::EndingTrie(const MaskMap<double>& latencies) : builtFrom_(latencies.size()) {
    // An ending's parent on its path lacks its lowest op (the last added).
    std::vector<std::vector<Mask>> byDepth(65);
    MaskMap<std::uint32_t> index; // ending -> node
    index.reserve(2 * latencies.size());
    latencies.forEach([&](Mask ending, double) {
        for (Mask p = ending; p && !index.find(p); p &= p - 1) {
            index.put(p, kNone);
            byDepth[static_cast<size_t>(popcount(p))].push_back(p);
        }
    });
    nodes_.emplace_back(); // the empty ending
    std::vector<std::pair<std::uint64_t, Mask>> order;
    for (size_t depth = 1; depth < byDepth.size(); ++depth) {
        order.clear();
        // Siblings side by side, the highest added op first.
        for (Mask p : byDepth[depth]) {
            const Mask parent = p & (p - 1);
            const std::uint64_t parentNode = parent ? *index.find(parent) : 0;
            order.emplace_back(parentNode << 6 | static_cast<std::uint64_t>(63 - lowestBit(p)), p);
        }
        std::sort(order.begin(), order.end());
        for (const auto& [key, p] : order) {
            const auto node = static_cast<std::uint32_t>(nodes_.size());
            index.put(p, node);
            const double* ms = latencies.find(p);
            nodes_.push_back(Node{ms ? *ms : std::numeric_limits<double>::quiet_NaN(), 0, 0});
            Node& parent = nodes_[static_cast<size_t>(key >> 6)];
            if (parent.children == 0) parent.first = node;
            parent.children |= bitOf(lowestBit(p));
        }
    }
    // Sibling groups in the order a depth-first walk meets them: a state's enumeration then reads
    // forwards from near where it last read, instead of jumping between depths.
    std::vector<Node> placed;
    placed.reserve(nodes_.size());
    placed.push_back(nodes_[0]);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> stack{{0, 0}}; // (built node, placed node)
    while (!stack.empty()) {
        const auto [from, to] = stack.back();
        stack.pop_back();
        const Node& n = nodes_[from];
        const auto first = static_cast<std::uint32_t>(placed.size());
        const auto count = static_cast<std::uint32_t>(popcount(n.children));
        for (std::uint32_t c = 0; c < count; ++c) placed.push_back(nodes_[n.first + c]);
        placed[to].first = first;
        for (std::uint32_t c = count; c-- > 0;)
            stack.emplace_back(n.first + c, first + c); // the first on top
    }
    nodes_ = std::move(placed);
}

} // namespace ioscope::detail
