#include "analysis/reachability.h"

namespace ioscope {

Reachability::Reachability(const Graph& g) : words_((static_cast<size_t>(g.size()) + 63) / 64) {
    bits_.assign(words_ * static_cast<size_t>(g.size()), 0);
    // Ops are in topological order: sweep from the back, OR-ing each successor's row.
    for (OpId a = g.size() - 1; a >= 0; --a) {
        std::uint64_t* row = &bits_[static_cast<size_t>(a) * words_];
        for (OpId s : g.successors(a)) {
            row[static_cast<size_t>(s) / 64] |= std::uint64_t(1) << (s % 64);
            const std::uint64_t* srow = &bits_[static_cast<size_t>(s) * words_];
            for (size_t w = 0; w < words_; ++w) row[w] |= srow[w];
        }
    }
}

} // namespace ioscope
