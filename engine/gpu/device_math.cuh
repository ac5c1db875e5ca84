#pragma once
// Device helpers shared by the runtime's kernel files (gpu/kernels.cu, gpu/kernels_shape.cu):
// element loads and stores in fp32, fp16 or bf16 (arithmetic always in fp32), the activations of
// gpu/kernels.h's codes, and an output's element count.
#include "gpu/kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace ioscope::gpu::device {

template <typename T> __device__ __forceinline__ float load(const void* p, long long i) {
    return static_cast<const float*>(p)[i];
}
template <> __device__ __forceinline__ float load<__half>(const void* p, long long i) {
    return __half2float(static_cast<const __half*>(p)[i]);
}
template <> __device__ __forceinline__ float load<__nv_bfloat16>(const void* p, long long i) {
    return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
}
template <typename T> __device__ __forceinline__ void store(void* p, long long i, float v) {
    static_cast<float*>(p)[i] = v;
}
template <> __device__ __forceinline__ void store<__half>(void* p, long long i, float v) {
    static_cast<__half*>(p)[i] = __float2half_rn(v);
}
template <> __device__ __forceinline__ void store<__nv_bfloat16>(void* p, long long i, float v) {
    static_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16_rn(v);
}

__device__ __forceinline__ float activate(float x, int act) {
    switch (act) {
    case kActRelu:
        return x > 0.f ? x : 0.f;
    case kActSigmoid:
        return 1.f / (1.f + __expf(-x));
    case kActTanh:
        return tanhf(x);
    case kActRelu6:
        return fminf(fmaxf(x, 0.f), 6.f);
    case kActHardSigmoid:
        return fminf(fmaxf(x / 6.f + 0.5f, 0.f), 1.f);
    case kActHardSwish:
        return x * fminf(fmaxf(x / 6.f + 0.5f, 0.f), 1.f);
    case kActSilu:
        return x / (1.f + __expf(-x));
    case kActLeakyRelu:
        return x > 0.f ? x : 0.01f * x; // kLeakyReluSlope
    default:
        return x;
    }
}

__host__ __device__ __forceinline__ long long totalOf(const OutputArgs& o) {
    return (long long)o.batch * o.channels * o.height * o.width;
}

} // namespace ioscope::gpu::device
