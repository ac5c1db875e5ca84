// A 1x1 convolution whose input first gets a per-channel scale, shift and ReLU, on tensor cores
// (WMMA: fp16 and bf16 with fp32 accumulation, tf32 for fp32 data). The prologue is applied as a
// tile moves from registers to shared memory, so the normalized input is never stored: DenseNet's
// pre-activation batch norms were a pass over the whole growing concat before every 1x1 conv.
//
// Block tile BM pixels x BN output channels, one warp per 32x32 of it (2x2 WMMA fragments); each
// step takes 128 bytes of every row (BK channels). Blocks walk several row tiles; the next step's
// tile is loaded into registers while the current one multiplies, or (the ring kernel) copied by
// cp.async into a 3-stage ring and normalized from there. Measured on the H100 (session 23) this is
// 1.6-3x slower than cuBLAS's GEMM alone on DenseNet's large maps and loses to the GEMM plus the
// normalization pass there; it wins on part of the 14x14 layers in fp16. Not yet done: ldmatrix/
// mma.sync fragments with fewer registers, and split-K for few rows with many channels (7x7 maps).
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
// A warp's 32x32 share of one step: acc[i][j] += A rows (wm*32 + 16i) x B rows (wn*32 + 16j), over
// the step's BK channels of the tiles in shared memory (rows LD elements apart).
template <typename T, int BK, int LD, typename Acc>
__device__ __forceinline__ void multiplyStep(Acc (&acc)[2][2], const T* as, const T* bs, int wm, int wn) {
    constexpr int KF = MmaType<T>::K;
#pragma unroll
    for (int kk = 0; kk < BK; kk += KF) {
        wmma::fragment<wmma::matrix_a, 16, 16, KF, typename MmaType<T>::In, wmma::row_major> fa[2];
        wmma::fragment<wmma::matrix_b, 16, 16, KF, typename MmaType<T>::In, wmma::col_major> fb[2];
#pragma unroll
        for (int i = 0; i < 2; ++i) {
            wmma::load_matrix_sync(fa[i], as + (wm * 32 + i * 16) * LD + kk, LD);
            wmma::load_matrix_sync(fb[i], bs + (wn * 32 + i * 16) * LD + kk, LD);
            if constexpr (sizeof(T) == 4) {
                for (int t = 0; t < fa[i].num_elements; ++t) fa[i].x[t] = wmma::__float_to_tf32(fa[i].x[t]);
                for (int t = 0; t < fb[i].num_elements; ++t) fb[i].x[t] = wmma::__float_to_tf32(fb[i].x[t]);
            }
        }
#pragma unroll
        for (int i = 0; i < 2; ++i)
#pragma unroll
            for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
}

// A warp's finished 32x32 results: each fragment through the warp's 16x16 scratch; a lane adds the
// bias to 8 consecutive channels of one row, activates and stores them as packs; the accumulators
// start again from zero.
template <typename T, typename Acc>
__device__ __forceinline__ void finishTile(Acc (&acc)[2][2], float* scratch, const PrologueGemmArgs& a,
                                           long long row0, int col0, int wm, int wn, int lane) {
    constexpr int V = PackOf<T>::n;
    T* y = static_cast<T*>(a.y);
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
                for (int q = 0; q < 8; ++q)
                    v[q] = activate(scratch[r * 16 + c + q] + (a.bias ? a.bias[o + q] : 0.f), a.activation);
                T* dst = y + row * a.yRowStride + o;
#pragma unroll
                for (int q = 0; q < 8; q += V) *reinterpret_cast<uint4*>(dst + q) = pack<T>(v + q);
            }
            __syncwarp();
        }
}

// Scale, shift (and ReLU) of the V channels from k, zero past the channels (after the prologue too).
template <int V>
__device__ __forceinline__ void prologueOf(const PrologueGemmArgs& a, int k, float* scale, float* shift) {
#pragma unroll
    for (int i = 0; i < V; ++i) {
        const bool in = k + i < a.inChannels;
        scale[i] = in ? a.scale[k + i] : 0.f;
        shift[i] = in ? a.shift[k + i] : 0.f;
    }
}
template <int V>
__device__ __forceinline__ void normalize(const PrologueGemmArgs& a, const float* scale, const float* shift,
                                          float* v) {
#pragma unroll
    for (int i = 0; i < V; ++i) {
        const float t = v[i] * scale[i] + shift[i];
        v[i] = a.preRelu ? fmaxf(t, 0.f) : t;
    }
}

