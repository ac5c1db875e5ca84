// A 1x1 convolution whose input first gets a per-channel scale, shift and ReLU, on tensor cores
// (WMMA: fp16 and bf16 with fp32 accumulation, tf32 for fp32 data). The prologue is applied as a
// tile moves from registers to shared memory, so the normalized input is never stored: DenseNet's
// pre-activation batch norms were a pass over the whole growing concat before every 1x1 conv.
//
// Block tile BM pixels x BN output channels, one warp per 32x32 of it (2x2 WMMA fragments); each
// step takes 128 bytes of every row (BK channels). The next step's tile is loaded into registers
// while the current one multiplies (one shared buffer, register prefetch), across row tiles too.
#include "gpu/device_math.cuh"
#include "gpu/kernels.h"

#include <mma.h>

#include <algorithm>

namespace ioscope::gpu {
namespace {

using namespace device; // the shared helpers of gpu/device_math.cuh
namespace wmma = nvcuda::wmma;

template <typename T> struct MmaType {
    using In = T;
    static constexpr int K = 16;
};
template <> struct MmaType<float> {
    using In = wmma::precision::tf32;
    static constexpr int K = 8;
};

template <typename T> __device__ __forceinline__ void unpack(const uint4& raw, float* v) {
    loadPack<T>(&raw, 0, v);
}
template <typename T> __device__ __forceinline__ uint4 pack(const float* v) {
    uint4 raw;
    storePack<T>(&raw, 0, v);
    return raw;
}

// A block walks its row tiles (blockIdx.x, + gridDim.x, ...) and each tile's steps as one stream
// of steps, loading the next step's tile into registers while the current one multiplies: with
// few K steps per tile (DenseNet's first layers have one), that is what hides the loads' latency.
template <typename T, int BM, int BN, int MinBlocks>
__global__ void __launch_bounds__(BM* BN / 32, MinBlocks) prologueGemmKernel(PrologueGemmArgs a) {
    constexpr int kThreads = BM * BN / 32;
    constexpr int V = PackOf<T>::n;       // elements per 16-byte chunk
    constexpr int BK = 128 / sizeof(T);   // elements of a row per step
    constexpr int kChunksPerRow = BK / V; // 8
    constexpr int LD = BK + V;            // padded shared row: ldmatrix reads rows 16 bytes apart in bank
    constexpr int kAChunks = BM * kChunksPerRow / kThreads, kBChunks = BN * kChunksPerRow / kThreads;
    constexpr int KF = MmaType<T>::K;
    __shared__ __align__(128) T as[BM * LD];
    __shared__ __align__(128) T bs[BN * LD];
    __shared__ __align__(128) float scratchAll[kThreads / 32][256]; // a warp's 16x16 results

    const int tid = int(threadIdx.x), warp = tid / 32, lane = tid % 32;
    const int wm = warp % (BM / 32), wn = warp / (BM / 32);
    const int col0 = int(blockIdx.y) * BN;
    const int chunk = tid % kChunksPerRow; // a thread's chunk column is the same in every row it loads
    const T* x = static_cast<const T*>(a.x);
    const T* w = static_cast<const T*>(a.weights);
    const int tilesX = int((a.rows + BM - 1) / BM);
    const int kSteps = (a.inChannels + BK - 1) / BK;
    const int tiles = int(blockIdx.x) < tilesX ? (tilesX - 1 - int(blockIdx.x)) / int(gridDim.x) + 1 : 0;
    const int steps = tiles * kSteps;
    auto rowOf = [&](int step) { return (long long)(int(blockIdx.x) + step / kSteps * int(gridDim.x)) * BM; };

    uint4 ra[kAChunks], rb[kBChunks];
    auto load = [&](int step) {
        const long long row0 = rowOf(step);
        const int k = step % kSteps * BK + chunk * V;
        const bool inK = k < a.inChannels;
#pragma unroll
        for (int j = 0; j < kAChunks; ++j) {
            const long long r = row0 + (tid + j * kThreads) / kChunksPerRow;
            ra[j] = inK && r < a.rows ? *reinterpret_cast<const uint4*>(x + r * a.xRowStride + k) : uint4{};
        }
#pragma unroll
        for (int j = 0; j < kBChunks; ++j) {
            const int o = col0 + (tid + j * kThreads) / kChunksPerRow;
            rb[j] = inK && o < a.outChannels
                        ? *reinterpret_cast<const uint4*>(w + (long long)o * a.inChannels + k)
                        : uint4{};
        }
    };
    auto store = [&](int step) {
        const int k = step % kSteps * BK + chunk * V;
        float scale[V], shift[V];
#pragma unroll
        for (int i = 0; i < V; ++i) {
            const bool in = k + i < a.inChannels; // zero past the channels, after the prologue too
            scale[i] = in ? a.scale[k + i] : 0.f;
            shift[i] = in ? a.shift[k + i] : 0.f;
        }
#pragma unroll
        for (int j = 0; j < kAChunks; ++j) {
            float v[V];
            unpack<T>(ra[j], v);
#pragma unroll
            for (int i = 0; i < V; ++i) {
                const float s = v[i] * scale[i] + shift[i];
                v[i] = a.preRelu ? fmaxf(s, 0.f) : s;
            }
            const int r = (tid + j * kThreads) / kChunksPerRow;
            *reinterpret_cast<uint4*>(as + r * LD + chunk * V) = pack<T>(v);
        }
#pragma unroll
        for (int j = 0; j < kBChunks; ++j) {
            const int r = (tid + j * kThreads) / kChunksPerRow;
            *reinterpret_cast<uint4*>(bs + r * LD + chunk * V) = rb[j];
        }
    };

    wmma::fragment<wmma::accumulator, 16, 16, KF, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.f);

