#pragma once
// Shape inference and parameter validation of one op, given its producers' output shapes.
#include "graph/op.h"

#include <string>
#include <vector>

namespace ioscope {

// Sets op.in and op.out (and those of a Sequential body). Throws InputError with a message
// naming the op when parameters are impossible or input shapes do not fit.
void inferShape(Op& op, const std::vector<Shape>& inputShapes, const std::string& source);

// Upper bounds that reject absurd sizes before anything is allocated.
inline constexpr int kMaxDim = 1 << 16;              // channels, height, width
inline constexpr long long kMaxElements = 1LL << 31; // per-sample tensor elements

} // namespace ioscope
