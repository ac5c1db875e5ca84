#pragma once
// Totals over a model's scheduling units, shared by `ioscope-cli info`, the explorer's status
// bar and reports so they always agree.
#include "graph/graph.h"

#include <cstdint>
#include <map>
#include <string>

namespace ioscope {

struct ModelTotals {
    int units = 0;
    int edges = 0; // producer -> consumer references between units (input ops excluded)
    double flops = 0, bytes = 0;
    std::int64_t params = 0;
    std::map<std::string, int> kinds; // units per op kind
};

ModelTotals modelTotals(const Graph& g);

} // namespace ioscope