// A block's row tiles (blockIdx.x, + gridDim.x, ...) and each tile's K steps, walked as one stream
// of steps: step s is K step s % kSteps of the block's tile s / kSteps.
template <int BM, int BK> struct StepWalk {
    int kSteps, steps;
    __device__ explicit StepWalk(const PrologueGemmArgs& a) {
        const int tilesX = int((a.rows + BM - 1) / BM);
        kSteps = (a.inChannels + BK - 1) / BK;
        const int tiles = int(blockIdx.x) < tilesX ? (tilesX - 1 - int(blockIdx.x)) / int(gridDim.x) + 1 : 0;
        steps = tiles * kSteps;
    }
    __device__ long long rowOf(int step) const {
        return (long long)(int(blockIdx.x) + step / kSteps * int(gridDim.x)) * BM;
    }
};

// Enough blocks to fill the device once (`resident` per multiprocessor); each walks several row tiles.
inline dim3 walkingGrid(const PrologueGemmArgs& a, int bm, int bn, int resident) {
    const long long tilesX = (a.rows + bm - 1) / bm;
    const int tilesY = (a.outChannels + bn - 1) / bn;
    const long long fill = (long long)resident * multiprocessors() / tilesY;
    return dim3(unsigned(std::max(1LL, std::min(tilesX, fill))), unsigned(tilesY));
}

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
    const StepWalk<BM, BK> walk(a);
    const int kSteps = walk.kSteps, steps = walk.steps;
    auto rowOf = [&](int step) { return walk.rowOf(step); };

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
        float scale[V], shift[V];
        prologueOf<V>(a, step % kSteps * BK + chunk * V, scale, shift);
#pragma unroll
        for (int j = 0; j < kAChunks; ++j) {
            float v[V];
            unpack<T>(ra[j], v);
            normalize<V>(a, scale, shift, v);
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

    float* scratch = scratchAll[warp];

    if (steps == 0) return;
    load(0);
    store(0);
    __syncthreads();
    for (int step = 0; step < steps; ++step) {
        const bool more = step + 1 < steps;
        if (more) load(step + 1);
        multiplyStep<T, BK, LD>(acc, as, bs, wm, wn);
        if (step % kSteps == kSteps - 1) finishTile<T>(acc, scratch, a, rowOf(step), col0, wm, wn, lane);
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
    prologueGemmKernel<T, BM, BN, MinBlocks>
        <<<walkingGrid(a, BM, BN, residentBlocks<T, BM, BN, MinBlocks>()), BM * BN / 32, 0, stream>>>(a);
}

// The same product with the raw tiles copied by cp.async into a ring of `Stages` shared buffers
// (no registers held across steps, several steps' loads in flight); each step's A tile is
// normalized from its raw buffer into the one the fragments read.
__device__ __forceinline__ void copyAsync(void* smem, const void* global, bool valid) {
    const unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(global),
                 "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void commitAsync() {
    asm volatile("cp.async.commit_group;\n" ::);
}
template <int N> __device__ __forceinline__ void waitAsync() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

template <typename T, int BM, int BN, int Stages>
__global__ void __launch_bounds__(BM* BN / 32) prologueGemmRingKernel(PrologueGemmArgs a) {
    constexpr int kThreads = BM * BN / 32;
    constexpr int V = PackOf<T>::n;
    constexpr int BK = 128 / sizeof(T);
    constexpr int kChunksPerRow = BK / V;
    constexpr int LD = BK + V;
    constexpr int kAChunks = BM * kChunksPerRow / kThreads, kBChunks = BN * kChunksPerRow / kThreads;
    constexpr int KF = MmaType<T>::K;
    extern __shared__ __align__(128) unsigned char smem[];
    T* rawA = reinterpret_cast<T*>(smem);                       // [Stages][BM * LD]
    T* rawB = rawA + Stages * BM * LD;                          // [Stages][BN * LD]
    T* as = rawB + Stages * BN * LD;                            // [BM * LD], normalized
    float* scratchAll = reinterpret_cast<float*>(as + BM * LD); // [warps][256]

    const int tid = int(threadIdx.x), warp = tid / 32, lane = tid % 32;
    const int wm = warp % (BM / 32), wn = warp / (BM / 32);
    const int col0 = int(blockIdx.y) * BN;
    const int chunk = tid % kChunksPerRow;
    const T* x = static_cast<const T*>(a.x);
    const T* w = static_cast<const T*>(a.weights);
    const StepWalk<BM, BK> walk(a);
    const int kSteps = walk.kSteps, steps = walk.steps;
    auto rowOf = [&](int step) { return walk.rowOf(step); };
    if (steps == 0) return;
    auto issue = [&](int step) {
        if (step < steps) {
            const int stage = step % Stages;
            const long long row0 = rowOf(step);
            const int k = step % kSteps * BK + chunk * V;
            const bool inK = k < a.inChannels;
#pragma unroll
            for (int j = 0; j < kAChunks; ++j) {
                const int r = (tid + j * kThreads) / kChunksPerRow;
                const bool ok = inK && row0 + r < a.rows;
                copyAsync(rawA + stage * BM * LD + r * LD + chunk * V,
                          ok ? x + (row0 + r) * a.xRowStride + k : x, ok);
            }
#pragma unroll
            for (int j = 0; j < kBChunks; ++j) {
                const int r = (tid + j * kThreads) / kChunksPerRow;
                const bool ok = inK && col0 + r < a.outChannels;
                copyAsync(rawB + stage * BN * LD + r * LD + chunk * V,
                          ok ? w + (long long)(col0 + r) * a.inChannels + k : w, ok);
            }
        }
        commitAsync(); // an empty group past the end keeps the wait count uniform
    };

    wmma::fragment<wmma::accumulator, 16, 16, KF, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.f);
    float* scratch = scratchAll + warp * 256;

#pragma unroll
    for (int s = 0; s < Stages - 1; ++s) issue(s);
    for (int step = 0; step < steps; ++step) {
        issue(step + Stages - 1);
        waitAsync<Stages - 1>();
        __syncthreads();
        { // normalize this step's A tile into `as`
            const T* raw = rawA + step % Stages * BM * LD;
            float scale[V], shift[V];
            prologueOf<V>(a, step % kSteps * BK + chunk * V, scale, shift);
#pragma unroll
            for (int j = 0; j < kAChunks; ++j) {
                const int r = (tid + j * kThreads) / kChunksPerRow;
                float v[V];
                loadPack<T>(raw + r * LD + chunk * V, 0, v);
                normalize<V>(a, scale, shift, v);
                storePack<T>(as + r * LD + chunk * V, 0, v);
            }
        }
        __syncthreads();
        multiplyStep<T, BK, LD>(acc, as, rawB + step % Stages * BN * LD, wm, wn);
        if (step % kSteps == kSteps - 1) finishTile<T>(acc, scratch, a, rowOf(step), col0, wm, wn, lane);
        __syncthreads(); // the next step's copies and normalization reuse what this one read
    }
    waitAsync<0>();
}

