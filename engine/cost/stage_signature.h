#pragma once
// Canonical text of a stage for caching its latency: the strategy, the run configuration and
// each op by kind, parameters and shapes (never by name), groups in a canonical order. Two
// stages with equal signatures cost the same wherever they occur in whatever network.
#include "cost/cost_model.h"

#include <string>

namespace ioscope {

// One op: "conv(k3x3,s1x1,p1x1,d1x1,g1,oc64,relu,bias;in64x35x35<-[64x35x35];out64x35x35)".
std::string opSignature(const Graph& g, OpId id);

// "concurrent|b1|fp32|{op>op}{op}" with groups sorted; a merge stage sorts its ops.
std::string stageSignature(const Graph& g, const Stage& stage, const RunConfig& run);

} // namespace ioscope
