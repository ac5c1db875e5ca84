#include "gpu/weights_upload.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace ioscope::gpu {
namespace {

std::uint32_t bitsOf(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
float floatOf(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// Round to nearest even, NaN kept quiet.
std::uint16_t toBf16(float f) {
    const std::uint32_t u = bitsOf(f);
    if (std::isnan(f)) return std::uint16_t((u >> 16) | 0x40);
    return std::uint16_t((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
}
float fromBf16(std::uint16_t b) {
    return floatOf(std::uint32_t(b) << 16);
}

std::uint16_t toHalf(float f) {
    const std::uint32_t u = bitsOf(f);
    const std::uint16_t sign = std::uint16_t((u >> 16) & 0x8000);
    const float a = std::fabs(f);
    if (std::isnan(f)) return std::uint16_t(sign | 0x7E00);
    if (a >= 65520.0f) return std::uint16_t(sign | 0x7C00); // rounds to infinity
    if (a < 6.103515625e-05f) {                             // subnormal: multiples of 2^-24
        const float scaled = a * 16777216.0f;               // exact
        return std::uint16_t(sign | std::uint16_t(std::nearbyint(scaled)));
    }
    const std::uint32_t au = bitsOf(a);
    std::uint32_t exp = ((au >> 23) & 0xFF) - 127 + 15;
    std::uint32_t mant = au & 0x7FFFFF;
    std::uint32_t h = (exp << 10) | (mant >> 13);
    const std::uint32_t rest = mant & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h; // may carry into the exponent: correct
    return std::uint16_t(sign | h);
}
float fromHalf(std::uint16_t h) {
    const float sign = (h & 0x8000) ? -1.0f : 1.0f;
    const int exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    if (exp == 0) return sign * std::ldexp(float(mant), -24);
    if (exp == 31) return mant ? NAN : sign * INFINITY;
    return sign * std::ldexp(float(mant | 0x400), exp - 25);
}

} // namespace

std::vector<float> convFilter(const std::vector<float>& kernel, int k, int c, int kh, int kw, Layout layout) {
    if (layout == Layout::Nchw || (kh == 1 && kw == 1) || c == 1) return kernel;
    std::vector<float> out(kernel.size());
    const size_t taps = size_t(kh) * kw;
    for (size_t o = 0; o < size_t(k); ++o)
        for (size_t i = 0; i < size_t(c); ++i)
            for (size_t t = 0; t < taps; ++t)
                out[(o * taps + t) * size_t(c) + i] = kernel[(o * size_t(c) + i) * taps + t];
    return out;
}

std::vector<float> depthwiseTaps(const std::vector<float>& kernel, int channels, int kh, int kw) {
    const size_t taps = size_t(kh) * kw;
    std::vector<float> out(kernel.size());
    for (size_t ch = 0; ch < size_t(channels); ++ch)
        for (size_t t = 0; t < taps; ++t) out[t * size_t(channels) + ch] = kernel[ch * taps + t];
    return out;
}

std::vector<std::uint16_t> toHalfBits(const std::vector<float>& values, DataType type) {
    std::vector<std::uint16_t> bits(values.size());
    for (size_t i = 0; i < values.size(); ++i)
        bits[i] = type == DataType::F16 ? toHalf(values[i]) : toBf16(values[i]);
    return bits;
}

DeviceBuffer uploadAs(const std::vector<float>& values, DataType type) {
    if (type == DataType::F32) return uploadFloats(values);
    DeviceBuffer b(values.size() * 2, "weights");
    const std::vector<std::uint16_t> bits = toHalfBits(values, type);
    if (!bits.empty())
        IOSCOPE_CHECK(cudaMemcpy(b.data(), bits.data(), bits.size() * 2, cudaMemcpyHostToDevice));
    return b;
}

std::vector<float> toFloats(const void* values, size_t count, DataType type) {
    std::vector<float> out(count);
    if (type == DataType::F32) {
        const float* f = static_cast<const float*>(values);
        out.assign(f, f + count);
        return out;
    }
    const std::uint16_t* bits = static_cast<const std::uint16_t*>(values);
    for (size_t i = 0; i < count; ++i) out[i] = type == DataType::F16 ? fromHalf(bits[i]) : fromBf16(bits[i]);
    return out;
}

} // namespace ioscope::gpu
