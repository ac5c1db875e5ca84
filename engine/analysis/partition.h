#pragma once
// Blocks and parts (docs/semantics.md, "Blocks and parts"): the DAG is cut at single-entry/single-exit points
// into blocks; a block larger than maxPartSize is cut into consecutive parts in topological order. Stages
// never cross a part.
#include "graph/graph.h"

#include <vector>

namespace ioscope {

inline constexpr int kDefaultMaxPartSize = 50;

struct Block {
    std::vector<OpId> ops;                // units of the block, topological order
    std::vector<std::vector<OpId>> parts; // consecutive slices of ops, each at most maxPartSize
};

// Blocks cover every unit exactly once, in topological order of the graph.
std::vector<Block> partitionBlocks(const Graph& g, int maxPartSize = kDefaultMaxPartSize);

} // namespace ioscope
