#include "exec/tensor.h"

#include "exec/weights_init.h"
#include "util/errors.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace ioscope {

Tensor::Tensor(int batch, Shape s, float fill) : n(batch), c(s.c), h(s.h), w(s.w) {
    if (batch <= 0 || s.c <= 0 || s.h <= 0 || s.w <= 0)
        throw InputError("tensor shape " + std::to_string(batch) + "x" + s.str() + " is empty");
    data.assign(static_cast<std::size_t>(batch) * static_cast<std::size_t>(s.elements()), fill);
}

Tensor channelSlice(const Tensor& t, int first, int count) {
    if (first < 0 || count <= 0 || first + count > t.c)
        throw InputError("channel slice [" + std::to_string(first) + ", " + std::to_string(first + count) +
                         ") is outside a tensor of " + std::to_string(t.c) + " channels");
    Tensor out(t.n, {count, t.h, t.w});
    const std::size_t planes = static_cast<std::size_t>(count) * t.h * t.w;
    for (int b = 0; b < t.n; ++b) std::memcpy(out.plane(b, 0), t.plane(b, first), planes * sizeof(float));
    return out;
}

Tensor concatChannels(const std::vector<const Tensor*>& parts) {
    if (parts.empty()) throw InputError("concatenation of no tensors");
    const Tensor& f = *parts.front();
    int channels = 0;
    for (const Tensor* p : parts) {
        if (p->n != f.n || p->h != f.h || p->w != f.w)
            throw InputError("cannot concatenate tensors of different batch or spatial size");
        channels += p->c;
    }
    Tensor out(f.n, {channels, f.h, f.w});
    for (int b = 0; b < f.n; ++b) {
        int at = 0;
        for (const Tensor* p : parts) {
            std::memcpy(out.plane(b, at), p->plane(b, 0),
                        static_cast<std::size_t>(p->c) * p->h * p->w * sizeof(float));
            at += p->c;
        }
    }
    return out;
}

double maxAbsDiff(const Tensor& a, const Tensor& b) {
    if (a.n != b.n || a.c != b.c || a.h != b.h || a.w != b.w) return std::numeric_limits<double>::infinity();
    double worst = 0.0;
    for (std::size_t i = 0; i < a.data.size(); ++i) {
        const double d = std::fabs(double(a.data[i]) - double(b.data[i]));
        if (std::isnan(d)) return std::numeric_limits<double>::infinity();
        worst = std::max(worst, d);
    }
    return worst;
}

Tensor seededInput(Shape shape, int batch, std::uint64_t seed) {
    Tensor t(batch, shape);
    t.data = seededUniform(t.data.size(), seed, "input");
    return t;
}

} // namespace ioscope
