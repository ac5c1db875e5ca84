#pragma once
// Operators of the graph IR. One flat parameter struct per op keeps the IR a plain value type
// that every module (JSON, ONNX import, executors, views) reads the same way.
#include "graph/shape.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ioscope {

using OpId = int;

enum class OpKind {
    Input,   // the network input; not a scheduling unit
    Conv,    // conv2d with optional bias and fused activation
    SepConv, // depthwise KxK (+ optional leading ReLU) then pointwise 1x1, one unit
    MaxPool,
    AvgPool,
    GlobalAvgPool,
    Activation,     // element-wise activation (relu, sigmoid, tanh, relu6)
    Concat,         // channel concat of the inputs
    Add,            // element-wise sum of the inputs
    Mul,            // element-wise product of the inputs
    Identity,       // passes its combined inputs (sum or concat) through
    FullyConnected, // matmul + bias on the flattened input
    Flatten,
    Softmax,
    ScaleShift, // per-channel y = x*scale + shift (a batch norm that could not be folded)
    Sequential, // a chain of ops (body) scheduled as one unit
    // Kinds of modern torchvision/timm networks (issue #13); see the parameter structs below.
    Slice,          // a box of the input (channel range, strided spatial range): Split and Slice
    Pad,            // explicit padding (constant or reflect), e.g. TF "same" padding
    Resize,         // nearest or bilinear resampling to a new height and width
    ChannelShuffle, // channel c = g*(C/groups) + k moves to k*groups + g (ShuffleNet)
    Binary,         // two inputs broadcast over C, H, W (each dim equal or 1): add, sub, mul, div
};

// HardSigmoid is PyTorch's relu6(x + 3) / 6; HardSwish is x * HardSigmoid(x); Silu is x * sigmoid(x);
// LeakyRelu is x for x > 0, else kLeakyReluSlope * x (PyTorch's default slope; the ONNX import
// refuses others).
enum class Activation { None, Relu, Sigmoid, Tanh, Relu6, HardSigmoid, HardSwish, Silu, LeakyRelu };
inline constexpr float kLeakyReluSlope = 0.01f;
enum class BinaryFn { Add, Sub, Mul, Div };
enum class PadMode { Constant, Reflect };
enum class ResizeMode { Nearest, Linear };
// How an output coordinate maps to the input (ONNX's coordinate_transformation_mode).
enum class ResizeCoord { HalfPixel, PytorchHalfPixel, Asymmetric, AlignCorners };
// How nearest mode rounds the mapped coordinate (ONNX's nearest_mode).
enum class NearestRound { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };

// How an op's several inputs meet before the op computes: summed element-wise, or
// concatenated along channels. Concat ops always concatenate; Add always sums.
enum class Combine { Sum, Concat };

std::string_view toString(OpKind kind);
std::string_view toString(Activation act);
std::string_view toString(Combine combine);
std::optional<OpKind> opKindFromString(std::string_view s);
std::optional<Activation> activationFromString(std::string_view s);
std::optional<Combine> combineFromString(std::string_view s);
std::string_view toString(BinaryFn fn);
std::string_view toString(PadMode mode);
std::string_view toString(ResizeMode mode);
std::string_view toString(ResizeCoord coord);
std::string_view toString(NearestRound round);

// Spatial window of convolutions and pools.
struct Window {
    int kh = 1, kw = 1;
    int sh = 1, sw = 1;
    int ph = 0, pw = 0; // symmetric padding
    int dh = 1, dw = 1;
    // Pools only: rows/columns added to the bottom/right padding (negative: taken from it), so the
    // output is ONNX's with ceil_mode or uneven pads. Windows still start at o*s - p; one that
    // runs past the input is clipped (a mean is over its in-bounds taps, a maximum never picks
    // padding), so count_include_pad is not allowed with it (the importer writes that padding as a
    // pad op).
    int eh = 0, ew = 0;
    bool operator==(const Window&) const = default;
    // 1x1 at stride 1 without padding: each output pixel reads only the input pixel where it lies
    // (a conv with it is a GEMM over pixels).
    bool isPointwise() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
};

// Slice: output (c, h, w) = op.out; input channel c0 + c, row h0 + y*sh, column w0 + x*sw.
struct SliceBox {
    int c0 = 0, h0 = 0, w0 = 0;
    int c = 0, h = 0, w = 0; // the output size
    int sh = 1, sw = 1;
    bool operator==(const SliceBox&) const = default;
};

// Pad: rows/columns added on each side; constant `value` or a reflection of the input (without
// repeating the edge, as ONNX's and PyTorch's "reflect").
struct PadSpec {
    int top = 0, left = 0, bottom = 0, right = 0;
    PadMode mode = PadMode::Constant;
    float value = 0.0f;
    bool operator==(const PadSpec&) const = default;
};