    // Epilogue: each fragment through the warp's scratch; a lane finishes 8 consecutive channels of
    // one row (bias, activation) and stores them as packs.
    float* scratch = scratchAll[warp];
    T* y = static_cast<T*>(a.y);
    auto finish = [&](long long row0) {
        const int r = lane / 2, c = (lane % 2) * 8;
#pragma unroll
        for (int i = 0; i < 2; ++i)
#pragma unroll
            for (int j = 0; j < 2; ++j) {
                wmma::store_matrix_sync(scratch, acc[i][j], 16, wmma::mem_row_major);
                wmma::fill_fragment(acc[i][j], 0.f);
                __syncwarp();
                const long long row = row0 + wm * 32 + i * 16 + r;
                const int o = col0 + wn * 32 + j * 16 + c;
                if (row < a.rows && o < a.outChannels) {
                    float v[8];
#pragma unroll
                    for (int q = 0; q < 8; ++q) {
                        const float s = scratch[r * 16 + c + q] + (a.bias ? a.bias[o + q] : 0.f);
                        v[q] = activate(s, a.activation);
                    }
                    T* dst = y + row * a.yRowStride + o;
#pragma unroll
                    for (int q = 0; q < 8; q += V) *reinterpret_cast<uint4*>(dst + q) = pack<T>(v + q);
                }
                __syncwarp();
            }
    };

    if (steps == 0) return;
    load(0);
    store(0);
    __syncthreads();
    for (int step = 0; step < steps; ++step) {
        const bool more = step + 1 < steps;
        if (more) load(step + 1);
#pragma unroll
        for (int kk = 0; kk < BK; kk += KF) {
            wmma::fragment<wmma::matrix_a, 16, 16, KF, typename MmaType<T>::In, wmma::row_major> fa[2];
            wmma::fragment<wmma::matrix_b, 16, 16, KF, typename MmaType<T>::In, wmma::col_major> fb[2];
#pragma unroll
            for (int i = 0; i < 2; ++i) {
                wmma::load_matrix_sync(fa[i], as + (wm * 32 + i * 16) * LD + kk, LD);
                wmma::load_matrix_sync(fb[i], bs + (wn * 32 + i * 16) * LD + kk, LD);
                if constexpr (sizeof(T) == 4) {
                    for (int t = 0; t < fa[i].num_elements; ++t)
                        fa[i].x[t] = wmma::__float_to_tf32(fa[i].x[t]);
                    for (int t = 0; t < fb[i].num_elements; ++t)
                        fb[i].x[t] = wmma::__float_to_tf32(fb[i].x[t]);
                }
            }
#pragma unroll
            for (int i = 0; i < 2; ++i)
#pragma unroll
                for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
        }
        if (step % kSteps == kSteps - 1) finish(rowOf(step));
        __syncthreads();
        if (more) {
            store(step + 1);
            __syncthreads();
        }
    }
}

// Blocks per multiprocessor the kernel fits (registers, shared memory), asked once.
template <typename T, int BM, int BN, int MinBlocks> int residentBlocks() {
    static const int blocks = [] {
        int n = 0;
        if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, prologueGemmKernel<T, BM, BN, MinBlocks>,
                                                          BM * BN / 32, 0) != cudaSuccess)
            return 1;
        return n > 0 ? n : 1;
    }();
    return blocks;
}

template <typename T, int BM, int BN, int MinBlocks = 1>
void launchTile(const PrologueGemmArgs& a, cudaStream_t stream) {
    const long long tilesX = (a.rows + BM - 1) / BM;
    const int tilesY = (a.outChannels + BN - 1) / BN;
    // Enough blocks to fill the device once; each walks several row tiles.
    const long long fill = (long long)residentBlocks<T, BM, BN, MinBlocks>() * multiprocessors() / tilesY;
    const unsigned gx = unsigned(std::max(1LL, std::min(tilesX, fill)));
    prologueGemmKernel<T, BM, BN, MinBlocks><<<dim3(gx, unsigned(tilesY)), BM * BN / 32, 0, stream>>>(a);
}

template <typename T> void launchTyped(const PrologueGemmArgs& a, cudaStream_t stream) {
    switch (a.tile) {
    case 0:
        launchTile<T, 128, 64>(a, stream);
        break;
    case 1:
        launchTile<T, 64, 128>(a, stream);
        break;
    case 2:
        launchTile<T, 64, 64>(a, stream);
        break;
    case 3:
        launchTile<T, 32, 64>(a, stream);
        break;
    case 4: // registers capped for 6 blocks of 4 warps per multiprocessor: more loads in flight
        launchTile<T, 64, 64, 6>(a, stream);
        break;
    default:
        launchTile<T, 128, 64, 3>(a, stream);
        break;
    }
}

} // namespace

bool prologueGemmFits(const PrologueGemmArgs& a) {
    const int v = packWidth(a.type);
    const auto aligned = [](const void* p) { return reinterpret_cast<unsigned long long>(p) % 16 == 0; };
    return a.rows > 0 && a.inChannels > 0 && a.inChannels % v == 0 && a.outChannels % 8 == 0 &&
           a.xRowStride % v == 0 && a.yRowStride % v == 0 && aligned(a.x) && aligned(a.y) &&
           aligned(a.weights) && a.scale && a.shift;
}

void launchPrologueGemm(const PrologueGemmArgs& a, cudaStream_t stream) {
    byType(a.type, [&](auto t) { launchTyped<decltype(t)>(a, stream); });
}

} // namespace ioscope::gpu
