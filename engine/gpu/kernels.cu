#include "gpu/kernels.h"

namespace ioscope::gpu {
namespace {

__device__ float activate(float x, int act) {
    switch (act) {
    case 1:
        return x > 0.f ? x : 0.f;
    case 2:
        return 1.f / (1.f + expf(-x));
    case 3:
        return tanhf(x);
    case 4:
        return fminf(fmaxf(x, 0.f), 6.f);
    default:
        return x;
    }
}

__global__ void elementwiseKernel(ElementwiseArgs a) {
    const long long total = a.perSample * a.batch;
    for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
         idx += (long long)gridDim.x * blockDim.x) {
        const long long n = idx / a.perSample, i = idx - n * a.perSample;
        float v = a.in[0][n * a.inStride[0] + i];
        for (int k = 1; k < a.inputs; ++k) {
            const float x = a.in[k][n * a.inStride[k] + i];
            v = a.product ? v * x : v + x;
        }
        const int c = static_cast<int>(i / a.planeSize);
        if (a.scale) v *= a.scale[c];
        if (a.shift) v += a.shift[c];
        a.out[n * a.outStride + i] = activate(v, a.activation);
    }
}

__global__ void patternFillKernel(float* data, long long count, unsigned seed) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count;
         i += (long long)gridDim.x * blockDim.x) {
        unsigned h = static_cast<unsigned>(i) * 2654435761u ^ seed;
        h ^= h >> 15;
        h *= 2246822519u;
        h ^= h >> 13;
        data[i] = static_cast<float>(h & 0xFFFFFF) / 8388608.0f - 1.0f;
    }
}

__global__ void cacheFlushKernel(const float4* data, long long count, float* sink) {
    float sum = 0;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count;
         i += (long long)gridDim.x * blockDim.x) {
        const float4 v = data[i];
        sum += v.x + v.y + v.z + v.w;
    }
    if (sum == 1.2345e-38f) *sink = sum; // practically never; keeps the loads
}

unsigned blocksFor(long long total) {
    const long long blocks = (total + 255) / 256;
    return static_cast<unsigned>(blocks < 65535 ? (blocks > 0 ? blocks : 1) : 65535);
}

} // namespace

void launchElementwise(const ElementwiseArgs& args, cudaStream_t stream) {
    elementwiseKernel<<<blocksFor(args.perSample * args.batch), 256, 0, stream>>>(args);
}

void launchCacheFlush(const float* data, long long count, float* sink, cudaStream_t stream) {
    cacheFlushKernel<<<blocksFor(count / 4), 256, 0, stream>>>(reinterpret_cast<const float4*>(data),
                                                               count / 4, sink);
}

void launchPatternFill(float* data, long long count, unsigned seed, cudaStream_t stream) {
    patternFillKernel<<<blocksFor(count), 256, 0, stream>>>(data, count, seed);
}

} // namespace ioscope::gpu
