// estimateSearchSize: the IOS DP's state count per part, counted before the search runs.
#include "analysis/partition.h"
#include "sched/scheduler.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

namespace ioscope {
namespace {

// Predecessor-closed subsets of one part (the DP's states), up to `cap`: every one is reached
// from the whole part by removing sinks one at a time.
long long countStates(const Graph& g, const std::vector<OpId>& part, long long cap, bool& capped) {
    const int n = static_cast<int>(part.size());
    if (n > 64) {
        capped = true;
        return cap;
    }
    std::unordered_map<OpId, int> local;
    for (int i = 0; i < n; ++i) local[part[size_t(i)]] = i;
    std::vector<std::uint64_t> succ(size_t(n), 0);
    for (int i = 0; i < n; ++i)
        for (OpId s : g.successors(part[size_t(i)]))
            if (auto it = local.find(s); it != local.end()) succ[size_t(i)] |= std::uint64_t(1) << it->second;
    const std::uint64_t all = n == 64 ? ~std::uint64_t(0) : (std::uint64_t(1) << n) - 1;
    std::unordered_set<std::uint64_t> seen{all};
    std::vector<std::uint64_t> stack{all};
    while (!stack.empty()) {
        const std::uint64_t state = stack.back();
        stack.pop_back();
        for (std::uint64_t rest = state; rest; rest &= rest - 1) {
            const int v = __builtin_ctzll(rest);
            if (succ[size_t(v)] & state) continue; // not a sink of the state
            const std::uint64_t next = state & ~(std::uint64_t(1) << v);
            if (next && seen.insert(next).second) {
                if (static_cast<long long>(seen.size()) >= cap) {
                    capped = true;
                    return cap;
                }
                stack.push_back(next);
            }
        }
    }
    return static_cast<long long>(seen.size());
}

std::string grouped(long long v) {
    std::string s = std::to_string(v);
    for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(size_t(i), ",");
    return s;
}

} // namespace

std::string SearchSizeEstimate::summary() const {
    return std::to_string(parts) + " parts, " + (capped ? "over " : "") + grouped(states) +
           " DP states (largest part: " + (capped ? "over " : "") + grouped(largestPartStates) + " states; " +
           std::to_string(largestPartOps) + " ops in the largest part)";
}

SearchSizeEstimate estimateSearchSize(const Graph& g, const SchedulerOptions& options, long long stateCap) {
    SearchSizeEstimate e;
    long long left = std::max<long long>(1, stateCap);
    for (const Block& block : partitionBlocks(g, options.maxPartSize))
        for (const std::vector<OpId>& part : block.parts) {
            ++e.parts;
            e.largestPartOps = std::max(e.largestPartOps, static_cast<int>(part.size()));
            if (e.capped) continue;
            const long long states = countStates(g, part, left, e.capped);
            e.states += states;
            e.largestPartStates = std::max(e.largestPartStates, states);
            left -= states;
            if (left <= 0) e.capped = true;
        }
    return e;
}

} // namespace ioscope
