#pragma once
// A part's known ending latencies laid out in the order the DP enumerates endings (PartDp): the
// enumeration adds an ending's ops highest first, so an ending is a path of falling op indices and
// its node is found from its parent's in one step. The children of a node lie side by side, so a
// state's endings are read from a few neighbouring places instead of hashed across a table of
// a million (on RandWire, a cache miss each).
#include "sched/mask_map.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace ioscope::detail {

class EndingTrie {
  public:
    static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

    EndingTrie() = default;
    // Every ending of `latencies` and each ending on its path; those not in `latencies` have an
    // unknown latency.
    explicit EndingTrie(const MaskMap<double>& latencies);

    // The node of the empty ending (kNone when the trie is empty).
    std::uint32_t root() const { return nodes_.empty() ? kNone : 0; }
    // The node of `node`'s ending with op v added (v below its ops), or kNone.
    std::uint32_t child(std::uint32_t node, int v) const {
        if (node == kNone) return kNone;
        const Node& n = nodes_[node];
        if (((n.children >> v) & 1) == 0) return kNone;
        return n.first + bitCount((n.children >> v) >> 1); // higher ops first
    }
    // Asks the processor to fetch the children of `node`.
    void prefetchBelow(std::uint32_t node) const {
        if (node != kNone) __builtin_prefetch(&nodes_[nodes_[node].first]);
    }
    // The latency of `node`'s ending, NaN when unknown.
    double ms(std::uint32_t node) const {
        return node == kNone ? std::numeric_limits<double>::quiet_NaN() : nodes_[node].ms;
    }
    std::size_t size() const { return nodes_.size(); }
    std::size_t builtFrom() const { return builtFrom_; } // the latencies it was built from

  private:
    // std::popcount without a POPCNT target is a call into libgcc; inline, it is a few operations.
    static std::uint32_t bitCount(Mask x) {
        x -= (x >> 1) & 0x5555555555555555ULL;
        x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
        x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
        return static_cast<std::uint32_t>((x * 0x0101010101010101ULL) >> 56);
    }
    struct Node {
        double ms = std::numeric_limits<double>::quiet_NaN();
        Mask children = 0;       // the ops that extend this ending to a node
        std::uint32_t first = 0; // the node of the highest of them; the others follow
    };
    std::vector<Node> nodes_;
    std::size_t builtFrom_ = 0;
};

} // namespace ioscope::detail
