// Depthwise convolutions (gpu/kernels.h): a generic kernel for any layout, a channels-last pack
// kernel for any window, and a row kernel for the square windows of mobile networks.
#include "gpu/device_math.cuh"
#include "gpu/kernels.h"

namespace ioscope::gpu {
namespace {

using namespace device; // the shared helpers of gpu/device_math.cuh

template <typename T> __global__ void depthwiseKernel(DepthwiseArgs a) {
    const WindowArgs& w = a.win;
    GRID_LOOP(idx, totalOf(a.out)) {
        const Coord k = coordOf(a.out, idx);
        const int oy = k.p / a.out.width, ox = k.p - oy * a.out.width;
        float acc = 0.f;
        for (int ky = 0; ky < w.kh; ++ky) {
            const int iy = oy * w.sh - w.ph + ky * w.dh;
            if (iy < 0 || iy >= a.inH) continue;
            for (int kx = 0; kx < w.kw; ++kx) {
                const int ix = ox * w.sw - w.pw + kx * w.dw;
                if (ix < 0 || ix >= a.inW) continue;
                float x = loadSum<T>(a.x, a.inputs, k.n, k.c, (long long)iy * a.inW + ix);
                if (a.pre.activation != kActNone || a.pre.bias) x = prologue(a.pre, int(k.c), x);
                acc += x * a.weights[(ky * w.kw + kx) * a.out.channels + k.c];
            }
        }
        store<T>(a.out.ptr, outAt(a.out, k), finish<T>(a.epi, k, acc));
    }
}

template <typename T> __global__ void depthwisePackKernel(DepthwiseArgs a) {
    constexpr int V = PackOf<T>::n;
    const WindowArgs& w = a.win;
    GRID_LOOP(idx, packTotalOf(a.out, V)) {
        const PackCoord k = packCoordOf<T>(a.out, idx);
        const int oy = k.p / a.out.width, ox = k.p - oy * a.out.width;
        float acc[V] = {};
        for (int ky = 0; ky < w.kh; ++ky) {
            const int iy = oy * w.sh - w.ph + ky * w.dh;
            if (iy < 0 || iy >= a.inH) continue;
            for (int kx = 0; kx < w.kw; ++kx) {
                const int ix = ox * w.sw - w.pw + kx * w.dw;
                if (ix < 0 || ix >= a.inW) continue;
                PackCoord at = k;
                at.p = iy * a.inW + ix;
                float x[V], more[V];
                loadPack<T>(a.x[0].ptr, packAt(a.x[0], at), x);
                for (int i = 1; i < a.inputs; ++i) {
                    loadPack<T>(a.x[i].ptr, packAt(a.x[i], at), more);
                    for (int j = 0; j < V; ++j) x[j] += more[j];
                }
                const float* wt = a.weights + (ky * w.kw + kx) * a.out.channels + k.c;
                if (a.pre.activation != kActNone || a.pre.bias)
                    for (int j = 0; j < V; ++j) x[j] = prologue(a.pre, int(k.c) + j, x[j]);
                for (int j = 0; j < V; ++j) acc[j] += x[j] * wt[j];
            }
        }
        finishPack<T>(a.epi, k, acc);
        storePack<T>(a.out.ptr, packOut(a.out, k), acc);
    }
}

// Channels-last rows with a square K x K window (3, 5, 7, 9), dilation 1, one input: a block row per
// (sample, output row), one thread per (output column, V channels), 32-bit index math and the taps
// unrolled at compile time. V is a 16-byte pack (weights read as 16-byte vectors), a narrower
// 4- or 8-byte vector where the channel count or the alignment allows no whole packs (NasNet's 42
// and 84 channels), or one channel (the generic kernel's 64-bit index division took twice as
// long). The generic pack kernel spent most of its time on 64-bit index division and per-tap
// bounds logic. (Loading every tap from a clamped
// pixel, the padding zeroed after the prologue, measured 7 % faster in fp32 and 3-14 % slower in
// fp16 on nasnetalarge: not taken.)
// The prologue's activation fixed at compile time: a code switch per tap made the kernel 3x slower.
// kPreRuntime takes a.pre.activation's code at run time (the rarer activations).
constexpr int kPreRuntime = -1;
// The V weights of one window tap for channels c..c+V-1 (laid out tap-major, channels fastest).
template <int V>
__device__ __forceinline__ void loadTapWeights(const DepthwiseArgs& a, int tap, int c, float* wt) {
    if constexpr (V == 1) {
        wt[0] = a.weights[tap * a.out.channels + c];
    } else if constexpr (V == 2) {
        const float2 f = *reinterpret_cast<const float2*>(a.weights + tap * a.out.channels + c);
        wt[0] = f.x, wt[1] = f.y;
    } else {
        const float4* w4 = reinterpret_cast<const float4*>(a.weights + tap * a.out.channels + c);
#pragma unroll
        for (int q = 0; q < V / 4; ++q) {
            const float4 f = w4[q];
            wt[4 * q] = f.x, wt[4 * q + 1] = f.y, wt[4 * q + 2] = f.z, wt[4 * q + 3] = f.w;
        }
    }
}

template <typename T, int V> __device__ __forceinline__ void loadChannels(const T* p, float* v) {
    if constexpr (V == 1)
        v[0] = load<T>(p, 0);
    else
        loadVector<T, V>(p, 0, v);
}

template <int PRE> __device__ __forceinline__ float preActivate(float x, int code) {
    if constexpr (PRE == kActNone)
        return x;
    else if constexpr (PRE == kActSilu)
        return x * __frcp_rn(1.f + __expf(-x));
    else if constexpr (PRE == kActHardSwish)
        return x * fminf(fmaxf(x * (1.f / 6.f) + 0.5f, 0.f), 1.f);
    else if constexpr (PRE == kActRelu6)
        return fminf(fmaxf(x, 0.f), 6.f);
    else if constexpr (PRE == kActRelu)
        return fmaxf(x, 0.f);
    else
        return activate(x, code);
}

// TW: the tap weights read from a.typedWeights (T, whole packs) instead of a.weights (fp32).
template <typename T, int V, int K, int PRE, bool TW = false>
__global__ void depthwiseRowKernel(DepthwiseArgs a) {
    const int groups = a.out.channels / V;
    const int j = int(blockIdx.x) * int(blockDim.x) + int(threadIdx.x);
    if (j >= a.out.width * groups) return;
    const int row = int(blockIdx.y), n = row / a.out.height, oy = row - n * a.out.height;
    const int ox = j / groups, c = (j - ox * groups) * V;
    const WindowArgs& w = a.win;
    const int iy0 = oy * w.sh - w.ph, ix0 = ox * w.sw - w.pw;
    const Operand& x = a.x[0];
    const T* base = static_cast<const T*>(x.ptr) + (long long)n * x.sampleStride + c;
    float acc[V] = {}, preBias[V] = {};
    if (PRE != kActNone && a.pre.bias)
        for (int i = 0; i < V; ++i) preBias[i] = a.pre.bias[c + i];
#pragma unroll
    for (int ky = 0; ky < K; ++ky) {
        const int iy = iy0 + ky;
        if (iy < 0 || iy >= a.inH) continue;
#pragma unroll
        for (int kx = 0; kx < K; ++kx) {
            const int ix = ix0 + kx;
            if (ix < 0 || ix >= a.inW) continue;
            float v[V], wt[V];
            loadChannels<T, V>(base + (long long)(iy * a.inW + ix) * x.pixelStride, v);
            if constexpr (TW)
                loadVector<T, V>(a.typedWeights, (long long)(ky * K + kx) * a.out.channels + c, wt);
            else
                loadTapWeights<V>(a, ky * K + kx, c, wt);
#pragma unroll
            for (int i = 0; i < V; ++i) {
                if constexpr (PRE != kActNone) v[i] = preActivate<PRE>(v[i] + preBias[i], a.pre.activation);
                acc[i] += v[i] * wt[i];
            }
        }
    }
    const int p = oy * a.out.width + ox;
    if constexpr (V == 1) {
        const Coord k{n, c, p};
        store<T>(a.out.ptr, outAt(a.out, k), finish<T>(a.epi, k, acc[0]));
    } else {
        const PackCoord k{n, c, p};
        finishVector<T, V>(a.epi, k, acc);
        storeVector<T, V>(a.out.ptr, packOut(a.out, k), acc);
    }
}

// Launches the row kernel for V channels per thread.
template <typename T, int V> void launchRows(const DepthwiseArgs& a, cudaStream_t stream) {
    const long long rows = (long long)a.out.batch * a.out.height;
    const int perRow = a.out.width * (a.out.channels / V);
    const int threads = perRow >= 256 ? 256 : (perRow + 31) / 32 * 32;
    const dim3 grid(unsigned((perRow + threads - 1) / threads), unsigned(rows));
    auto launchWith = [&](auto preCode, auto typedWeights) {
        constexpr int P = decltype(preCode)::value;
        constexpr bool TW = decltype(typedWeights)::value;
        switch (a.win.kh) {
        case 3:
            depthwiseRowKernel<T, V, 3, P, TW><<<grid, threads, 0, stream>>>(a);
            break;
        case 5:
            depthwiseRowKernel<T, V, 5, P, TW><<<grid, threads, 0, stream>>>(a);
            break;
        case 7:
            depthwiseRowKernel<T, V, 7, P, TW><<<grid, threads, 0, stream>>>(a);
            break;
        default:
            depthwiseRowKernel<T, V, 9, P, TW><<<grid, threads, 0, stream>>>(a);
            break;
        }
    };
    auto launch = [&](auto preCode) { launchWith(preCode, std::false_type{}); };
    const int pre = a.pre.activation;
    // 16-bit weights: compiled for whole packs with nothing or a ReLU on load (NASNet's convs).
    if constexpr (!std::is_same_v<T, float> && V == PackOf<T>::n) {
        if (a.typedWeights && pre == kActNone && !a.pre.bias)
            return launchWith(std::integral_constant<int, kActNone>{}, std::true_type{});
        if (a.typedWeights && pre == kActRelu)
            return launchWith(std::integral_constant<int, kActRelu>{}, std::true_type{});
    }
    if (pre == kActNone && !a.pre.bias)
        launch(std::integral_constant<int, kActNone>{});
    else if constexpr (V == 1) // one channel per thread (rare): only these two variants are compiled
        launch(std::integral_constant<int, kPreRuntime>{});
    else if constexpr (V <
                       PackOf<T>::n) { // narrower vectors (NasNet's stems): ReLU compiled, others at run time
        if (pre == kActRelu)
            launch(std::integral_constant<int, kActRelu>{});
        else
            launch(std::integral_constant<int, kPreRuntime>{});
    } else if (pre == kActSilu)
        launch(std::integral_constant<int, kActSilu>{});
    else if (pre == kActHardSwish)
        launch(std::integral_constant<int, kActHardSwish>{});
    else if (pre == kActRelu6)
        launch(std::integral_constant<int, kActRelu6>{});
    else if (pre == kActRelu)
        launch(std::integral_constant<int, kActRelu>{});
    else
        launch(std::integral_constant<int, kPreRuntime>{});
}

// The row kernel with kColumns neighbouring output columns per thread (DepthwiseArgs::columns):
// each input pixel of a window row is loaded once for every output that reads it, and the row's
// weights once for all of them, where the row kernel loads K*K pixels and weights per output.
// Compiled for fp32 and fp16, windows 3 to 7 at stride 1 or 2, no prologue or a ReLU.
constexpr int kColumns = 4;

template <typename T, int V, int K, int S, int PRE> __global__ void depthwiseColumnsKernel(DepthwiseArgs a) {
    constexpr int X = kColumns, kSpan = (X - 1) * S + K;
    const int groups = a.out.channels / V, columnBlocks = (a.out.width + X - 1) / X;
    const int j = int(blockIdx.x) * int(blockDim.x) + int(threadIdx.x);
    if (j >= columnBlocks * groups) return;
    const int row = int(blockIdx.y), n = row / a.out.height, oy = row - n * a.out.height;
    const int xb = j / groups, c = (j - xb * groups) * V, ox0 = xb * X;
    const int iy0 = oy * S - a.win.ph, ix0 = ox0 * S - a.win.pw;
    const Operand& x = a.x[0];
    const T* base = static_cast<const T*>(x.ptr) + (long long)n * x.sampleStride + c;
    float acc[X][V] = {}, preBias[V] = {};
    if (PRE != kActNone && a.pre.bias)
        for (int i = 0; i < V; ++i) preBias[i] = a.pre.bias[c + i];
#pragma unroll
    for (int ky = 0; ky < K; ++ky) {
        const int iy = iy0 + ky;
        if (iy < 0 || iy >= a.inH) continue;
        float wt[K][V];
#pragma unroll
        for (int kx = 0; kx < K; ++kx) loadTapWeights<V>(a, ky * K + kx, c, wt[kx]);
        const T* rowBase = base + (long long)iy * a.inW * x.pixelStride;
#pragma unroll
        for (int t = 0; t < kSpan; ++t) {
            const int ix = ix0 + t;
            if (ix < 0 || ix >= a.inW) continue;
            float v[V];
            loadChannels<T, V>(rowBase + (long long)ix * x.pixelStride, v);
            if constexpr (PRE != kActNone)
#pragma unroll
                for (int i = 0; i < V; ++i) v[i] = preActivate<PRE>(v[i] + preBias[i], a.pre.activation);
#pragma unroll
            for (int o = 0; o < X; ++o) {
                const int kx = t - o * S;
                if (kx < 0 || kx >= K) continue;
#pragma unroll
                for (int i = 0; i < V; ++i) acc[o][i] += v[i] * wt[kx][i];
            }
        }
    }
#pragma unroll
    for (int o = 0; o < X; ++o) {
        if (ox0 + o >= a.out.width) break;
        const PackCoord k{n, c, oy * a.out.width + ox0 + o};
        finishVector<T, V>(a.epi, k, acc[o]);
        storeVector<T, V>(a.out.ptr, packOut(a.out, k), acc[o]);
    }
}

template <typename T, int V> void launchColumns(const DepthwiseArgs& a, cudaStream_t stream) {
    const long long rows = (long long)a.out.batch * a.out.height;
    const int perRow = (a.out.width + kColumns - 1) / kColumns * (a.out.channels / V);
    const int threads = perRow >= 256 ? 256 : (perRow + 31) / 32 * 32;
    const dim3 grid(unsigned((perRow + threads - 1) / threads), unsigned(rows));
    auto withStride = [&](auto k, auto pre) {
        constexpr int K = decltype(k)::value, P = decltype(pre)::value;
        if (a.win.sh == 1)
            depthwiseColumnsKernel<T, V, K, 1, P><<<grid, threads, 0, stream>>>(a);
        else
            depthwiseColumnsKernel<T, V, K, 2, P><<<grid, threads, 0, stream>>>(a);
    };
    auto withWindow = [&](auto pre) {
        if (a.win.kh == 3)
            withStride(std::integral_constant<int, 3>{}, pre);
        else if (a.win.kh == 5)
            withStride(std::integral_constant<int, 5>{}, pre);
        else
            withStride(std::integral_constant<int, 7>{}, pre);
    };
    if (a.pre.activation == kActRelu)
        withWindow(std::integral_constant<int, kActRelu>{});
    else
        withWindow(std::integral_constant<int, kActNone>{});
}

// Whether the columns kernel takes a depthwise conv the row kernel would run with V > 1 channels.
bool columnsApply(const DepthwiseArgs& a) {
    const WindowArgs& w = a.win;
    const bool prologue = a.pre.activation == kActRelu || (a.pre.activation == kActNone && !a.pre.bias);
    return a.columns == kColumns && a.out.type != DataType::BF16 && prologue && w.kh >= 3 && w.kh <= 7 &&
           w.sh == w.sw && (w.sh == 1 || w.sh == 2);
}

// Channels-last, square K x K window at stride S (1 or 2): the input tile a block reads is staged in
// shared memory, with PRE (SiLU, ReLU or none) applied on load once per value (DepthwiseArgs::tile,
// timed against the row kernel: a block issues its tile's loads together and its taps read shared
// memory, where the row kernel's threads wait on K*K cache loads each). The row kernel applies a
// prologue at every tap, K*K / (S*S) times per value, which made a deferred SiLU (an exponential and
// a reciprocal) cost more than the element-wise pass it removes (efficientnet_b0 on the H200:
// depthwise 107 -> 190 us for 46 us of passes). Staged values are rounded to T as the producer's own
// store would have rounded them.
constexpr int kTileH = 4, kTileW = 8, kTilePacks = 8; // 256 threads: one pack at one pixel each

__device__ __forceinline__ float siluOf(float x) {
    return x * __frcp_rn(1.f + __expf(-x));
}

template <typename T, int K, int S, int PRE>
__global__ void __launch_bounds__(256) depthwiseTileKernel(DepthwiseArgs a) {
    constexpr int V = PackOf<T>::n;
    constexpr int IH = (kTileH - 1) * S + K, IW = (kTileW - 1) * S + K;
    __shared__ __align__(16) T tile[IH * IW * kTilePacks * V];
    const int packs = a.out.channels / V, chunks = (packs + kTilePacks - 1) / kTilePacks;
    const int tilesH = (a.out.height + kTileH - 1) / kTileH;
    const int chunk = int(blockIdx.x) % chunks, tx0 = int(blockIdx.x) / chunks * kTileW;
    const int n = int(blockIdx.y) / tilesH, ty0 = (int(blockIdx.y) - n * tilesH) * kTileH;
    const int pack0 = chunk * kTilePacks, chunkPacks = min(kTilePacks, packs - pack0);
    const WindowArgs& w = a.win;
    const int iy0 = ty0 * S - w.ph, ix0 = tx0 * S - w.pw;
    const Operand& x = a.x[0];
    const T* base = static_cast<const T*>(x.ptr) + (long long)n * x.sampleStride;
    for (int i = int(threadIdx.x); i < IH * IW * kTilePacks; i += int(blockDim.x)) {
        const int q = i % kTilePacks, pix = i / kTilePacks;
        const int ty = pix / IW, tx = pix - ty * IW;
        const int iy = iy0 + ty, ix = ix0 + tx;
        float v[V] = {}; // the (activated) input's zero padding
        if (q < chunkPacks && iy >= 0 && iy < a.inH && ix >= 0 && ix < a.inW) {
            const int c = (pack0 + q) * V;
            loadPack<T>(base, (long long)(iy * a.inW + ix) * x.pixelStride + c, v);
            if constexpr (PRE == kActSilu)
#pragma unroll
                for (int j = 0; j < V; ++j) v[j] = siluOf(a.pre.bias ? v[j] + a.pre.bias[c + j] : v[j]);
            else if constexpr (PRE == kActRelu)
#pragma unroll
                for (int j = 0; j < V; ++j) v[j] = fmaxf(a.pre.bias ? v[j] + a.pre.bias[c + j] : v[j], 0.f);
        }
        storePack<T>(tile, (long long)i * V, v);
    }
    __syncthreads();
    const int q = int(threadIdx.x) % kTilePacks, pix = int(threadIdx.x) / kTilePacks;
    const int ly = pix / kTileW, lx = pix - ly * kTileW;
    const int oy = ty0 + ly, ox = tx0 + lx;
    if (q >= chunkPacks || oy >= a.out.height || ox >= a.out.width) return;
    const int c = (pack0 + q) * V;
    float acc[V] = {};
    // Rows unrolled up to 7x7: 9x9 with 8-element packs spilled 5 KB per thread unrolled.
    constexpr int kRowUnroll = K <= 7 ? K : 1;
#pragma unroll kRowUnroll
    for (int ky = 0; ky < K; ++ky)
#pragma unroll
        for (int kx = 0; kx < K; ++kx) {
            float v[V], wt[V];
            loadPack<T>(tile, (long long)(((ly * S + ky) * IW + lx * S + kx) * kTilePacks + q) * V, v);
            loadTapWeights<V>(a, ky * K + kx, c, wt);
#pragma unroll
            for (int i = 0; i < V; ++i) acc[i] += v[i] * wt[i];
        }
    const PackCoord k{n, c, oy * a.out.width + ox};
    finishPack<T>(a.epi, k, acc);
    storePack<T>(a.out.ptr, packOut(a.out, k), acc);
}

template <typename T, int S, int PRE> void launchTile(const DepthwiseArgs& a, cudaStream_t stream) {
    const int v = PackOf<T>::n;
    const int chunks = (a.out.channels / v + kTilePacks - 1) / kTilePacks;
    const dim3 grid(unsigned((a.out.width + kTileW - 1) / kTileW * chunks),
                    unsigned(a.out.batch * ((a.out.height + kTileH - 1) / kTileH)));
    switch (a.win.kh) {
    case 3:
        depthwiseTileKernel<T, 3, S, PRE><<<grid, 256, 0, stream>>>(a);
        break;
    case 5:
        depthwiseTileKernel<T, 5, S, PRE><<<grid, 256, 0, stream>>>(a);
        break;
    case 7:
        depthwiseTileKernel<T, 7, S, PRE><<<grid, 256, 0, stream>>>(a);
        break;
    default:
        depthwiseTileKernel<T, 9, S, PRE><<<grid, 256, 0, stream>>>(a);
        break;
    }
}

// Whether every operand of a channels-last depthwise conv can be read and written in vectors of
// v channels (v * element bytes, aligned to that size).
bool vectorsFit(const DepthwiseArgs& a, int v) {
    const int bytes = v * elementBytes(a.out.type);
    bool fits = packable(a.out, v, bytes) && packable(a.epi, v, bytes);
    for (int i = 0; i < a.inputs && fits; ++i) fits = packable(a.x[i], v, bytes);
    return fits;
}

// The shapes the row kernel (V channels per thread) and the staged tile take. narrowRows: the
// widest vector below a whole pack the row kernel reads where whole packs do not fit (0: none).
// One channel per thread read NasNet's 42- and 84-channel stems 2 bytes a tap: 1.9 of the
// 6.7 ms its fp16 batch-16 depthwise convs took on an H100.
struct DepthwiseFit {
    bool packs = false, squareRows = false, anyRows = false, tile = false;
    int narrowRows = 0;
};
DepthwiseFit depthwiseFit(const DepthwiseArgs& a) {
    DepthwiseFit f;
    const int v = packWidth(a.out.type);
    f.packs = vectorsFit(a, v);
    bool channelsLast = a.x[0].channelStride == 1 && a.out.channelStride == 1;
    for (int r = 0; r < a.epi.residuals; ++r)
        channelsLast = channelsLast && a.epi.residual[r].channelStride == 1;
    const WindowArgs& w = a.win;
    const bool squareWindow = a.inputs == 1 && w.kh == w.kw &&
                              (w.kh == 3 || w.kh == 5 || w.kh == 7 || w.kh == 9) && w.dh == 1 && w.dw == 1;
    const bool rowsFit = (long long)a.out.batch * a.out.height <= 65535;
    const bool weightsAligned = reinterpret_cast<unsigned long long>(a.weights) % 16 == 0;
    f.squareRows = squareWindow && f.packs && weightsAligned;
    f.anyRows = (f.squareRows || (squareWindow && channelsLast)) && rowsFit;
    if (f.anyRows && !f.squareRows && weightsAligned)
        for (int narrow = v / 2; narrow >= 2 && f.narrowRows == 0; narrow /= 2)
            if (vectorsFit(a, narrow)) f.narrowRows = narrow;
    const long long tileRows = (long long)a.out.batch * ((a.out.height + kTileH - 1) / kTileH);
    f.tile = f.squareRows && w.sh == w.sw && (w.sh == 1 || w.sh == 2) && tileRows <= 65535;
    return f;
}

// The row kernel's channels per thread: the widest vector that fits, halved down to a.vector where
// that caps it (a narrower vector of a fitting one fits too); 1 where none fits; 0 without rows.
int rowVector(const DepthwiseArgs& a, const DepthwiseFit& fit) {
    if (!fit.anyRows) return 0;
    int v = fit.squareRows ? packWidth(a.out.type) : fit.narrowRows > 0 ? fit.narrowRows : 1;
    while (a.vector > 0 && v > a.vector) v /= 2;
    return v;
}

} // namespace

int depthwiseRowVector(const DepthwiseArgs& a) {
    const DepthwiseFit fit = depthwiseFit(a);
    const bool tile = fit.tile && (a.pre.activation == kActSilu || (a.tile && depthwiseCanTile(a)));
    const bool columns =
        a.out.type != DataType::BF16 && columnsApply(a) && (fit.squareRows || fit.narrowRows > 0);
    return tile || columns ? 0 : rowVector(a, fit);
}

bool depthwiseCanTile(const DepthwiseArgs& a) {
    const bool plain = a.pre.activation == kActNone && !a.pre.bias;
    return depthwiseFit(a).tile && (plain || a.pre.activation == kActRelu);
}

void launchDepthwise(const DepthwiseArgs& a, cudaStream_t stream) {
    const DepthwiseFit fit = depthwiseFit(a);
    const bool silu = a.pre.activation == kActSilu;
    if (fit.tile && (silu || (a.tile && depthwiseCanTile(a)))) {
        byType(a.out.type, [&](auto t) {
            using T = decltype(t);
            if (silu)
                a.win.sh == 1 ? launchTile<T, 1, kActSilu>(a, stream) : launchTile<T, 2, kActSilu>(a, stream);
            else if (a.pre.activation == kActRelu)
                a.win.sh == 1 ? launchTile<T, 1, kActRelu>(a, stream) : launchTile<T, 2, kActRelu>(a, stream);
            else
                a.win.sh == 1 ? launchTile<T, 1, kActNone>(a, stream) : launchTile<T, 2, kActNone>(a, stream);
        });
        return;
    }
    if (fit.anyRows) {
        byType(a.out.type, [&](auto t) {
            using T = decltype(t);
            constexpr int kPack = PackOf<T>::n;
            if constexpr (!std::is_same_v<T, __nv_bfloat16>)
                if (columnsApply(a) && (fit.squareRows || fit.narrowRows > 0)) {
                    if (fit.squareRows)
                        launchColumns<T, kPack>(a, stream);
                    else if (fit.narrowRows == kPack / 2)
                        launchColumns<T, kPack / 2>(a, stream);
                    else
                        launchColumns<T, (kPack >= 8 ? kPack / 4 : kPack / 2)>(a, stream);
                    return;
                }
            const int v = rowVector(a, fit);
            if (v == kPack)
                launchRows<T, kPack>(a, stream);
            else if (v == kPack / 2)
                launchRows<T, kPack / 2>(a, stream);
            else if (kPack >= 8 && v == kPack / 4)
                launchRows<T, (kPack >= 8 ? kPack / 4 : kPack / 2)>(a, stream);
            else
                launchRows<T, 1>(a, stream);
        });
        return;
    }
    const int v = packWidth(a.out.type);
    byType(a.out.type, [&](auto t) {
        if (fit.packs)
            depthwisePackKernel<decltype(t)><<<blocksFor(packTotalOf(a.out, v)), 256, 0, stream>>>(a);
        else
            depthwiseKernel<decltype(t)><<<blocksFor(totalOf(a.out)), 256, 0, stream>>>(a);
    });
}

} // namespace ioscope::gpu
