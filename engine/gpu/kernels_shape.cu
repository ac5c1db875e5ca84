#include "gpu/kernels_shape.h"

#include "gpu/device_math.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>

namespace ioscope::gpu {
namespace {

using namespace device; // the shared helpers of gpu/device_math.cuh

// Output element `idx` as (n, c, y, x), channel-fastest for channels-last outputs (coalesced); coordOf
// divides in 32 bits where the index fits (64-bit division made these kernels compute-bound).
struct Pos {
    int n, c, y, x;
};
__device__ __forceinline__ Pos posOf(const OutputArgs& o, long long idx) {
    const Coord k = coordOf(o, idx);
    const int y = k.p / o.width;
    return Pos{k.n, k.c, y, k.p - y * o.width};
}
__device__ __forceinline__ long long outAt(const OutputArgs& o, const Pos& p) {
    return p.n * o.sampleStride + p.c * o.channelStride + ((long long)p.y * o.width + p.x) * o.pixelStride;
}
__device__ __forceinline__ long long inAt(const Operand& x, int w, int n, int c, int y, int xx) {
    return n * x.sampleStride + c * x.channelStride + ((long long)y * w + xx) * x.pixelStride;
}

// The same formulas as exec/cpu_ops_shape.cpp (resizeSource, nearestIndex).
__device__ __forceinline__ float source(int o, int in, int out, int coord) {
    const float scale = float(out) / float(in);
    switch (coord) {
    case 0: // half_pixel
        return (float(o) + 0.5f) / scale - 0.5f;
    case 1: // pytorch_half_pixel
        return out > 1 ? (float(o) + 0.5f) / scale - 0.5f : 0.f;
    case 2: // asymmetric
        return float(o) / scale;
    default: // align_corners
        return out > 1 ? float(o) * float(in - 1) / float(out - 1) : 0.f;
    }
}
__device__ __forceinline__ int nearest(float s, int in, int round) {
    float r;
    switch (round) {
    case 0: // round_prefer_floor
        r = ceilf(s - 0.5f);
        break;
    case 1: // round_prefer_ceil
        r = floorf(s + 0.5f);
        break;
    case 2:
        r = floorf(s);
        break;
    default:
        r = ceilf(s);
        break;
    }
    return min(max(int(r), 0), in - 1);
}
__device__ __forceinline__ int reflectIndex(int i, int size) {
    if (size == 1) return 0;
    const int period = 2 * (size - 1);
    i = ((i % period) + period) % period;
    return i < size ? i : period - i;
}

template <typename T> __global__ void gatherKernel(GatherArgs a, long long total) {
    const long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (idx >= total) return;
    const Pos p = posOf(a.out, idx);
    float v = 0.f;
    switch (a.code) {
    case kGatherSlice:
        v = load<T>(a.x.ptr, inAt(a.x, a.inW, p.n, a.c0 + p.c, a.h0 + p.y * a.sh, a.w0 + p.x * a.sw));
        break;
    case kGatherPad: {
        int y = p.y - a.top, x = p.x - a.left;
        if (a.reflect) {
            y = reflectIndex(y, a.inH), x = reflectIndex(x, a.inW);
        } else if (y < 0 || y >= a.inH || x < 0 || x >= a.inW) {
            v = a.value;
            break;
        }
        v = load<T>(a.x.ptr, inAt(a.x, a.inW, p.n, p.c, y, x));
        break;
    }
    case kGatherResize: {
        const float sy = source(p.y, a.inH, a.out.height, a.coord),
                    sx = source(p.x, a.inW, a.out.width, a.coord);
        if (!a.linear) {
            v = load<T>(a.x.ptr,
                        inAt(a.x, a.inW, p.n, p.c, nearest(sy, a.inH, a.round), nearest(sx, a.inW, a.round)));
            break;
        }
        const float cy = fminf(fmaxf(sy, 0.f), float(a.inH - 1)),
                    cx = fminf(fmaxf(sx, 0.f), float(a.inW - 1));
        const int y0 = int(cy), x0 = int(cx), y1 = min(y0 + 1, a.inH - 1), x1 = min(x0 + 1, a.inW - 1);
        const float fy = cy - float(y0), fx = cx - float(x0);
        const float top = load<T>(a.x.ptr, inAt(a.x, a.inW, p.n, p.c, y0, x0)) * (1 - fx) +
                          load<T>(a.x.ptr, inAt(a.x, a.inW, p.n, p.c, y0, x1)) * fx;
        const float bottom = load<T>(a.x.ptr, inAt(a.x, a.inW, p.n, p.c, y1, x0)) * (1 - fx) +
                             load<T>(a.x.ptr, inAt(a.x, a.inW, p.n, p.c, y1, x1)) * fx;
        v = top * (1 - fy) + bottom * fy;
        break;
    }
    default: { // shuffle: output channel k*groups + g reads input channel g*per + k
        const int per = a.inC / a.groups;
        const int g = p.c % a.groups, k = p.c / a.groups;
        v = load<T>(a.x.ptr, inAt(a.x, a.inW, p.n, g * per + k, p.y, p.x));
        break;
    }
    }
    store<T>(a.out.ptr, outAt(a.out, p), v);
}

// Channels-last fast path of slice, pad and resize, which move whole pixels and never a channel: one
// thread per 16-byte pack of channels, its source pixel worked out once per pack.
template <typename T> __global__ void gatherPackKernel(GatherArgs a, long long packs) {
    constexpr int V = PackOf<T>::n;
    GRID_LOOP(idx, packs) {
        const PackCoord k = packCoordOf<T>(a.out, idx);
        const int y = k.p / a.out.width, x = k.p - y * a.out.width;
        float v[V];
        switch (a.code) {
        case kGatherSlice:
            loadPack<T>(a.x.ptr, inAt(a.x, a.inW, k.n, a.c0 + k.c, a.h0 + y * a.sh, a.w0 + x * a.sw), v);
            break;
        case kGatherPad: {
            int sy = y - a.top, sx = x - a.left;
            if (a.reflect) {
                sy = reflectIndex(sy, a.inH), sx = reflectIndex(sx, a.inW);
            } else if (sy < 0 || sy >= a.inH || sx < 0 || sx >= a.inW) {
                for (int j = 0; j < V; ++j) v[j] = a.value;
                break;
            }
            loadPack<T>(a.x.ptr, inAt(a.x, a.inW, k.n, k.c, sy, sx), v);
            break;
        }
        default: { // resize
            const float sy = source(y, a.inH, a.out.height, a.coord),
                        sx = source(x, a.inW, a.out.width, a.coord);
            if (!a.linear) {
                loadPack<T>(
                    a.x.ptr,
                    inAt(a.x, a.inW, k.n, k.c, nearest(sy, a.inH, a.round), nearest(sx, a.inW, a.round)), v);
                break;
            }
            const float cy = fminf(fmaxf(sy, 0.f), float(a.inH - 1)),
                        cx = fminf(fmaxf(sx, 0.f), float(a.inW - 1));
            const int y0 = int(cy), x0 = int(cx), y1 = min(y0 + 1, a.inH - 1), x1 = min(x0 + 1, a.inW - 1);
            const float fy = cy - float(y0), fx = cx - float(x0);
            float v01[V], v10[V], v11[V];
            loadPack<T>(a.x.ptr, inAt(a.x, a.inW, k.n, k.c, y0, x0), v);
            loadPack<T>(a.x.ptr, inAt(a.x, a.inW, k.n, k.c, y0, x1), v01);
            loadPack<T>(a.x.ptr, inAt(a.x, a.inW, k.n, k.c, y1, x0), v10);
            loadPack<T>(a.x.ptr, inAt(a.x, a.inW, k.n, k.c, y1, x1), v11);
            for (int j = 0; j < V; ++j) {
                const float top = v[j] * (1 - fx) + v01[j] * fx, bottom = v10[j] * (1 - fx) + v11[j] * fx;
                v[j] = top * (1 - fy) + bottom * fy;
            }
            break;
        }
        }
        storePack<T>(a.out.ptr, packOut(a.out, k), v);
    }
}

template <typename T> __global__ void binaryKernel(BinaryArgs a, long long total) {
    const long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (idx >= total) return;
    const Pos p = posOf(a.out, idx);
    const float u =
        load<T>(a.a.ptr, inAt(a.a, a.aW, p.n, a.aC == 1 ? 0 : p.c, a.aH == 1 ? 0 : p.y, a.aW == 1 ? 0 : p.x));
    const float w =
        load<T>(a.b.ptr, inAt(a.b, a.bW, p.n, a.bC == 1 ? 0 : p.c, a.bH == 1 ? 0 : p.y, a.bW == 1 ? 0 : p.x));
    float v;
    switch (a.fn) {
    case kBinarySub:
        v = u - w;
        break;
    case kBinaryMul:
        v = u * w;
        break;
    case kBinaryDiv:
        v = u / w;
        break;
    default:
        v = u + w;
        break;
    }
    store<T>(a.out.ptr, outAt(a.out, p), activate(v, a.activation));
}

// Channels-last fast path of Binary where each operand is either the output's full shape or one
// value per (sample, channel), as a squeeze-excite gate: one thread per 16-byte pack of channels, the
// full operands read as packs, the gate's values once per pack.
template <typename T>
__device__ __forceinline__ void operandPack(const Operand& o, bool full, int n, int c, long long p,
                                            float* v) {
    constexpr int V = PackOf<T>::n;
    if (full) {
        loadPack<T>(o.ptr, n * o.sampleStride + c + p * o.pixelStride, v);
        return;
    }
    for (int j = 0; j < V; ++j)
        v[j] = load<T>(o.ptr, n * o.sampleStride + (long long)(c + j) * o.channelStride);
}

template <typename T>
__global__ void binaryPackKernel(BinaryArgs a, bool aFull, bool bFull, long long total) {
    constexpr int V = PackOf<T>::n;
    const int groups = a.out.channels / V;
    const long long pixels = (long long)a.out.height * a.out.width;
    for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
         idx += (long long)gridDim.x * blockDim.x) {
        const int c = int(idx % groups) * V;
        const long long rest = idx / groups, p = rest % pixels;
        const int n = int(rest / pixels);
        float u[V], w[V];
        operandPack<T>(a.a, aFull, n, c, p, u);
        operandPack<T>(a.b, bFull, n, c, p, w);
        for (int j = 0; j < V; ++j) {
            const float v = a.fn == kBinaryMul   ? u[j] * w[j]
                            : a.fn == kBinaryDiv ? u[j] / w[j]
                            : a.fn == kBinarySub ? u[j] - w[j]
                                                 : u[j] + w[j];
            u[j] = activate(v, a.activation);
        }
        storePack<T>(a.out.ptr, n * a.out.sampleStride + c + p * a.out.pixelStride, u);
    }
}

// Whether an operand of Binary suits the pack path: 1 full (packable), 0 one value per channel, -1 neither.
int packOperand(const Operand& o, int c, int h, int w, const OutputArgs& out, int v) {
    if (c == out.channels && h == out.height && w == out.width) return packable(o, v) ? 1 : -1;
    return c == out.channels && h == 1 && w == 1 ? 0 : -1;
}

constexpr int kThreads = 256;

} // namespace

