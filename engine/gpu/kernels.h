#pragma once
// The few element-wise CUDA kernels the runtime needs beside cuDNN and cuBLAS: one fused
// "combine inputs, scale/shift per channel, activate" kernel covers concat-slice copies, sums,
// products, bias + activation after a convolution, ScaleShift, Flatten and activations.
#include <cuda_runtime.h>

namespace ioscope::gpu {

inline constexpr int kMaxEwInputs = 16;

// Every tensor is a per-sample contiguous view: element i of sample n lives at
// ptr[n * stride + i] (a channel slice of a concat buffer is contiguous within a sample).
struct ElementwiseArgs {
    const float* in[kMaxEwInputs] = {};
    long long inStride[kMaxEwInputs] = {};
    int inputs = 0;
    bool product = false;         // multiply the inputs instead of summing them
    const float* scale = nullptr; // per channel, optional
    const float* shift = nullptr; // per channel (bias or shift), optional
    int activation = 0;           // 0 none, 1 relu, 2 sigmoid, 3 tanh, 4 relu6
    float* out = nullptr;
    long long outStride = 0;
    long long perSample = 0; // c * h * w
    int planeSize = 1;       // h * w: channel of element i is i / planeSize
    int batch = 1;
};

void launchElementwise(const ElementwiseArgs& args, cudaStream_t stream);

// Deterministic values in [-1, 1) from (seed, index): filler for buffers whose content is not
// checked (stage profiling).
void launchPatternFill(float* data, long long count, unsigned seed, cudaStream_t stream);

// Reads `count` floats (a buffer larger than the L2 cache), evicting what the cache held:
// profiled stages then read their weights from memory, as they do in a whole run.
void launchCacheFlush(const float* data, long long count, float* sink, cudaStream_t stream);

} // namespace ioscope::gpu