// Resize to (h, w): scale = out / in per axis.
struct ResizeSpec {
    ResizeMode mode = ResizeMode::Nearest;
    ResizeCoord coord = ResizeCoord::Asymmetric;
    NearestRound round = NearestRound::Floor;
    int h = 0, w = 0;
    bool operator==(const ResizeSpec&) const = default;
};

// Weights of one op, in the layouts cuDNN uses (row-major):
//   Conv: kernel [Cout][Cin/groups][kh][kw], bias [Cout]
//   SepConv: depthwise [Cin][1][kh][kw], kernel (pointwise) [Cout][Cin][1][1], bias [Cout]
//   FullyConnected: kernel [out][in], bias [out]
//   ScaleShift: kernel = scale [C], bias = shift [C]
struct Weights {
    std::vector<float> kernel;
    std::vector<float> depthwise;
    std::vector<float> bias;
};

struct Op {
    std::string name;
    OpKind kind = OpKind::Identity;
    std::vector<OpId> inputs; // producers; empty for Input and for ops inside a Sequential body
    Combine combine = Combine::Sum;

    // Parameters; each kind reads the ones that apply to it.
    Window window;                            // Conv, SepConv, MaxPool, AvgPool
    int outChannels = 0;                      // Conv, SepConv, FullyConnected
    int groups = 1;                           // Conv, ChannelShuffle
    Activation activation = Activation::None; // fused (Conv, SepConv, FC) or the function (Activation)
    bool bias = true;                         // Conv, SepConv, FullyConnected
    bool preRelu = false;                     // SepConv: ReLU before the depthwise conv
    bool countIncludePad = false;             // AvgPool
    // AvgPool: a per-channel bias added to the mean (weights.bias [C]): the fusion rewrite moves a
    // 1x1 conv's bias here when it runs the conv before the pool (graph/fusion.h).
    bool poolBias = false;
    Shape inputShape;                // Input: the per-sample input shape
    std::vector<Op> body;            // Sequential: body[0] reads the inputs, body[i] reads body[i-1]
    SliceBox slice;                  // Slice
    PadSpec pad;                     // Pad
    ResizeSpec resize;               // Resize
    BinaryFn binary = BinaryFn::Add; // Binary

    // Optional grouping of the inputs (IOS's identity semantics, needed by NasNet's cells): the
    // inputs, in order, form consecutive terms of these sizes; each term is summed element-wise
    // and the terms are concatenated along channels. Empty: `combine` alone decides. Only kinds
    // that read `combine` accept it (not Concat, Add, Mul). See inputTerms().
    std::vector<int> sumTerms;

    // Element-wise epilogue folded in by the runtime fusion rewrite (graph/fusion.h): the last
    // `residuals` inputs are added to the op's result before its activation (a residual add or a
    // branch sum). They are ordinary DAG edges but take no part in inputTerms().
    int residuals = 0;
    // Names of the ops a fusion folded into this one, in the order they were folded (views show
    // what a fused unit contains).
    std::vector<std::string> fused;
    // Seeded weights are generated from (seed, key, activation); a rewrite that renames an op or
    // changes its activation keeps the weights it had by recording them here ("" / unset: the
    // op's own name and activation).
    std::string weightKey;
    std::optional<Activation> weightActivation;

    // Filled by shape inference (Graph::finalize).
    Shape out;
    Shape in;                      // the combined input shape (after sum/concat of the producers)
    std::vector<int> termChannels; // channels of each term of inputTerms(), in order
    Shape in2;                     // Binary: the second operand's shape (`in` is the first's)

    // Optional real weights (ONNX import); executors generate seeded ones when absent.
    std::shared_ptr<const Weights> weights;

    // The member network this op belongs to in an ensemble (Graph::members(); graph/ensemble.h),
    // -1 in a single network.
    int member = -1;
};

// How the inputs meet, for every kind: each inner list is combined element-wise (summed; for
// Mul multiplied), then the lists are concatenated along channels in order. A plain sum is one
// term; a plain concat is one term per input.
std::vector<std::vector<OpId>> inputTerms(const Op& op);

// The inputs that take part in inputTerms() (all but the trailing residuals), and the residuals.
std::vector<OpId> combinedInputs(const Op& op);
std::vector<OpId> residualInputs(const Op& op);

// Kinds that accept fused residual inputs, and kinds whose result the `activation` field
// post-processes (every kind but Input, Activation, Concat, Flatten, Softmax and Sequential;
// for Activation the field is the function itself).
bool acceptsResiduals(OpKind kind);
bool appliesActivation(OpKind kind);

// True for the kinds that are convolutions merge stages can combine.
inline bool isConv(const Op& op) {
    return op.kind == OpKind::Conv;
}

} // namespace ioscope
