#pragma once
// Canonical text of a stage for caching its latency: the strategy, the run configuration and
// each op by kind, parameters and shapes (never by name), groups in a canonical order. Two
// stages with equal signatures cost the same wherever they occur in whatever network.
#include "cost/cost_model.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ioscope {

// One op: "conv(k3x3,s1x1,p1x1,d1x1,g1,oc64,relu,bias;in64x35x35<-[64x35x35];out64x35x35)".
std::string opSignature(const Graph& g, OpId id);

// "concurrent|b1|fp32|{op>op}{op}" with groups sorted; a merge stage sorts its ops.
std::string stageSignature(const Graph& g, const Stage& stage, const RunConfig& run);

// stageSignature for the live search's hot path, which asks for millions: each op's text is made
// once per graph revision (Graph::revision) and a stage's signature is assembled from them. The
// same text as stageSignature. Safe to call from several threads.
class StageSignatures {
  public:
    std::string of(const Graph& g, const Stage& stage, const RunConfig& run);

  private:
    using OpTexts = std::vector<std::string>;
    std::shared_ptr<const OpTexts> textsOf(const Graph& g);

    std::mutex mutex_;
    std::uint64_t revision_ = 0; // Graph::revision never gives 0
    std::shared_ptr<const OpTexts> texts_;
};

} // namespace ioscope
