#pragma once
// A dense NCHW float tensor for the CPU reference executor.
#include "graph/shape.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ioscope {

struct Tensor {
    int n = 0, c = 0, h = 0, w = 0;
    std::vector<float> data; // row-major [n][c][h][w]

    Tensor() = default;
    Tensor(int batch, Shape s, float fill = 0.0f);

    Shape shape() const { return {c, h, w}; }
    std::size_t size() const { return data.size(); }
    std::size_t index(int in, int ic, int ih, int iw) const {
        return ((static_cast<std::size_t>(in) * c + ic) * h + ih) * w + iw;
    }
    float& at(int in, int ic, int ih, int iw) { return data[index(in, ic, ih, iw)]; }
    float at(int in, int ic, int ih, int iw) const { return data[index(in, ic, ih, iw)]; }
    // The first element of plane (in, ic).
    float* plane(int in, int ic) { return data.data() + index(in, ic, 0, 0); }
    const float* plane(int in, int ic) const { return data.data() + index(in, ic, 0, 0); }
};

// Channels [first, first + count) of `t`.
Tensor channelSlice(const Tensor& t, int first, int count);

// Concatenation along channels (equal n, h, w; InputError otherwise).
Tensor concatChannels(const std::vector<const Tensor*>& parts);

// Largest |a - b| over all elements; +infinity when the shapes differ or a value is NaN.
double maxAbsDiff(const Tensor& a, const Tensor& b);

// Deterministic input values uniform in [-1, 1) (weights_init's PRNG), same on every machine.
Tensor seededInput(Shape shape, int batch, std::uint64_t seed);

} // namespace ioscope
