#pragma once
// Device helpers shared by the runtime's kernel files (gpu/kernels.cu, gpu/kernels_shape.cu):
// element loads and stores in fp32, fp16 or bf16 (arithmetic always in fp32), the activations of
// gpu/kernels.h's codes, operand and output addressing, the fused epilogue, and an output's
// element count.
#include "gpu/kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <type_traits>

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

// 16-byte packs of channels (4 floats or 8 halves / bf16): the channels-last fast paths load and
// store whole packs when every operand is aligned to them.
template <typename T> struct PackOf { static constexpr int n = 16 / int(sizeof(T)); };

// Vectors of V consecutive channels, V * sizeof(T) bytes (4, 8 or 16) aligned to their size: the
// channels-last paths of channel counts with no whole 16-byte packs (NasNet's 42 and 84) use the
// narrower ones.
template <int Bytes> struct VectorWords;
template <> struct VectorWords<4> {
    using Raw = unsigned;
    static __device__ __forceinline__ void split(Raw r, unsigned* w) { w[0] = r; }
    static __device__ __forceinline__ Raw join(const unsigned* w) { return w[0]; }
};
template <> struct VectorWords<8> {
    using Raw = uint2;
    static __device__ __forceinline__ void split(Raw r, unsigned* w) { w[0] = r.x, w[1] = r.y; }
    static __device__ __forceinline__ Raw join(const unsigned* w) { return make_uint2(w[0], w[1]); }
};
template <> struct VectorWords<16> {
    using Raw = uint4;
    static __device__ __forceinline__ void split(Raw r, unsigned* w) {
        w[0] = r.x, w[1] = r.y, w[2] = r.z, w[3] = r.w;
    }
    static __device__ __forceinline__ Raw join(const unsigned* w) {
        return make_uint4(w[0], w[1], w[2], w[3]);
    }
};

template <typename T> __device__ __forceinline__ float fromBits(unsigned short b) {
    if constexpr (std::is_same_v<T, __half>)
        return __half2float(__ushort_as_half(b));
    else
        return __bfloat162float(__ushort_as_bfloat16(b));
}
template <typename T> __device__ __forceinline__ unsigned short toBits(float v) {
    if constexpr (std::is_same_v<T, __half>)
        return __half_as_ushort(__float2half_rn(v));
    else
        return __bfloat16_as_ushort(__float2bfloat16_rn(v));
}

template <typename T, int V>
__device__ __forceinline__ void loadVector(const void* base, long long off, float* v) {
    using Words = VectorWords<V* int(sizeof(T))>;
    constexpr int kWords = V * int(sizeof(T)) / 4;
    unsigned words[kWords];
    Words::split(*reinterpret_cast<const typename Words::Raw*>(static_cast<const T*>(base) + off), words);
#pragma unroll
    for (int i = 0; i < kWords; ++i) {
        if constexpr (sizeof(T) == 4) {
            v[i] = __uint_as_float(words[i]);
        } else {
            v[2 * i] = fromBits<T>((unsigned short)(words[i] & 0xFFFF));
            v[2 * i + 1] = fromBits<T>((unsigned short)(words[i] >> 16));
        }
    }
}

template <typename T, int V>
__device__ __forceinline__ void storeVector(void* base, long long off, const float* v) {
    using Words = VectorWords<V* int(sizeof(T))>;
    constexpr int kWords = V * int(sizeof(T)) / 4;
    unsigned words[kWords];
#pragma unroll
    for (int i = 0; i < kWords; ++i) {
        if constexpr (sizeof(T) == 4)
            words[i] = __float_as_uint(v[i]);
        else
            words[i] = unsigned(toBits<T>(v[2 * i])) | (unsigned(toBits<T>(v[2 * i + 1])) << 16);
    }
    *reinterpret_cast<typename Words::Raw*>(static_cast<T*>(base) + off) = Words::join(words);
}

