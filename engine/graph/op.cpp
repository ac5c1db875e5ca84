#include "graph/op.h"

#include <algorithm>
#include <array>
#include <utility>

namespace ioscope {
namespace {

constexpr std::array<std::pair<OpKind, std::string_view>, 21> kKindNames{{
    {OpKind::Input, "input"},
    {OpKind::Conv, "conv2d"},
    {OpKind::SepConv, "sepconv"},
    {OpKind::MaxPool, "maxpool"},
    {OpKind::AvgPool, "avgpool"},
    {OpKind::GlobalAvgPool, "global_avgpool"},
    {OpKind::Activation, "activation"},
    {OpKind::Concat, "concat"},
    {OpKind::Add, "add"},
    {OpKind::Mul, "mul"},
    {OpKind::Identity, "identity"},
    {OpKind::FullyConnected, "fc"},
    {OpKind::Flatten, "flatten"},
    {OpKind::Softmax, "softmax"},
    {OpKind::ScaleShift, "scale_shift"},
    {OpKind::Sequential, "sequential"},
    {OpKind::Slice, "slice"},
    {OpKind::Pad, "pad"},
    {OpKind::Resize, "resize"},
    {OpKind::ChannelShuffle, "channel_shuffle"},
    {OpKind::Binary, "binary"},
}};

constexpr std::array<std::pair<Activation, std::string_view>, 9> kActNames{{
    {Activation::None, "none"},
    {Activation::Relu, "relu"},
    {Activation::Sigmoid, "sigmoid"},
    {Activation::Tanh, "tanh"},
    {Activation::Relu6, "relu6"},
    {Activation::HardSigmoid, "hardsigmoid"},
    {Activation::HardSwish, "hardswish"},
    {Activation::Silu, "silu"},
    {Activation::LeakyRelu, "leaky_relu"},
}};

constexpr std::array<std::pair<BinaryFn, std::string_view>, 4> kBinaryNames{{
    {BinaryFn::Add, "add"},
    {BinaryFn::Sub, "sub"},
    {BinaryFn::Mul, "mul"},
    {BinaryFn::Div, "div"},
}};
constexpr std::array<std::pair<ResizeCoord, std::string_view>, 4> kCoordNames{{
    {ResizeCoord::HalfPixel, "half_pixel"},
    {ResizeCoord::PytorchHalfPixel, "pytorch_half_pixel"},
    {ResizeCoord::Asymmetric, "asymmetric"},
    {ResizeCoord::AlignCorners, "align_corners"},
}};
constexpr std::array<std::pair<NearestRound, std::string_view>, 4> kRoundNames{{
    {NearestRound::RoundPreferFloor, "round_prefer_floor"},
    {NearestRound::RoundPreferCeil, "round_prefer_ceil"},
    {NearestRound::Floor, "floor"},
    {NearestRound::Ceil, "ceil"},
}};

template <typename E, size_t N>
std::string_view nameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
    for (const auto& [e, name] : table)
        if (e == value) return name;
    return "?";
}

template <typename E, size_t N>
std::optional<E> valueOf(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view s) {
    for (const auto& [e, name] : table)
        if (name == s) return e;
    return std::nullopt;
}

} // namespace

std::string_view toString(OpKind kind) {
    return nameOf(kKindNames, kind);
}
std::string_view toString(Activation act) {
    return nameOf(kActNames, act);
}
std::string_view toString(Combine combine) {
    return combine == Combine::Sum ? "sum" : "concat";
}
std::string_view toString(BinaryFn fn) {
    return nameOf(kBinaryNames, fn);
}
std::string_view toString(PadMode mode) {
    return mode == PadMode::Constant ? "constant" : "reflect";
}
std::string_view toString(ResizeMode mode) {
    return mode == ResizeMode::Nearest ? "nearest" : "linear";
}
std::string_view toString(ResizeCoord coord) {
    return nameOf(kCoordNames, coord);
}
std::string_view toString(NearestRound round) {
    return nameOf(kRoundNames, round);
}
std::optional<OpKind> opKindFromString(std::string_view s) {
    return valueOf(kKindNames, s);
}
std::optional<Activation> activationFromString(std::string_view s) {
    return valueOf(kActNames, s);
}
std::optional<Combine> combineFromString(std::string_view s) {
    if (s == "sum") return Combine::Sum;
    if (s == "concat") return Combine::Concat;
    return std::nullopt;
}

std::vector<OpId> combinedInputs(const Op& op) {
    const size_t r = static_cast<size_t>(std::clamp<long long>(op.residuals, 0, (long long)op.inputs.size()));
    return {op.inputs.begin(), op.inputs.end() - static_cast<long>(r)};
}

std::vector<OpId> residualInputs(const Op& op) {
    const size_t r = static_cast<size_t>(std::clamp<long long>(op.residuals, 0, (long long)op.inputs.size()));
    return {op.inputs.end() - static_cast<long>(r), op.inputs.end()};
}

bool acceptsResiduals(OpKind kind) {
    return kind == OpKind::Conv || kind == OpKind::SepConv || kind == OpKind::MaxPool ||
           kind == OpKind::AvgPool;
}

bool appliesActivation(OpKind kind) {
    switch (kind) {
    case OpKind::Input:
    case OpKind::Activation:
    case OpKind::Concat:
    case OpKind::Flatten:
    case OpKind::Softmax:
    case OpKind::Sequential:
    case OpKind::Slice:
    case OpKind::Pad:
    case OpKind::Resize:
    case OpKind::ChannelShuffle:
        return false;
    default:
        return true;
    }
}

std::vector<std::vector<OpId>> inputTerms(const Op& op) {
    std::vector<std::vector<OpId>> terms;
    const std::vector<OpId> inputs = combinedInputs(op);
    if (!op.sumTerms.empty()) {
        size_t next = 0;
        for (int size : op.sumTerms) {
            std::vector<OpId> term;
            for (int k = 0; k < size && next < inputs.size(); ++k) term.push_back(inputs[next++]);
            terms.push_back(std::move(term));
        }
        return terms;
    }
    const bool concat = op.kind == OpKind::Concat ||
                        (op.combine == Combine::Concat && op.kind != OpKind::Add && op.kind != OpKind::Mul);
    if (concat) {
        for (OpId in : inputs) terms.push_back({in});
    } else if (!inputs.empty()) {
        terms.push_back(inputs);
    }
    return terms;
}

} // namespace ioscope
