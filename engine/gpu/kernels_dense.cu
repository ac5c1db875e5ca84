#include "gpu/device_math.cuh"
#include "gpu/kernels.h"

namespace ioscope::gpu {
namespace {

using namespace device; // the shared helpers of gpu/device_math.cuh

constexpr int kBlock = 256;

// `lanes` threads per (output channel, sample) split the input channels, so that a layer with few
// outputs and many inputs (a squeeze-excite reduction, 1152 -> 48) still has thousands of loads in
// flight: its weights come from memory, not the cache, in a real run. `Packs`: weights and input
// read as 16-byte packs (rows and the input channel-contiguous and aligned). Partial sums meet
// through warp shuffles, then shared memory across the group's warps.
template <typename T, bool Packs> __global__ void denseKernel(DenseArgs a, int lanes) {
    __shared__ float partial[kBlock / 32];
    const int groups = kBlock / lanes, group = int(threadIdx.x) / lanes, t = int(threadIdx.x) % lanes;
    const long long item = (long long)blockIdx.x * groups + group;
    const int o = int(item % a.out.channels), n = int(item / a.out.channels);
    const bool live = n < a.out.batch;
    const long long row = (long long)o * a.inChannels;
    float v = 0.f;
    if (live) {
        if constexpr (Packs) {
            constexpr int V = PackOf<T>::n;
            const long long xBase = (long long)n * a.x.sampleStride;
            for (int i = t * V; i < a.inChannels; i += lanes * V) {
                float w[V], x[V];
                loadPack<T>(a.weights, row + i, w);
                loadPack<T>(a.x.ptr, xBase + i, x);
                for (int j = 0; j < V; ++j) v += w[j] * x[j];
            }
        } else {
            for (int i = t; i < a.inChannels; i += lanes)
                v += load<T>(a.weights, row + i) * load<T>(a.x.ptr, at(a.x, n, i, 0));
        }
    }
    for (int off = 16; off > 0; off /= 2) v += __shfl_down_sync(0xffffffffu, v, off);
    if (lanes > 32) { // the group's warps meet in shared memory
        if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;
        __syncthreads();
        if (t != 0) return;
        const int first = int(threadIdx.x) / 32;
        for (int w = 1; w < lanes / 32; ++w) v += partial[first + w];
    }
    if (t == 0 && live) {
        const Coord k{n, o, 0};
        store<T>(a.out.ptr, outAt(a.out, k), finish<T>(a.epi, k, v));
    }
}

template <typename T> void launchTyped(const DenseArgs& a, cudaStream_t stream) {
    constexpr int V = PackOf<T>::n;
    const bool packs = a.inChannels % V == 0 && a.x.channelStride == 1 && a.x.sampleStride % V == 0 &&
                       reinterpret_cast<unsigned long long>(a.x.ptr) % 16 == 0 &&
                       reinterpret_cast<unsigned long long>(a.weights) % 16 == 0;
    // About two packs (or eight elements) per thread, 32 to 256 threads per output.
    const int perThread = packs ? 2 * V : 8;
    int lanes = 32;
    while (lanes < kBlock && lanes * perThread < a.inChannels) lanes *= 2;
    const long long items = (long long)a.out.channels * a.out.batch;
    const int groups = kBlock / lanes;
    const unsigned blocks = unsigned((items + groups - 1) / groups);
    if (packs)
        denseKernel<T, true><<<blocks, kBlock, 0, stream>>>(a, lanes);
    else
        denseKernel<T, false><<<blocks, kBlock, 0, stream>>>(a, lanes);
}

} // namespace

void launchDense(const DenseArgs& a, cudaStream_t stream) {
    switch (a.out.type) {
    case DataType::F16:
        launchTyped<__half>(a, stream);
        break;
    case DataType::BF16:
        launchTyped<__nv_bfloat16>(a, stream);
        break;
    default:
        launchTyped<float>(a, stream);
        break;
    }
}

} // namespace ioscope::gpu
