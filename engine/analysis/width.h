#pragma once
// Width of the DAG: the maximum antichain of scheduling units (Dilworth's theorem: a minimum
// chain cover by maximum bipartite matching on reachability, in O(ops + edges) memory), and the
// critical path.
#include "graph/graph.h"

#include <vector>

namespace ioscope {

struct WidthResult {
    int width = 0;
    std::vector<OpId> antichain; // pairwise unreachable units, size == width
};
WidthResult maximumAntichain(const Graph& g);

struct CriticalPath {
    double flops = 0;
    std::vector<OpId> ops; // input to output
};
CriticalPath criticalPathByFlops(const Graph& g);

// For each unit in topological order, how many units could run at that moment under an
// as-soon-as-possible wavefront (the width profile drawn by the explorer): entry i is the
// size of wavefront level i.
std::vector<int> widthProfile(const Graph& g);
// Each op's as-soon-as-possible level, indexed by OpId: level(u) = 1 + the highest level of its
// unit producers, 0 without any; -1 for inputs. widthProfile counts the units of each level.
std::vector<int> unitLevels(const Graph& g);

} // namespace ioscope
