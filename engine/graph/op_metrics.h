#pragma once
// Work and traffic of one op at batch 1 (multiply by the batch for larger ones): FLOPs count a
// multiply-add as 2; bytes are fp32 inputs read + outputs written + weights read.
#include "graph/op.h"

#include <cstdint>

namespace ioscope {

struct OpMetrics {
    double flops = 0;
    double bytes = 0;
    std::int64_t params = 0;
};

// Requires the op's shapes (in/out) to be inferred.
OpMetrics opMetrics(const Op& op);

} // namespace ioscope
