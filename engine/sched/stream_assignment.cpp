// Stream assignments of the fast schedulers: Nimble's minimum path cover of the transitive
// reduction, HIOS's longest paths, and LIOS's list scheduling onto a fixed number of streams.
#include "sched/fast_schedulers.h"
#include "sched/sub_dag.h"

#include <cstdint>
#include <limits>

namespace ioscope {
namespace {

using detail::SubDag;

// The edges of the transitive reduction (the minimum equivalent graph of a DAG): u -> v is
// redundant when another successor w of u reaches v.
std::vector<std::vector<int>> transitiveReduction(const SubDag& d) {
    const size_t n = static_cast<size_t>(d.size()), words = (n + 63) / 64;
    std::vector<std::uint64_t> reach(n * words, 0);
    const auto has = [&](size_t from, size_t to) {
        return (reach[from * words + to / 64] >> (to % 64)) & 1U;
    };
    for (size_t i = n; i-- > 0;)
        for (int s : d.succ[i]) {
            const auto su = static_cast<size_t>(s);
            reach[i * words + su / 64] |= std::uint64_t(1) << (su % 64);
            for (size_t w = 0; w < words; ++w) reach[i * words + w] |= reach[su * words + w];
        }
    std::vector<std::vector<int>> kept(n);
    for (size_t u = 0; u < n; ++u)
        for (int v : d.succ[u]) {
            bool redundant = false;
            for (int w : d.succ[u])
                if (w != v && has(static_cast<size_t>(w), static_cast<size_t>(v))) {
                    redundant = true;
                    break;
                }
            if (!redundant) kept[u].push_back(v);
        }
    return kept;
}

// Maximum bipartite matching (left: ops as producers, right: ops as consumers) by augmenting
// paths, searched iteratively (graphs of thousands of ops). matchL[u] = the op following u.
std::vector<int> maximumMatching(const std::vector<std::vector<int>>& adj) {
    const size_t n = adj.size();
    std::vector<int> matchL(n, -1), matchR(n, -1), via(n, -1), seen(n, -1);
    std::vector<size_t> next(n, 0);
    for (size_t u = 0; u < n; ++u) // greedy start: most ops find a free consumer at once
        for (int v : adj[u])
            if (matchR[static_cast<size_t>(v)] < 0) {
                matchL[u] = v;
                matchR[static_cast<size_t>(v)] = static_cast<int>(u);
                break;
            }
    std::vector<int> stack;
    for (size_t root = 0; root < n; ++root) {
        if (matchL[root] >= 0) continue;
        stack.assign(1, static_cast<int>(root));
        next[root] = 0;
        while (!stack.empty()) {
            const auto u = static_cast<size_t>(stack.back());
            if (next[u] == adj[u].size()) {
                stack.pop_back();
                continue;
            }
            const int v = adj[u][next[u]++];
            if (seen[static_cast<size_t>(v)] == static_cast<int>(root)) continue;
            seen[static_cast<size_t>(v)] = static_cast<int>(root);
            via[static_cast<size_t>(v)] = static_cast<int>(u);
            const int owner = matchR[static_cast<size_t>(v)];
            if (owner >= 0) {
                next[static_cast<size_t>(owner)] = 0;
                stack.push_back(owner);
                continue;
            }
            for (int at = v;;) { // flip the path back to the root
                const int left = via[static_cast<size_t>(at)];
                const int previous = matchL[static_cast<size_t>(left)];
                matchL[static_cast<size_t>(left)] = at;
                matchR[static_cast<size_t>(at)] = left;
                if (left == static_cast<int>(root)) break;
                at = previous;
            }
            stack.clear();
        }
    }
    return matchL;
}

} // namespace

std::vector<std::vector<OpId>> nimbleStreams(const Graph& g, const std::vector<OpId>& ops) {
    const SubDag d(g, ops);
    const std::vector<int> follower = maximumMatching(transitiveReduction(d));
    std::vector<char> followed(follower.size(), 0);
    for (int f : follower)
        if (f >= 0) followed[static_cast<size_t>(f)] = 1;
    std::vector<std::vector<OpId>> streams;
    for (size_t start = 0; start < follower.size(); ++start) {
        if (followed[start]) continue;
        streams.emplace_back();
        for (int at = static_cast<int>(start); at >= 0; at = follower[static_cast<size_t>(at)])
            streams.back().push_back(d.ops[static_cast<size_t>(at)]);
    }
    return streams;
}

std::vector<std::vector<OpId>> longestPathStreams(const Graph& g, const std::vector<OpId>& ops,
                                                  const std::vector<double>& singleMs) {
    const SubDag d(g, ops);
    const size_t n = static_cast<size_t>(d.size());
    std::vector<char> taken(n, 0);
    std::vector<double> length(n);
    std::vector<int> parent(n);
    std::vector<std::vector<OpId>> streams;
    for (size_t left = n; left > 0;) {
        // The longest path (by latency) through the ops not taken yet; ties keep the earliest.
        int best = -1;
        for (size_t i = 0; i < n; ++i) {
            if (taken[i]) continue;
            length[i] = singleMs[static_cast<size_t>(d.ops[i])];
            parent[i] = -1;
            for (int p : d.pred[i]) {
                const auto pu = static_cast<size_t>(p);
                if (!taken[pu] && singleMs[static_cast<size_t>(d.ops[i])] + length[pu] > length[i]) {
                    length[i] = singleMs[static_cast<size_t>(d.ops[i])] + length[pu];
                    parent[i] = p;
                }
            }
            if (best < 0 || length[i] > length[static_cast<size_t>(best)]) best = static_cast<int>(i);
        }
        std::vector<OpId> path;
        for (int at = best; at >= 0; at = parent[static_cast<size_t>(at)]) {
            taken[static_cast<size_t>(at)] = 1;
            path.push_back(d.ops[static_cast<size_t>(at)]);
            --left;
        }
        streams.emplace_back(path.rbegin(), path.rend());
    }
    return streams;
}

std::vector<std::vector<OpId>> listScheduledStreams(const Graph& g, const std::vector<OpId>& ops,
                                                    const std::vector<double>& singleMs, int streamCount) {
    const SubDag d(g, ops);
    const size_t n = static_cast<size_t>(d.size());
    const auto ms = [&](size_t i) { return singleMs[static_cast<size_t>(d.ops[i])]; };
    // Priority: the op's bottom level, the longest latency from its start to the end of the set.
    std::vector<double> priority(n, 0);
    for (size_t i = n; i-- > 0;) {
        double tail = 0;
        for (int s : d.succ[i]) tail = std::max(tail, priority[static_cast<size_t>(s)]);
        priority[i] = ms(i) + tail;
    }
    const size_t k = static_cast<size_t>(std::max(1, streamCount));
    std::vector<double> streamFree(k, 0), finish(n, 0);
    std::vector<std::vector<OpId>> streams(k);
    std::vector<int> waiting(n);
    std::vector<size_t> ready;
    for (size_t i = 0; i < n; ++i)
        if ((waiting[i] = static_cast<int>(d.pred[i].size())) == 0) ready.push_back(i);
    while (!ready.empty()) {
        // The ready op of the highest priority (ties: the earliest) ...
        size_t pick = 0;
        for (size_t r = 1; r < ready.size(); ++r)
            if (priority[ready[r]] > priority[ready[pick]] ||
                (priority[ready[r]] == priority[ready[pick]] && ready[r] < ready[pick]))
                pick = r;
        const size_t u = ready[pick];
        ready.erase(ready.begin() + static_cast<long>(pick));
        double earliest = 0;
        for (int p : d.pred[u]) earliest = std::max(earliest, finish[static_cast<size_t>(p)]);
        // ... to the stream where it finishes first (ties: the lowest stream).
        size_t best = 0;
        double bestStart = std::numeric_limits<double>::infinity();
        for (size_t s = 0; s < k; ++s)
            if (const double start = std::max(streamFree[s], earliest); start < bestStart) {
                bestStart = start;
                best = s;
            }
        finish[u] = streamFree[best] = bestStart + ms(u);
        streams[best].push_back(d.ops[u]);
        for (int s : d.succ[u])
            if (--waiting[static_cast<size_t>(s)] == 0) ready.push_back(static_cast<size_t>(s));
    }
    std::erase_if(streams, [](const auto& s) { return s.empty(); });
    return streams;
}

} // namespace ioscope
