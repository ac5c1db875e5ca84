#pragma once
// Deterministic weights for every op, identical on every machine and in every executor (the CPU
// reference and the GPU runtime call the same functions, so their outputs can be compared).
//
// An op's own weights (Op::weights, e.g. from ONNX) are used when present, after a size check.
// Otherwise they are generated from (seed, op name) with splitmix64, a portable PRNG whose
// float conversion uses only exact operations, so every compiler and platform agrees bit for bit.
//
// Layouts (row-major, as engine/graph/op.h and cuDNN):
//   Conv:           kernel [Cout][Cin/groups][kh][kw], bias [Cout] (empty when !op.bias)
//   SepConv:        depthwise [Cin][1][kh][kw], kernel (pointwise) [Cout][Cin][1][1], bias [Cout]
//   FullyConnected: kernel [out][in] with in = op.in.elements() (C,H,W flattening), bias [out]
//   ScaleShift:     kernel = scale [C], bias = shift [C]
//   every other kind: no weights (all three vectors empty)
//
// Scale: uniform in +-sqrt(k / fan_in) with k = 6 when a ReLU/ReLU6 follows (He) and k = 3
// otherwise, so activations keep an O(1) second moment through deep networks. Biases are small
// (+-0.05); ScaleShift scale is in [0.8, 1.2], shift in +-0.1.
#include "graph/op.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ioscope {

// The seed executors use unless told otherwise.
inline constexpr std::uint64_t kDefaultWeightSeed = 20210401;

// Number of elements each weight vector of `op` must have (its `in`/`out` shapes must be
// inferred, i.e. the graph finalized). Zero for kinds without that vector.
struct WeightSizes {
    std::size_t kernel = 0, depthwise = 0, bias = 0;
};
WeightSizes expectedWeightSizes(const Op& op);

// Weights of a non-Sequential op: op.weights when set (checked against expectedWeightSizes,
// InputError naming the op otherwise), else seeded from (seed, op.name).
Weights seededWeights(const Op& op, std::uint64_t seed);

// Weights of body op `index` of a Sequential op: the body op's own weights when set, else seeded
// from (seed, outer name + "/" + index + "/" + body op name), so equal body names in different
// sequential ops still get different weights.
Weights seededBodyWeights(const Op& sequential, std::size_t index, std::uint64_t seed);

// All weights of an op: one entry per body op for a Sequential op, else one entry
// (seededWeights; empty vectors for weightless kinds).
std::vector<Weights> seededOpWeights(const Op& op, std::uint64_t seed);

// Deterministic values uniform in [-1, 1), from (seed, key). Used for seeded inputs and tests.
std::vector<float> seededUniform(std::size_t count, std::uint64_t seed, const std::string& key);

} // namespace ioscope
