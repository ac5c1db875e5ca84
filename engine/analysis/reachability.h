#pragma once
// Transitive closure of the DAG as bitsets: reach[a] has bit b set when b is reachable from a
// by a non-empty path. O(n^2/64) memory; fine for the networks ioscope handles (thousands of ops).
#include "graph/graph.h"

#include <cstdint>
#include <vector>

namespace ioscope {

class Reachability {
  public:
    explicit Reachability(const Graph& g);
    bool reaches(OpId from, OpId to) const {
        return (bits_[static_cast<size_t>(from) * words_ + static_cast<size_t>(to) / 64] >> (to % 64)) & 1U;
    }
    bool comparable(OpId a, OpId b) const { return reaches(a, b) || reaches(b, a); }

  private:
    size_t words_ = 0;
    std::vector<std::uint64_t> bits_;
};

} // namespace ioscope
