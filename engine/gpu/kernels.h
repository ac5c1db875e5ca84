#pragma once
// The CUDA kernels the runtime needs beside cuDNN and cuBLAS, for any layout (strided views,
// gpu/tensor_view.h) and element type (fp32, fp16, bf16; arithmetic in fp32):
//   - element-wise: sums or products of inputs, per-channel scale and shift, activation; used
//     for concat-slice gathers, sums, ScaleShift, activations and conv epilogues cuDNN cannot
//     fuse;
//   - depthwise convolution with an optional prologue on its input (a separable conv's leading
//     ReLU, or the bias and activation of the conv before it, deferred to this load) and the
//     fused epilogue (bias, residual adds, activation);
//   - max / average / global-average pooling with the fused epilogue, a global pool followed by
//     a squeeze-excite reduction, and the excitation that scales the map;
//   - dense layers on one pixel (1x1 convs on 1x1 maps, as squeeze-excite's, and fully connected
//     heads at small batch) with the fused epilogue, where cuBLAS's GEMV and a separate epilogue
//     kernel took two launches;
//   - flatten to (C*H*W) in NCHW order, and a channel softmax;
//   - fills for profiling buffers and the L2 flush.
// Epilogue order everywhere: result (+ bias) (+ residuals), then the activation.
#include "gpu/data_type.h"

#include <cuda_runtime.h>

