#include "analysis/width.h"

#include "analysis/reachability.h"
#include "graph/op_metrics.h"

#include <algorithm>
#include <functional>

namespace ioscope {

WidthResult maximumAntichain(const Graph& g) {
    // Dilworth: width = n - maximum matching in the bipartite graph (left copy u, right copy v,
    // edge when u reaches v). König's theorem turns the matching into a minimum vertex cover;
    // units with neither copy in the cover form a maximum antichain.
    const std::vector<OpId>& units = g.units();
    const int n = static_cast<int>(units.size());
    if (n == 0) return {};
    const Reachability reach(g);
    std::vector<std::vector<int>> adj(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            if (i != j && reach.reaches(units[static_cast<size_t>(i)], units[static_cast<size_t>(j)]))
                adj[static_cast<size_t>(i)].push_back(j);

    std::vector<int> matchL(static_cast<size_t>(n), -1), matchR(static_cast<size_t>(n), -1);
    std::vector<int> seen(static_cast<size_t>(n), -1);
    std::function<bool(int, int)> augment = [&](int u, int stamp) {
        for (int v : adj[static_cast<size_t>(u)]) {
            if (seen[static_cast<size_t>(v)] == stamp) continue;
            seen[static_cast<size_t>(v)] = stamp;
            if (matchR[static_cast<size_t>(v)] < 0 || augment(matchR[static_cast<size_t>(v)], stamp)) {
                matchL[static_cast<size_t>(u)] = v;
                matchR[static_cast<size_t>(v)] = u;
                return true;
            }
        }
        return false;
    };
    int matching = 0;
    for (int u = 0; u < n; ++u)
        if (augment(u, u)) ++matching;

    // König: Z = vertices reachable by alternating paths from unmatched left vertices.
    std::vector<char> zLeft(static_cast<size_t>(n), 0), zRight(static_cast<size_t>(n), 0);
    std::vector<int> stack;
    for (int u = 0; u < n; ++u)
        if (matchL[static_cast<size_t>(u)] < 0) {
            zLeft[static_cast<size_t>(u)] = 1;
            stack.push_back(u);
        }
    while (!stack.empty()) {
        const int u = stack.back();
        stack.pop_back();
        for (int v : adj[static_cast<size_t>(u)]) {
            if (zRight[static_cast<size_t>(v)]) continue;
            zRight[static_cast<size_t>(v)] = 1;
            const int w = matchR[static_cast<size_t>(v)];
            if (w >= 0 && !zLeft[static_cast<size_t>(w)]) {
                zLeft[static_cast<size_t>(w)] = 1;
                stack.push_back(w);
            }
        }
    }
    // Cover = (L \ Z) ∪ (R ∩ Z); antichain = units with left copy in Z and right copy not in Z.
    WidthResult result;
    for (int i = 0; i < n; ++i)
        if (zLeft[static_cast<size_t>(i)] && !zRight[static_cast<size_t>(i)])
            result.antichain.push_back(units[static_cast<size_t>(i)]);
    result.width = n - matching;
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

std::vector<int> widthProfile(const Graph& g) {
    // ASAP levels over units: level(u) = 1 + max level of unit producers.
    std::vector<int> level(static_cast<size_t>(g.size()), -1);
    int maxLevel = -1;
    for (OpId u : g.units()) {
        int l = 0;
        for (OpId p : g.predecessors(u))
            if (g.isUnit(p)) l = std::max(l, level[static_cast<size_t>(p)] + 1);
        level[static_cast<size_t>(u)] = l;
        maxLevel = std::max(maxLevel, l);
    }
    std::vector<int> profile(static_cast<size_t>(maxLevel + 1), 0);
    for (OpId u : g.units()) ++profile[static_cast<size_t>(level[static_cast<size_t>(u)])];
    return profile;
}

} // namespace ioscope
