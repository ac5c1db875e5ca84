// Temporary: one block, cut into parts. Replaced by the real single-entry/single-exit partition.
#include "analysis/partition.h"
namespace ioscope {
std::vector<Block> partitionBlocks(const Graph& g, int maxPartSize) {
    Block b;
    b.ops = g.units();
    for (size_t i = 0; i < b.ops.size(); i += static_cast<size_t>(maxPartSize))
        b.parts.emplace_back(b.ops.begin() + static_cast<long>(i),
                             b.ops.begin() + static_cast<long>(std::min(b.ops.size(), i + static_cast<size_t>(maxPartSize))));
    return {b};
}
} // namespace ioscope
