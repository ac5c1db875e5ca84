#include "exec/weight_layout.h"

#include <cstddef>

using std::size_t;

namespace ioscope {

std::vector<float> filterChannelsLast(const std::vector<float>& kernel, int k, int c, int kh, int kw) {
    if ((kh == 1 && kw == 1) || c == 1) return kernel;
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

} // namespace ioscope