namespace ioscope::gpu {

inline constexpr int kMaxEwInputs = 16;
inline constexpr int kMaxResiduals = 4;
inline constexpr int kMaxSqueezeHidden = 256; // the kernels' capacity (>= kMaxSqueezeChannels)

// Activation codes shared by every kernel.
enum ActCode : int {
    kActNone = 0,
    kActRelu = 1,
    kActSigmoid = 2,
    kActTanh = 3,
    kActRelu6 = 4,
    kActHardSigmoid = 5, // relu6(x + 3) / 6
    kActHardSwish = 6,   // x * hardsigmoid(x)
    kActSilu = 7,        // x * sigmoid(x)
    kActLeakyRelu = 8,   // x > 0 ? x : kLeakyReluSlope * x (graph/op.h)
};

struct Operand {
    const void* ptr = nullptr;
    long long sampleStride = 0, channelStride = 0, pixelStride = 0;
};

struct OutputArgs {
    void* ptr = nullptr;
    long long sampleStride = 0, channelStride = 0, pixelStride = 0;
    int batch = 1, channels = 1, height = 1, width = 1;
    DataType type = DataType::F32;
    bool channelsFastest = false; // thread order: channel-fastest suits NHWC, pixel-fastest NCHW
};

struct Epilogue {
    const float* bias = nullptr; // per output channel
    Operand residual[kMaxResiduals];
    int residuals = 0;
    int activation = kActNone;
};

struct ElementwiseArgs {
    Operand in[kMaxEwInputs];
    int inputs = 0;
    bool product = false;         // multiply the inputs instead of summing them
    const float* scale = nullptr; // per channel, optional
    const float* shift = nullptr; // per channel (bias or shift), optional
    int activation = kActNone;
    OutputArgs out;
};
void launchElementwise(const ElementwiseArgs& args, cudaStream_t stream);

// Applied to each input value on load, before the op: activation(x + bias[channel]). Padding
// stays zero (it is outside the input, after the activation).
struct Prologue {
    const float* bias = nullptr; // per input channel, optional
    int activation = kActNone;
};

struct WindowArgs {
    int kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
};

// Depthwise convolutions and pools read one input, or several summed element-wise on load (a
// node summing its producers, as RandWire's do): no staging buffer, no extra kernel.
struct DepthwiseArgs {
    Operand x[kMaxEwInputs];
    int inputs = 1;
    int inH = 0, inW = 0;
    const float* weights = nullptr; // [kh][kw][channels], channel fastest
    WindowArgs win;
    Prologue pre;
    Epilogue epi;
    OutputArgs out;
    // With nothing or a ReLU applied on load, stage each block's input tile in shared memory where
    // depthwiseCanTile says it can (the compiler times it against the row kernel).
    bool tile = false;
    // Output columns per thread of the row kernel (GpuOptions::depthwiseColumns), where it applies.
    int columns = 1;
    // Channels per thread of the row kernel at most (GpuOptions::depthwiseVector): a narrower vector
    // than the widest that fits gives a small map more threads. 0: the widest.
    int vector = 0;
    // The weights again in the output's 16-bit type, same layout, or none: the row kernel at whole
    // packs then reads a tap's weights in one 16-byte load instead of two
    // (GpuOptions::depthwiseTypedWeights).
    const void* typedWeights = nullptr;
};
void launchDepthwise(const DepthwiseArgs& args, cudaStream_t stream);
bool depthwiseCanTile(const DepthwiseArgs& args);
// The channels per thread of the one-column row kernel for `args` (its vector cap applied); 0 where
// another kernel runs it.
int depthwiseRowVector(const DepthwiseArgs& args);

enum PoolKind : int { kPoolMax = 0, kPoolAvg = 1 };

// A squeeze-excite reduction run by a global pool's kernel on the means it computes
// (gpu/squeeze_excite.h): out[n][j] = activation(bias[j] + sum_c weights[j][c] * mean[n][c]). Each
// block of 32 channels stores its share of the sums in `partial`; the last block of a sample to
// arrive adds them up in a fixed order (the result does not depend on block timing) and sets
// `arrived` back to zero for the next launch.
struct SqueezeTail {
    const float* weights = nullptr; // [hidden][channels]; null: no tail
    const float* bias = nullptr;    // [hidden], optional
    int hidden = 0;
    int activation = kActNone;
    float* partial = nullptr;    // [batch][hidden][channel tiles]
    unsigned* arrived = nullptr; // [batch], zero between launches
    OutputArgs out;              // hidden x 1 x 1
};

struct PoolArgs {
    Operand x[kMaxEwInputs];
    int inputs = 1;
    int inH = 0, inW = 0;
    WindowArgs win;
    int kind = kPoolMax;
    bool countIncludePad = false;
    Epilogue epi;
    OutputArgs out;
    SqueezeTail squeeze; // global average pools only
    // The sliding 3-row kernel where it applies (poolCanSlide), else the tile kernel: the
    // compiler times both and keeps the faster (neither wins everywhere).
    bool slide = false;
};
void launchPool(const PoolArgs& args, cudaStream_t stream);
// Whether launchPool has both kernels for these arguments (3-row windows at vertical stride 1,
// channels in packs).
bool poolCanSlide(const PoolArgs& args);

// A squeeze-excite gate applied to its map: out = x * activation(bias[c] + sum_j weights[j][c] *
// hidden[n][j]), the expansion conv computed for the channels each block scales.
struct ExciteArgs {
    Operand x;                      // the map, x.shape = out's
    Operand squeezed;               // the reduction's output: `hidden` channels on one pixel
    int hidden = 0;                 // at most kMaxSqueezeHidden
    const float* weights = nullptr; // [hidden][channels]: the expansion conv transposed
    const float* bias = nullptr;    // [channels], optional
    int activation = kActSigmoid;
    OutputArgs out;
};
void launchExcite(const ExciteArgs& args, cudaStream_t stream);

// y[n][o] = epilogue(sum_i W[o][i] * x[n][i]) on one pixel; W in the output's element type, rows of
// `inChannels`. One warp per output channel and sample.
struct DenseArgs {
    Operand x;
    int inChannels = 0;
    const void* weights = nullptr;
    Epilogue epi;
    OutputArgs out; // height = width = 1
};
void launchDense(const DenseArgs& args, cudaStream_t stream);

// y[r][o] = activation(bias[o] + sum_k W[o][k] * pre(x[r][k])) over channels-last rows r (every
// pixel of every sample), pre(v) = v * scale[k] + shift[k], then ReLU if preRelu: a 1x1 conv whose
// input is a batch norm (+ ReLU) that could not fold, in one kernel on tensor cores (fp16 and
// bf16 with fp32 accumulation; fp32 data in tf32). `tile` picks one of kPrologueGemmTiles kernels (64x64
// and 128x64 pixels x channels, each with register prefetch or a 3-stage cp.async ring); the compiler
// times them.
struct PrologueGemmArgs {
    const void* x = nullptr;
    long long xRowStride = 0; // elements between rows (a concat buffer's channels)
    int rows = 0, inChannels = 0, outChannels = 0;
    const float* scale = nullptr; // [inChannels]
    const float* shift = nullptr; // [inChannels]
    bool preRelu = false;
    const void* weights = nullptr; // [outChannels][inChannels], the data's type
    const float* bias = nullptr;   // [outChannels], optional
    int activation = kActNone;
    void* y = nullptr;
    long long yRowStride = 0;
    DataType type = DataType::F32;
    int tile = 0;
};
inline constexpr int kPrologueGemmTiles = 4;
// Whether the kernel takes these tensors: channels in 16-byte packs, 16-byte aligned rows,
// output channels a multiple of 8.
bool prologueGemmFits(const PrologueGemmArgs& args);
void launchPrologueGemm(const PrologueGemmArgs& args, cudaStream_t stream);

// y[n][c*H*W + p] = x[n][c][p]: the NCHW flattening every executor agrees on.
void launchFlatten(const Operand& x, int channels, int pixels, const OutputArgs& y, cudaStream_t stream);
// Softmax over channels at each (n, pixel).
void launchSoftmax(const Operand& x, const OutputArgs& y, cudaStream_t stream);

// Deterministic values in [-1, 1) from (seed, index): filler for buffers whose content is not
// checked (stage profiling). `count` elements of `type`.
void launchPatternFill(void* data, long long count, DataType type, unsigned seed, cudaStream_t stream);

// Reads `count` floats (a buffer larger than the L2 cache), evicting what the cache held:
// profiled stages then read their weights from memory, as they do in a whole run.
void launchCacheFlush(const float* data, long long count, float* sink, cudaStream_t stream);

} // namespace ioscope::gpu
