#pragma once
// A set of ops of a graph with its edges, indexed locally 0..n-1 in topological order;
// producers outside the set count as done. Internal to the fast schedulers and the bounds.
#include "graph/graph.h"

#include <algorithm>
#include <vector>

namespace ioscope::detail {

struct SubDag {
    SubDag(const Graph& g, std::vector<OpId> units) : ops(std::move(units)) {
        std::sort(ops.begin(), ops.end()); // ids are a topological order
        local.assign(static_cast<size_t>(g.size()), -1);
        for (size_t i = 0; i < ops.size(); ++i) local[static_cast<size_t>(ops[i])] = static_cast<int>(i);
        pred.resize(ops.size());
        succ.resize(ops.size());
        for (size_t i = 0; i < ops.size(); ++i)
            for (OpId p : g.predecessors(ops[i]))
                if (const int j = local[static_cast<size_t>(p)];
                    j >= 0 && std::find(pred[i].begin(), pred[i].end(), j) == pred[i].end()) {
                    pred[i].push_back(j);
                    succ[static_cast<size_t>(j)].push_back(static_cast<int>(i));
                }
        for (auto& s : succ) std::sort(s.begin(), s.end());
    }
    int size() const { return static_cast<int>(ops.size()); }

    std::vector<OpId> ops;              // local index -> OpId, ascending
    std::vector<int> local;             // OpId -> local index, -1 outside
    std::vector<std::vector<int>> pred; // within the set, distinct
    std::vector<std::vector<int>> succ;
};

} // namespace ioscope::detail
