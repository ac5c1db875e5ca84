#include "analysis/width.h"

#include "graph/op_metrics.h"

#include <algorithm>

namespace ioscope {

namespace {

// Maximum matching in the bipartite graph of Dilworth's theorem (left copy u, right copy v, an
// edge when u reaches v) without building the transitive closure, which takes O(n^2) memory and
// time (a 100,000-op chain: gigabytes). Kuhn's augmenting paths enumerate a left vertex's right
// neighbours — its descendants — by a DFS of the DAG itself. An op is entered at most once per
// search: the right copies below an entered op were already tried, so one search costs
// O(ops + edges). Marks survive failed searches (the matching did not change, so what failed
// still fails) and are reset only after an augmentation. Iterative: chains are 100,000 deep.
class ClosureMatching {
  public:
    explicit ClosureMatching(const Graph& g)
        : g_(g), matchL_(size_t(g.size()), -1), matchR_(size_t(g.size()), -1), mark_(size_t(g.size()), 0) {}

    int run() {
        int matched = 0;
        // Greedy start: most ops match a direct successor, leaving few searches.
        for (OpId u : g_.units())
            for (OpId v : g_.successors(u))
                if (matchR_[size_t(v)] < 0) {
                    matchL_[size_t(u)] = v, matchR_[size_t(v)] = u, ++matched;
                    break;
                }
        for (OpId u : g_.units())
            if (matchL_[size_t(u)] < 0 && augment(u)) {
                ++matched;
                ++stamp_;
            }
        return matched;
    }

    // König: the left copies reachable by alternating paths from unmatched left vertices (Z);
    // a unit with its left copy in Z and its right copy not in Z is in the maximum antichain.
    std::vector<OpId> antichain() {
        ++stamp_; // mark_ == stamp_: right copy in Z
        std::vector<char> leftInZ(size_t(g_.size()), 0);
        std::vector<OpId> lefts, dfs;
        for (OpId u : g_.units())
            if (matchL_[size_t(u)] < 0) leftInZ[size_t(u)] = 1, lefts.push_back(u);
        while (!lefts.empty()) {
            const OpId u = lefts.back();
            lefts.pop_back();
            dfs.assign(g_.successors(u).begin(), g_.successors(u).end());
            while (!dfs.empty()) {
                const OpId v = dfs.back();
                dfs.pop_back();
                if (mark_[size_t(v)] == stamp_) continue;
                mark_[size_t(v)] = stamp_;
                const OpId w = matchR_[size_t(v)];
                if (w >= 0 && !leftInZ[size_t(w)]) leftInZ[size_t(w)] = 1, lefts.push_back(w);
                dfs.insert(dfs.end(), g_.successors(v).begin(), g_.successors(v).end());
            }
        }
        std::vector<OpId> result;
        for (OpId u : g_.units())
            if (leftInZ[size_t(u)] && mark_[size_t(u)] != stamp_) result.push_back(u);
        return result;
    }

  private:
    struct Frame {
        OpId left;      // the left vertex whose descendants this frame enumerates
        OpId via;       // the right vertex matched to `left` through which it was entered
        size_t dfsBase; // where its DFS entries start in dfs_
    };
    struct Visit {
        OpId op;
        size_t next; // index of the next successor to look at
    };

    bool augment(OpId root) {
        frames_.assign(1, {root, -1, 0});
        dfs_.assign(1, {root, 0});
        while (!frames_.empty()) {
            Frame& f = frames_.back();
            if (dfs_.size() == f.dfsBase) { // every descendant tried: no path through f.left
                frames_.pop_back();
                continue;
            }
            Visit& top = dfs_.back();
            const std::vector<OpId>& succ = g_.successors(top.op);
            if (top.next == succ.size()) {
                dfs_.pop_back();
                continue;
            }
            const OpId v = succ[top.next++];
            if (mark_[size_t(v)] == stamp_) continue;
            mark_[size_t(v)] = stamp_;
            dfs_.push_back({v, 0}); // v's own descendants are the same frame's, after v is tried
            const OpId w = matchR_[size_t(v)];
            if (w < 0) { // free right vertex: flip the path root -> ... -> v
                OpId target = v;
                for (size_t i = frames_.size(); i-- > 0;) {
                    const OpId left = frames_[i].left;
                    matchL_[size_t(left)] = target, matchR_[size_t(target)] = left;
                    target = frames_[i].via;
                }
                return true;
            }
            frames_.push_back({w, v, dfs_.size()});
            dfs_.push_back({w, 0});
        }
        return false;
    }

    const Graph& g_;
    std::vector<OpId> matchL_, matchR_;
    std::vector<unsigned> mark_;
    unsigned stamp_ = 1;
    std::vector<Frame> frames_;
    std::vector<Visit> dfs_;
};

} // namespace

WidthResult maximumAntichain(const Graph& g) {
    // Dilworth: width = units - maximum matching in the bipartite graph of reachability; König's
    // theorem turns the matching into a minimum vertex cover whose complement is the antichain.
    if (g.units().empty()) return {};
    ClosureMatching matching(g);
    WidthResult result;
    result.width = static_cast<int>(g.units().size()) - matching.run();
    result.antichain = matching.antichain();
    return result;
}

CriticalPath criticalPathByFlops(const Graph& g) {
    const int n = g.size();
    std::vector<double> best(static_cast<size_t>(n), 0);
    std::vector<OpId> from(static_cast<size_t>(n), -1);
    for (OpId i = 0; i < n; ++i) {
        double in = 0;
        for (OpId p : g.predecessors(i))
            if (from[static_cast<size_t>(i)] < 0 || best[static_cast<size_t>(p)] > in) {
                in = best[static_cast<size_t>(p)];
                from[static_cast<size_t>(i)] = p;
            }
        best[static_cast<size_t>(i)] = in + opMetrics(g.op(i)).flops;
    }
    CriticalPath path;
    OpId end = -1;
    for (OpId i = 0; i < n; ++i)
        if (end < 0 || best[static_cast<size_t>(i)] > best[static_cast<size_t>(end)]) end = i;
    if (end < 0) return path;
    path.flops = best[static_cast<size_t>(end)];
    for (OpId i = end; i >= 0; i = from[static_cast<size_t>(i)]) path.ops.push_back(i);
    std::reverse(path.ops.begin(), path.ops.end());
    return path;
}

std::vector<int> unitLevels(const Graph& g) {
    std::vector<int> level(static_cast<size_t>(g.size()), -1);
    for (OpId u : g.units()) {
        int l = 0;
        for (OpId p : g.predecessors(u))
            if (g.isUnit(p)) l = std::max(l, level[static_cast<size_t>(p)] + 1);
        level[static_cast<size_t>(u)] = l;
    }
    return level;
}

std::vector<int> widthProfile(const Graph& g) {
    const std::vector<int> level = unitLevels(g);
    int maxLevel = -1;
    for (OpId u : g.units()) maxLevel = std::max(maxLevel, level[static_cast<size_t>(u)]);
    std::vector<int> profile(static_cast<size_t>(maxLevel + 1), 0);
    for (OpId u : g.units()) ++profile[static_cast<size_t>(level[static_cast<size_t>(u)])];
    return profile;
}

} // namespace ioscope
