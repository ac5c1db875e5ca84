#include "exec/numeric_formats.h"

#include <cmath>
#include <cstring>

namespace ioscope {

static std::uint32_t bitsOf(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
static float floatOf(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// Round to nearest even, NaN kept quiet.
std::uint16_t floatToBf16(float f) {
    const std::uint32_t u = bitsOf(f);
    if (std::isnan(f)) return std::uint16_t((u >> 16) | 0x40);
    return std::uint16_t((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
}
float bf16ToFloat(std::uint16_t b) {
    return floatOf(std::uint32_t(b) << 16);
}

std::uint16_t floatToHalf(float f) {
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
float halfToFloat(std::uint16_t h) {
    const float sign = (h & 0x8000) ? -1.0f : 1.0f;
    const int exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    if (exp == 0) return sign * std::ldexp(float(mant), -24);
    if (exp == 31) return mant ? NAN : sign * INFINITY;
    return sign * std::ldexp(float(mant | 0x400), exp - 25);
}

} // namespace ioscope
