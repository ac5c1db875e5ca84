#include "graph/op.h"

#include <array>
#include <utility>

namespace ioscope {
namespace {

constexpr std::array<std::pair<OpKind, std::string_view>, 16> kKindNames{{
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
}};

constexpr std::array<std::pair<Activation, std::string_view>, 5> kActNames{{
    {Activation::None, "none"},
    {Activation::Relu, "relu"},
    {Activation::Sigmoid, "sigmoid"},
    {Activation::Tanh, "tanh"},
    {Activation::Relu6, "relu6"},
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

std::vector<std::vector<OpId>> inputTerms(const Op& op) {
    std::vector<std::vector<OpId>> terms;
    if (!op.sumTerms.empty()) {
        size_t next = 0;
        for (int size : op.sumTerms) {
            std::vector<OpId> term;
            for (int k = 0; k < size && next < op.inputs.size(); ++k) term.push_back(op.inputs[next++]);
            terms.push_back(std::move(term));
        }
        return terms;
    }
    const bool concat = op.kind == OpKind::Concat ||
                        (op.combine == Combine::Concat && op.kind != OpKind::Add && op.kind != OpKind::Mul);
    if (concat) {
        for (OpId in : op.inputs) terms.push_back({in});
    } else if (!op.inputs.empty()) {
        terms.push_back(op.inputs);
    }
    return terms;
}

} // namespace ioscope
