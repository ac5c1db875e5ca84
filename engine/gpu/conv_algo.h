#pragma once
// Choosing a convolution algorithm by measurement. cuDNN's own search (FindEx) times each
// algorithm once, eagerly; for the small batch-1 convolutions of these networks its ranking is
// noisy and counts launch overhead a CUDA graph does not pay, and a different pick changed the
// whole network's latency by up to 45% between runs. So the candidates it ranks near the top
// (cuDNN's heuristic ranking for grouped convolutions, where FindEx takes seconds) are re-timed
// as the runtime runs them: several calls captured in a CUDA graph, the median replay decides.
#include "gpu/device.h"

#include <functional>
#include <optional>

namespace ioscope::gpu {

struct ConvProblem {
    cudnnTensorDescriptor_t x = nullptr;
    const void* xData = nullptr;
    cudnnFilterDescriptor_t w = nullptr;
    const void* wData = nullptr;
    cudnnConvolutionDescriptor_t conv = nullptr; // its math type is changed while choosing
    cudnnTensorDescriptor_t y = nullptr;
    void* yData = nullptr; // overwritten while choosing
    bool grouped = false;
};

// The call the runtime will make with one choice (plain or fused with bias, residual and
// activation), on a slot's stream; returns cuDNN's status.
using ConvCall = std::function<cudnnStatus_t(const ConvAlgoChoice&, Slot&)>;

// The fastest algorithm allowed at `precision` that fits the workspace and that `call` runs
// (timed as `call` runs it); nullopt when cuDNN has none for this problem. `precompOnly`: the
// call is fused with an identity activation, which cuDNN runs with IMPLICIT_PRECOMP_GEMM only.
std::optional<ConvAlgoChoice> chooseConvAlgo(Device& device, const ConvProblem& problem, Precision precision,
                                             const ConvCall& call, bool precompOnly);

// Milliseconds per call of `call` as a CUDA graph replays it (several calls per graph, the median
// of a few replays), on slot 0; negative when it fails or cannot be captured.
double timeCapturedCalls(Device& device, const std::function<bool(Slot&)>& call);

} // namespace ioscope::gpu
