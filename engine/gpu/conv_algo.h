#pragma once
// Choosing a convolution algorithm by measurement. cuDNN's own search (FindEx) times each
// algorithm once, eagerly; for the small batch-1 convolutions of these networks its ranking is
// noisy and counts launch overhead a CUDA graph does not pay, and a different pick changed the
// whole network's latency by up to 45% between runs. So the candidates it ranks near the top
// (cuDNN's heuristic ranking for grouped convolutions, where FindEx takes seconds) are re-timed
// as the runtime runs them: several calls captured in a CUDA graph, the median replay decides.
#include "gpu/device.h"

namespace ioscope::gpu {

struct ConvProblem {
    cudnnTensorDescriptor_t x = nullptr;
    const float* xData = nullptr;
    cudnnFilterDescriptor_t w = nullptr;
    const float* wData = nullptr;
    cudnnConvolutionDescriptor_t conv = nullptr; // its math type is changed while choosing
    cudnnTensorDescriptor_t y = nullptr;
    float* yData = nullptr; // overwritten while choosing
    bool grouped = false;
};

// The fastest algorithm allowed at `precision` that fits the workspace; throws RuntimeFailure
// when there is none.
ConvAlgoChoice chooseConvAlgo(Device& device, const ConvProblem& problem, Precision precision);

} // namespace ioscope::gpu