void launchGather(const GatherArgs& args, cudaStream_t stream) {
    const long long total = totalOf(args.out);
    if (total == 0) return;
    const int v = packWidth(args.out.type);
    // Packs where the source's packs line up with the output's: a slice starting mid-pack, or a
    // channel shuffle (which moves channels), takes the element kernel.
    if (args.code != kGatherShuffle && packable(args.out, v) && packable(args.x, v) &&
        (args.code != kGatherSlice || args.c0 % v == 0)) {
        const long long packs = packTotalOf(args.out, v);
        switch (args.out.type) {
        case DataType::F16:
            gatherPackKernel<__half><<<blocksFor(packs), kThreads, 0, stream>>>(args, packs);
            break;
        case DataType::BF16:
            gatherPackKernel<__nv_bfloat16><<<blocksFor(packs), kThreads, 0, stream>>>(args, packs);
            break;
        default:
            gatherPackKernel<float><<<blocksFor(packs), kThreads, 0, stream>>>(args, packs);
            break;
        }
        return;
    }
    const unsigned blocks = unsigned((total + kThreads - 1) / kThreads);
    switch (args.out.type) {
    case DataType::F16:
        gatherKernel<__half><<<blocks, kThreads, 0, stream>>>(args, total);
        break;
    case DataType::BF16:
        gatherKernel<__nv_bfloat16><<<blocks, kThreads, 0, stream>>>(args, total);
        break;
    default:
        gatherKernel<float><<<blocks, kThreads, 0, stream>>>(args, total);
        break;
    }
}

