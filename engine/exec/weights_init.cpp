#include "exec/weights_init.h"

#include "util/errors.h"

#include <algorithm>
#include <cmath>

namespace ioscope {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// FNV-1a of the key, then mixed with the seed: the stream of one tensor of one op.
std::uint64_t streamSeed(std::uint64_t seed, const std::string& key) {
    std::uint64_t h = 0xCBF29CE484222325ULL;
    for (unsigned char ch : key) h = (h ^ ch) * 0x100000001B3ULL;
    std::uint64_t state = seed ^ h;
    return splitmix64(state);
}

// Uniform in [-scale, scale): 24 random bits make an exact float in [0, 1), so the only
// rounding is the final multiply, which IEEE arithmetic makes identical everywhere.
std::vector<float> uniform(std::size_t count, std::uint64_t seed, const std::string& key, double scale,
                           double centre = 0.0) {
    std::vector<float> v(count);
    std::uint64_t state = streamSeed(seed, key);
    for (float& x : v) {
        const double u = static_cast<double>(splitmix64(state) >> 40) * (1.0 / 16777216.0);
        x = static_cast<float>(centre + (2.0 * u - 1.0) * scale);
    }
    return v;
}

bool reluFollows(Activation a) {
    return a == Activation::Relu || a == Activation::Relu6;
}

double heScale(std::int64_t fanIn, bool relu) {
    return std::sqrt((relu ? 6.0 : 3.0) / static_cast<double>(std::max<std::int64_t>(1, fanIn)));
}

constexpr double kBiasScale = 0.05;

Weights generate(const Op& op, std::uint64_t seed, const std::string& ownKey) {
    const WeightSizes n = expectedWeightSizes(op);
    // A fusion rewrite keeps the weights an op had before it (Op::weightKey, weightActivation).
    const std::string& key = op.weightKey.empty() ? ownKey : op.weightKey;
    const Activation seedAct = op.weightActivation.value_or(op.activation);
    Weights w;
    switch (op.kind) {
    case OpKind::Conv: {
        const std::int64_t fanIn =
            std::int64_t(op.in.c / std::max(1, op.groups)) * op.window.kh * op.window.kw;
        w.kernel = uniform(n.kernel, seed, key + "#kernel", heScale(fanIn, reluFollows(seedAct)));
        break;
    }
    case OpKind::SepConv:
        w.depthwise = uniform(n.depthwise, seed, key + "#depthwise",
                              heScale(std::int64_t(op.window.kh) * op.window.kw, op.preRelu));
        w.kernel = uniform(n.kernel, seed, key + "#kernel", heScale(op.in.c, reluFollows(seedAct)));
        break;
    case OpKind::FullyConnected:
        w.kernel = uniform(n.kernel, seed, key + "#kernel", heScale(op.in.elements(), reluFollows(seedAct)));
        break;
    case OpKind::ScaleShift:
        w.kernel = uniform(n.kernel, seed, key + "#kernel", 0.2, 1.0);
        w.bias = uniform(n.bias, seed, key + "#bias", 0.1);
        return w;
    case OpKind::AvgPool: // a conv's bias, drawn as the conv draws it (its key, its scale)
        if (n.bias == 0) return w;
        break;
    default:
        return w;
    }
    w.bias = uniform(n.bias, seed, key + "#bias", kBiasScale);
    return w;
}

Weights checked(const Op& op, const Weights& given) {
    const WeightSizes n = expectedWeightSizes(op);
    auto check = [&](const std::vector<float>& v, std::size_t want, const char* what) {
        if (v.size() != want)
            throw InputError("op '" + op.name + "' (" + std::string(toString(op.kind)) + "): " + what +
                             " has " + std::to_string(v.size()) + " values, expected " +
                             std::to_string(want));
    };
    check(given.kernel, n.kernel, "kernel");
    check(given.depthwise, n.depthwise, "depthwise kernel");
    check(given.bias, n.bias, "bias");
    return given;
}

} // namespace

WeightSizes expectedWeightSizes(const Op& op) {
    WeightSizes n;
    const auto sz = [](std::int64_t v) { return static_cast<std::size_t>(std::max<std::int64_t>(0, v)); };
    switch (op.kind) {
    case OpKind::Conv:
        n.kernel = sz(std::int64_t(op.outChannels) * (op.in.c / std::max(1, op.groups)) * op.window.kh *
                      op.window.kw);
        n.bias = op.bias ? sz(op.outChannels) : 0;
        break;
    case OpKind::SepConv:
        n.depthwise = sz(std::int64_t(op.in.c) * op.window.kh * op.window.kw);
        n.kernel = sz(std::int64_t(op.outChannels) * op.in.c);
        n.bias = op.bias ? sz(op.outChannels) : 0;
        break;
    case OpKind::FullyConnected:
        n.kernel = sz(std::int64_t(op.outChannels) * op.in.elements());
        n.bias = op.bias ? sz(op.outChannels) : 0;
        break;
    case OpKind::ScaleShift:
        n.kernel = sz(op.in.c);
        n.bias = sz(op.in.c);
        break;
    case OpKind::AvgPool:
        n.bias = op.poolBias ? sz(op.in.c) : 0;
        break;
    default:
        break;
    }
    return n;
}

Weights seededWeights(const Op& op, std::uint64_t seed) {
    if (op.kind == OpKind::Sequential)
        throw InputError("op '" + op.name +
                         "': a sequential op has per-body weights (use seededBodyWeights)");
    if (op.weights) return checked(op, *op.weights);
    return generate(op, seed, op.name);
}

Weights seededBodyWeights(const Op& sequential, std::size_t index, std::uint64_t seed) {
    if (sequential.kind != OpKind::Sequential || index >= sequential.body.size())
        throw InputError("op '" + sequential.name + "' has no body op #" + std::to_string(index));
    const Op& inner = sequential.body[index];
    if (inner.weights) return checked(inner, *inner.weights);
    return generate(inner, seed, sequential.name + "/" + std::to_string(index) + "/" + inner.name);
}

std::vector<Weights> seededOpWeights(const Op& op, std::uint64_t seed) {
    if (op.kind != OpKind::Sequential) return {seededWeights(op, seed)};
    std::vector<Weights> all;
    for (std::size_t i = 0; i < op.body.size(); ++i) all.push_back(seededBodyWeights(op, i, seed));
    return all;
}

std::vector<float> seededUniform(std::size_t count, std::uint64_t seed, const std::string& key) {
    return uniform(count, seed, key, 1.0);
}

} // namespace ioscope
