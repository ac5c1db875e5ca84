#include "gpu/device_math.cuh"
#include "gpu/kernels.h"

namespace ioscope::gpu {
namespace {

using namespace device; // the shared helpers of gpu/device_math.cuh

constexpr int kLanes = 32, kRows = 8;       // a block: 32 channels, 8 rows of threads
constexpr int kHeldWeights = 8;             // expansion weights a thread holds: hidden <= 64 (rows * 8)
constexpr int kValues = 4;                  // map values a thread scales
constexpr int kMaxPixels = kRows * kValues; // pixels of a block (= kLanes: one per lane in NCHW)

// Block (channel tile, pixel chunk, sample). The kernel is latency-bound (a few microseconds on
// a few hundred blocks), so every load it needs is issued first, at once: the expansion conv's
// weights for the tile's 32 channels (coalesced rows of the transposed matrix), the squeezed
// values and the block's map values. Then the block's warps share the tile's dot products, and
// each thread scales its values: channels-last maps one channel per lane (neighbouring lanes,
// neighbouring addresses), others one pixel per lane.
template <typename T> __global__ void exciteKernel(ExciteArgs a, int pixelsPerBlock) {
    __shared__ float hidden[kMaxSqueezeHidden];
    __shared__ float partial[kRows][kLanes];
    __shared__ float gate[kLanes];
    const int lane = int(threadIdx.x), row = int(threadIdx.y), n = int(blockIdx.z);
    const int channels = a.out.channels, c0 = int(blockIdx.x) * kLanes;
    const long long pixels = (long long)a.out.height * a.out.width;
    const long long p0 = (long long)blockIdx.y * pixelsPerBlock;
    const long long p1 = p0 + pixelsPerBlock < pixels ? p0 + pixelsPerBlock : pixels;

    const bool live = c0 + lane < channels;
    float w[kHeldWeights];
#pragma unroll
    for (int i = 0; i < kHeldWeights; ++i) {
        const int j = row + i * kRows;
        w[i] = live && j < a.hidden ? a.weights[(long long)j * channels + c0 + lane] : 0.f;
    }
    for (int j = row * kLanes + lane; j < a.hidden; j += kLanes * kRows)
        hidden[j] = load<T>(a.squeezed.ptr, at(a.squeezed, n, j, 0));
    float x[kValues];
    int cs[kValues];
    long long ps[kValues];
#pragma unroll
    for (int i = 0; i < kValues; ++i) {
        cs[i] = a.out.channelsFastest ? lane : row + i * kRows;
        ps[i] = a.out.channelsFastest ? p0 + row + i * kRows : p0 + lane;
        const bool in = c0 + cs[i] < channels && ps[i] < p1;
        x[i] = in ? load<T>(a.x.ptr, at(a.x, n, c0 + cs[i], ps[i])) : 0.f;
        if (!in) cs[i] = -1;
    }
    __syncthreads();

    float dot = 0.f;
#pragma unroll
    for (int i = 0; i < kHeldWeights; ++i)
        if (row + i * kRows < a.hidden) dot += w[i] * hidden[row + i * kRows];
    for (int j = row + kHeldWeights * kRows; live && j < a.hidden; j += kRows)
        dot += a.weights[(long long)j * channels + c0 + lane] * hidden[j];
    partial[row][lane] = dot;
    __syncthreads();
    if (row == 0) {
        float v = a.bias && live ? a.bias[c0 + lane] : 0.f;
        for (int r = 0; r < kRows; ++r) v += partial[r][lane];
        gate[lane] = activate(v, a.activation);
    }
    __syncthreads();
#pragma unroll
    for (int i = 0; i < kValues; ++i)
        if (cs[i] >= 0) {
            const Coord k{n, c0 + cs[i], int(ps[i])};
            store<T>(a.out.ptr, outAt(a.out, k), x[i] * gate[cs[i]]);
        }
}

} // namespace

void launchExcite(const ExciteArgs& a, cudaStream_t stream) {
    // Full blocks where the map is large; smaller ones (down to a row of pixels per thread row)
    // where that keeps about four blocks per multiprocessor.
    const long long pixels = (long long)a.out.height * a.out.width;
    const long long tiles = (a.out.channels + kLanes - 1) / kLanes * (long long)a.out.batch;
    const long long wanted = 4LL * multiprocessors();
    long long perBlock = (pixels * tiles + wanted - 1) / wanted;
    perBlock = perBlock < kRows ? kRows : (perBlock > kMaxPixels ? kMaxPixels : perBlock);
    const dim3 grid(unsigned((a.out.channels + kLanes - 1) / kLanes),
                    unsigned((pixels + perBlock - 1) / perBlock), unsigned(a.out.batch));
    byType(a.out.type, [&](auto t) {
        exciteKernel<decltype(t)><<<grid, dim3(kLanes, kRows), 0, stream>>>(a, int(perBlock));
    });
}

} // namespace ioscope::gpu
