#include "exec/cpu_ops_shape.h"

#include "util/errors.h"

#include <algorithm>
#include <cmath>

namespace ioscope {

Tensor sliceBox(const Tensor& x, const SliceBox& b) {
    Tensor y(x.n, {b.c, b.h, b.w});
    for (int n = 0; n < x.n; ++n)
        for (int c = 0; c < b.c; ++c)
            for (int i = 0; i < b.h; ++i)
                for (int j = 0; j < b.w; ++j)
                    y.at(n, c, i, j) = x.at(n, b.c0 + c, b.h0 + i * b.sh, b.w0 + j * b.sw);
    return y;
}

namespace {
// Reflection without repeating the edge: -1 -> 1, size -> size - 2.
int reflect(int i, int size) {
    if (size == 1) return 0;
    const int period = 2 * (size - 1);
    i = ((i % period) + period) % period;
    return i < size ? i : period - i;
}
} // namespace

Tensor pad(const Tensor& x, const PadSpec& p) {
    Tensor y(x.n, {x.c, x.h + p.top + p.bottom, x.w + p.left + p.right}, p.value);
    for (int n = 0; n < x.n; ++n)
        for (int c = 0; c < x.c; ++c)
            for (int i = 0; i < y.h; ++i)
                for (int j = 0; j < y.w; ++j) {
                    const int si = i - p.top, sj = j - p.left;
                    if (p.mode == PadMode::Reflect)
                        y.at(n, c, i, j) = x.at(n, c, reflect(si, x.h), reflect(sj, x.w));
                    else if (si >= 0 && si < x.h && sj >= 0 && sj < x.w)
                        y.at(n, c, i, j) = x.at(n, c, si, sj);
                }
    return y;
}

float resizeSource(int o, int inSize, int outSize, ResizeCoord coord) {
    const float scale = float(outSize) / float(inSize);
    switch (coord) {
    case ResizeCoord::HalfPixel:
        return (float(o) + 0.5f) / scale - 0.5f;
    case ResizeCoord::PytorchHalfPixel:
        return outSize > 1 ? (float(o) + 0.5f) / scale - 0.5f : 0.0f;
    case ResizeCoord::Asymmetric:
        return float(o) / scale;
    case ResizeCoord::AlignCorners:
        return outSize > 1 ? float(o) * float(inSize - 1) / float(outSize - 1) : 0.0f;
    }
    return 0.0f;
}

int nearestIndex(float s, int inSize, NearestRound round) {
    float r = s;
    switch (round) {
    case NearestRound::Floor:
        r = std::floor(s);
        break;
    case NearestRound::Ceil:
        r = std::ceil(s);
        break;
    case NearestRound::RoundPreferFloor: // halves go down
        r = std::ceil(s - 0.5f);
        break;
    case NearestRound::RoundPreferCeil: // halves go up
        r = std::floor(s + 0.5f);
        break;
    }
    return std::clamp(int(r), 0, inSize - 1);
}

Tensor resize(const Tensor& x, const ResizeSpec& r) {
    Tensor y(x.n, {x.c, r.h, r.w});
    for (int n = 0; n < x.n; ++n)
        for (int c = 0; c < x.c; ++c)
            for (int i = 0; i < r.h; ++i) {
                const float sy = resizeSource(i, x.h, r.h, r.coord);
                for (int j = 0; j < r.w; ++j) {
                    const float sx = resizeSource(j, x.w, r.w, r.coord);
                    if (r.mode == ResizeMode::Nearest) {
                        y.at(n, c, i, j) =
                            x.at(n, c, nearestIndex(sy, x.h, r.round), nearestIndex(sx, x.w, r.round));
                        continue;
                    }
                    // Bilinear: the source clamped into the input, as ONNX's edge handling and PyTorch.
                    const float cy = std::clamp(sy, 0.0f, float(x.h - 1)),
                                cx = std::clamp(sx, 0.0f, float(x.w - 1));
                    const int y0 = int(cy), x0 = int(cx);
                    const int y1 = std::min(y0 + 1, x.h - 1), x1 = std::min(x0 + 1, x.w - 1);
                    const float fy = cy - float(y0), fx = cx - float(x0);
                    const float top = x.at(n, c, y0, x0) * (1 - fx) + x.at(n, c, y0, x1) * fx;
                    const float bottom = x.at(n, c, y1, x0) * (1 - fx) + x.at(n, c, y1, x1) * fx;
                    y.at(n, c, i, j) = top * (1 - fy) + bottom * fy;
                }
            }
    return y;
}

Tensor channelShuffle(const Tensor& x, int groups) {
    Tensor y(x.n, x.shape());
    const int per = x.c / groups;
    const std::size_t plane = std::size_t(x.h) * x.w;
    for (int n = 0; n < x.n; ++n)
        for (int g = 0; g < groups; ++g)
            for (int k = 0; k < per; ++k)
                std::copy_n(x.plane(n, g * per + k), plane, y.plane(n, k * groups + g));
    return y;
}

Tensor binary(const Tensor& a, const Tensor& b, BinaryFn fn) {
    const auto dim = [](int p, int q) { return std::max(p, q); };
    if (a.n != b.n || (a.c != b.c && a.c != 1 && b.c != 1) || (a.h != b.h && a.h != 1 && b.h != 1) ||
        (a.w != b.w && a.w != 1 && b.w != 1))
        throw InputError("binary op: operands " + a.shape().str() + " and " + b.shape().str() +
                         " do not broadcast");
    Tensor y(a.n, {dim(a.c, b.c), dim(a.h, b.h), dim(a.w, b.w)});
    for (int n = 0; n < y.n; ++n)
        for (int c = 0; c < y.c; ++c)
            for (int i = 0; i < y.h; ++i)
                for (int j = 0; j < y.w; ++j) {
                    const float p = a.at(n, a.c == 1 ? 0 : c, a.h == 1 ? 0 : i, a.w == 1 ? 0 : j);
                    const float q = b.at(n, b.c == 1 ? 0 : c, b.h == 1 ? 0 : i, b.w == 1 ? 0 : j);
                    float v = 0;
                    switch (fn) {
                    case BinaryFn::Add:
                        v = p + q;
                        break;
                    case BinaryFn::Sub:
                        v = p - q;
                        break;
                    case BinaryFn::Mul:
                        v = p * q;
                        break;
                    case BinaryFn::Div:
                        v = p / q;
                        break;
                    }
                    y.at(n, c, i, j) = v;
                }
    return y;
}

} // namespace ioscope
