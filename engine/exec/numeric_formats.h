#pragma once
// fp16 and bf16 storage formats on the host: rounding float values to them (nearest even, as the
// GPU does) and back. The GPU runtime uploads weights and inputs with these; tests use them to
// know what a value becomes in a 16-bit run. CUDA-free.
#include <cstdint>
#include <vector>

namespace ioscope {

std::uint16_t floatToHalf(float f);
float halfToFloat(std::uint16_t h);
std::uint16_t floatToBf16(float f);
float bf16ToFloat(std::uint16_t b);

// Values after a round trip through the format (what a 16-bit tensor holds).
inline float roundToHalf(float f) {
    return halfToFloat(floatToHalf(f));
}
inline float roundToBf16(float f) {
    return bf16ToFloat(floatToBf16(f));
}

} // namespace ioscope