void launchBinary(const BinaryArgs& args, cudaStream_t stream) {
    const long long total = totalOf(args.out);
    if (total == 0) return;
    const int v = 16 / elementBytes(args.out.type);
    const int aPack = packOperand(args.a, args.aC, args.aH, args.aW, args.out, v),
              bPack = packOperand(args.b, args.bC, args.bH, args.bW, args.out, v);
    if (packable(args.out, v) && aPack >= 0 && bPack >= 0) {
        const long long packs = total / v;
        const unsigned blocks = unsigned(std::min<long long>((packs + kThreads - 1) / kThreads, 65535LL * 4));
        switch (args.out.type) {
        case DataType::F16:
            binaryPackKernel<__half><<<blocks, kThreads, 0, stream>>>(args, aPack == 1, bPack == 1, packs);
            break;
        case DataType::BF16:
            binaryPackKernel<__nv_bfloat16>
                <<<blocks, kThreads, 0, stream>>>(args, aPack == 1, bPack == 1, packs);
            break;
        default:
            binaryPackKernel<float><<<blocks, kThreads, 0, stream>>>(args, aPack == 1, bPack == 1, packs);
            break;
        }
        return;
    }
    const unsigned blocks = unsigned((total + kThreads - 1) / kThreads);
    switch (args.out.type) {
    case DataType::F16:
        binaryKernel<__half><<<blocks, kThreads, 0, stream>>>(args, total);
        break;
    case DataType::BF16:
        binaryKernel<__nv_bfloat16><<<blocks, kThreads, 0, stream>>>(args, total);
        break;
    default:
        binaryKernel<float><<<blocks, kThreads, 0, stream>>>(args, total);
        break;
    }
}

} // namespace ioscope::gpu