template <typename T, int BM, int BN, int Stages>
void launchRing(const PrologueGemmArgs& a, cudaStream_t stream) {
    constexpr int threads = BM * BN / 32;
    constexpr int LD = 128 / int(sizeof(T)) + PackOf<T>::n;
    constexpr size_t bytes =
        size_t(Stages * (BM + BN) + BM) * LD * sizeof(T) + size_t(threads / 32) * 256 * 4;
    static const int resident = [] {
        if (cudaFuncSetAttribute(prologueGemmRingKernel<T, BM, BN, Stages>,
                                 cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)) != cudaSuccess)
            return 0;
        int n = 0;
        if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, prologueGemmRingKernel<T, BM, BN, Stages>,
                                                          threads, bytes) != cudaSuccess)
            return 0;
        return n;
    }();
    if (resident <= 0) { // the ring does not fit this device's shared memory: the register kernel
        launchTile<T, BM, BN>(a, stream);
        return;
    }
    prologueGemmRingKernel<T, BM, BN, Stages>
        <<<walkingGrid(a, BM, BN, resident), threads, bytes, stream>>>(a);
}

// The shapes that won somewhere on DenseNet-121 at batch 16 (H100, session 23, fp16 and tf32):
// 128x128, 128x64 and 64x128 with uncapped registers, 32x64 and 64x64 capped for six blocks never did.
template <typename T> void launchTyped(const PrologueGemmArgs& a, cudaStream_t stream) {
    switch (a.tile) {
    case 0:
        launchTile<T, 64, 64>(a, stream);
        break;
    case 1: // registers capped for three blocks of 8 warps per multiprocessor
        launchTile<T, 128, 64, 3>(a, stream);
        break;
    case 2: // cp.async rings
        launchRing<T, 64, 64, 3>(a, stream);
        break;
    default:
        launchRing<T, 128, 64, 3>(a, stream);
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
