#include "gpu/device_math.cuh"
#include "gpu/kernels.h"

namespace ioscope::gpu {
namespace {

using namespace device; // the shared helpers of gpu/device_math.cuh

constexpr int kLanes = 32, kRows = 8; // a block: 32 channels, 8 rows of threads

// Block (channel tile, pixel chunk, sample). Its warps first share the expansion conv's dot
// products for the tile's 32 channels (a few hundred multiply-adds, weights read coalesced from
// the transposed matrix), then the block scales its pixels: channels-last maps with one channel
// per lane (neighbouring lanes, neighbouring addresses), others one pixel per lane.
template <typename T> __global__ void exciteKernel(ExciteArgs a, int pixelsPerBlock) {
    __shared__ float hidden[kMaxSqueezeHidden];
    __shared__ float partial[kRows][kLanes];
    __shared__ float gate[kLanes];
    const int lane = int(threadIdx.x), row = int(threadIdx.y), n = int(blockIdx.z);
    const int channels = a.out.channels, c0 = int(blockIdx.x) * kLanes;
    for (int j = row * kLanes + lane; j < a.hidden; j += kLanes * kRows)
        hidden[j] = load<T>(a.squeezed.ptr, at(a.squeezed, n, j, 0));
    __syncthreads();
    float dot = 0.f;
    if (c0 + lane < channels)
        for (int j = row; j < a.hidden; j += kRows)
            dot += a.weights[(long long)j * channels + c0 + lane] * hidden[j];
    partial[row][lane] = dot;
    __syncthreads();
    if (row == 0) {
        float v = a.bias && c0 + lane < channels ? a.bias[c0 + lane] : 0.f;
        for (int r = 0; r < kRows; ++r) v += partial[r][lane];
        gate[lane] = activate(v, a.activation);
    }
    __syncthreads();
    const long long pixels = (long long)a.out.height * a.out.width;
    const long long p0 = (long long)blockIdx.y * pixelsPerBlock;
    const long long p1 = p0 + pixelsPerBlock < pixels ? p0 + pixelsPerBlock : pixels;
    if (a.out.channelsFastest) {
        const int c = c0 + lane;
        if (c >= channels) return;
        for (long long p = p0 + row; p < p1; p += kRows) {
            const Coord k{n, c, int(p)};
            store<T>(a.out.ptr, outAt(a.out, k), load<T>(a.x.ptr, at(a.x, n, c, p)) * gate[lane]);
        }
        return;
    }
    for (int i = row; i < kLanes && c0 + i < channels; i += kRows)
        for (long long p = p0 + lane; p < p1; p += kLanes) {
            const Coord k{n, c0 + i, int(p)};
            store<T>(a.out.ptr, outAt(a.out, k), load<T>(a.x.ptr, at(a.x, n, c0 + i, p)) * gate[i]);
        }
}

} // namespace

void launchExcite(const ExciteArgs& a, cudaStream_t stream) {
    // About four blocks per multiprocessor, each at least a row of pixels per thread row.
    const long long pixels = (long long)a.out.height * a.out.width;
    const long long tiles = (a.out.channels + kLanes - 1) / kLanes * (long long)a.out.batch;
    const long long wanted = (4LL * multiprocessors() + tiles - 1) / tiles;
    const long long most = (pixels + kRows - 1) / kRows;
    const long long chunks = wanted < 1 ? 1 : (wanted > most ? most : wanted);
    const int perBlock = int((pixels + chunks - 1) / chunks);
    const dim3 grid(unsigned((a.out.channels + kLanes - 1) / kLanes),
                    unsigned((pixels + perBlock - 1) / perBlock), unsigned(a.out.batch));
    byType(a.out.type,
           [&](auto t) { exciteKernel<decltype(t)><<<grid, dim3(kLanes, kRows), 0, stream>>>(a, perBlock); });
}

} // namespace ioscope::gpu