template <typename T> __device__ __forceinline__ void loadPack(const void* base, long long off, float* v) {
    loadVector<T, PackOf<T>::n>(base, off, v);
}
template <typename T> __device__ __forceinline__ void storePack(void* base, long long off, const float* v) {
    storeVector<T, PackOf<T>::n>(base, off, v);
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

__device__ __forceinline__ float prologue(const Prologue& p, int c, float x) {
    return activate(p.bias ? x + p.bias[c] : x, p.activation);
}

__device__ __forceinline__ long long at(const Operand& o, long long n, long long c, long long p) {
    return n * o.sampleStride + c * o.channelStride + p * o.pixelStride;
}

// Element `idx` of an output, in the output's thread order.
struct Coord {
    int n, c, p;
};
__device__ __forceinline__ Coord coordOf(const OutputArgs& o, long long idx) {
    const long long pixels = (long long)o.height * o.width;
    Coord k;
    // 32-bit division where the index fits: 64-bit division is a long software routine that
    // made these index computations, not the memory traffic, the cost of an element-wise kernel.
    if (idx <= 0xffffffffll && pixels * o.channels <= 0xffffffffll) {
        const unsigned i = unsigned(idx), px = unsigned(pixels), ch = unsigned(o.channels);
        if (o.channelsFastest) {
            const unsigned rest = i / ch, n = rest / px;
            k.c = int(i - rest * ch), k.p = int(rest - n * px), k.n = int(n);
        } else {
            const unsigned rest = i / px, n = rest / ch;
            k.p = int(i - rest * px), k.c = int(rest - n * ch), k.n = int(n);
        }
        return k;
    }
    if (o.channelsFastest) {
        k.c = int(idx % o.channels);
        const long long rest = idx / o.channels;
        k.p = int(rest % pixels);
        k.n = int(rest / pixels);
    } else {
        k.p = int(idx % pixels);
        const long long rest = idx / pixels;
        k.c = int(rest % o.channels);
        k.n = int(rest / o.channels);
    }
    return k;
}

template <typename T> __device__ __forceinline__ float finish(const Epilogue& e, Coord k, float v) {
    if (e.bias) v += e.bias[k.c];
    for (int r = 0; r < e.residuals; ++r) v += load<T>(e.residual[r].ptr, at(e.residual[r], k.n, k.c, k.p));
    return activate(v, e.activation);
}

__device__ __forceinline__ long long outAt(const OutputArgs& o, Coord k) {
    return k.n * o.sampleStride + (long long)k.c * o.channelStride + (long long)k.p * o.pixelStride;
}

// Whether a tensor can be read or written in packs of `v` channels: channels-last, with every
// pack 16-byte aligned (host side, choosing a kernel).
// `bytes`: the vector's size where narrower than 16 (loadVector).
inline bool packable(const void* ptr, long long sampleStride, long long channelStride, long long pixelStride,
                     int v, int bytes = 16) {
    return channelStride == 1 && reinterpret_cast<unsigned long long>(ptr) % bytes == 0 &&
           sampleStride % v == 0 && pixelStride % v == 0;
}
inline bool packable(const Operand& o, int v, int bytes = 16) {
    return packable(o.ptr, o.sampleStride, o.channelStride, o.pixelStride, v, bytes);
}
inline bool packable(const OutputArgs& o, int v, int bytes = 16) {
    return o.channels % v == 0 && packable(o.ptr, o.sampleStride, o.channelStride, o.pixelStride, v, bytes);
}

__host__ __device__ __forceinline__ long long totalOf(const OutputArgs& o) {
    return (long long)o.batch * o.channels * o.height * o.width;
}

#define GRID_LOOP(idx, total)                                                                                \
    for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < (total);                    \
         idx += (long long)gridDim.x * blockDim.x)

template <typename T>
__device__ __forceinline__ float loadSum(const Operand* x, int inputs, long long n, long long c,
                                         long long p) {
    float v = load<T>(x[0].ptr, at(x[0], n, c, p));
    for (int i = 1; i < inputs; ++i) v += load<T>(x[i].ptr, at(x[i], n, c, p));
    return v;
}

// Channels-last fast paths: one thread per 16-byte pack of channels at one pixel.
struct PackCoord {
    int n, c, p; // c: first channel of the pack
};
template <typename T> __device__ __forceinline__ PackCoord packCoordOf(const OutputArgs& o, long long idx) {
    constexpr int V = PackOf<T>::n;
    const int groups = o.channels / V;
    const long long pixels = (long long)o.height * o.width;
    PackCoord k;
    if (idx <= 0xffffffffll && pixels * groups <= 0xffffffffll) { // 32-bit division (see coordOf)
        const unsigned i = unsigned(idx), g = unsigned(groups), px = unsigned(pixels);
        const unsigned rest = i / g, n = rest / px;
        k.c = int(i - rest * g) * V, k.p = int(rest - n * px), k.n = int(n);
        return k;
    }
    k.c = int(idx % groups) * V;
    const long long rest = idx / groups;
    k.p = int(rest % pixels);
    k.n = int(rest / pixels);
    return k;
}
__host__ __device__ __forceinline__ long long packTotalOf(const OutputArgs& o, int v) {
    return (long long)o.batch * (o.channels / v) * o.height * o.width;
}
__device__ __forceinline__ long long packAt(const Operand& o, const PackCoord& k) {
    return k.n * o.sampleStride + k.c + (long long)k.p * o.pixelStride;
}
__device__ __forceinline__ long long packOut(const OutputArgs& o, const PackCoord& k) {
    return k.n * o.sampleStride + k.c + (long long)k.p * o.pixelStride;
}

// The epilogue of V channels from k.c (any vector width loadVector takes).
template <typename T, int V>
__device__ __forceinline__ void finishVector(const Epilogue& e, const PackCoord& k, float* v) {
    if (e.bias)
        for (int i = 0; i < V; ++i) v[i] += e.bias[k.c + i];
    for (int r = 0; r < e.residuals; ++r) {
        float add[V];
        loadVector<T, V>(e.residual[r].ptr, packAt(e.residual[r], k), add);
        for (int i = 0; i < V; ++i) v[i] += add[i];
    }
    for (int i = 0; i < V; ++i) v[i] = activate(v[i], e.activation);
}
template <typename T>
__device__ __forceinline__ void finishPack(const Epilogue& e, const PackCoord& k, float* v) {
    finishVector<T, PackOf<T>::n>(e, k, v);
}

inline unsigned blocksFor(long long total) {
    const long long blocks = (total + 255) / 256;
    return static_cast<unsigned>(blocks < 65535 * 4 ? (blocks > 0 ? blocks : 1) : 65535 * 4);
}

// Runs `launch` with the element type of `type` as its template argument.
template <typename F> void byType(DataType type, F&& launch) {
    switch (type) {
    case DataType::F16:
        launch(__half{});
        break;
    case DataType::BF16:
        launch(__nv_bfloat16{});
        break;
    default:
        launch(float{});
        break;
    }
}

// Whether a tensor can be read or written in packs of `v` channels: channels-last, with every
// pack 16-byte aligned.
inline bool packable(const Epilogue& e, int v, int bytes = 16) {
    for (int r = 0; r < e.residuals; ++r)
        if (!packable(e.residual[r], v, bytes)) return false;
    return true;
}

inline int packWidth(DataType t) {
    return 16 / elementBytes(t);
}

// The current device's multiprocessor count (read once: the runtime uses one device).
inline int multiprocessors() {
    static const int count = [] {
        int device = 0, sms = 0;
        if (cudaGetDevice(&device) != cudaSuccess ||
            cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess)
            return 132;
        return sms;
    }();
    return count;
}

} // namespace ioscope::gpu::device
