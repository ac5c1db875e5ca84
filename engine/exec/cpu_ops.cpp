#include "exec/cpu_ops.h"

#include "exec/cpu_ops_shape.h"
#include "exec/weights_init.h"
#include "util/errors.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ioscope {
namespace {

[[noreturn]] void fail(const Op& op, const std::string& what) {
    throw InputError("op '" + op.name + "' (" + std::string(toString(op.kind)) + "): " + what);
}

void expectInput(const Op& op, const Tensor& x) {
    if (x.shape() != op.in) fail(op, "input is " + x.shape().str() + " but the graph says " + op.in.str());
}

// Output positions o in [lo, hi) whose input position o*stride + offset lies in [0, inSize).
struct Range {
    int lo, hi;
};
Range validRange(int outSize, int inSize, int stride, int offset) {
    // o*stride + offset >= 0  <=>  o >= ceil(-offset / stride)
    int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    // o*stride + offset <= inSize - 1  <=>  o <= floor((inSize - 1 - offset) / stride)
    const int top = inSize - 1 - offset;
    int hi = top < 0 ? 0 : top / stride + 1;
    lo = std::min(lo, outSize);
    hi = std::clamp(hi, lo, outSize);
    return {lo, hi};
}

float activate(float v, Activation act) {
    switch (act) {
    case Activation::None:
        return v;
    case Activation::Relu:
        return v > 0.0f ? v : 0.0f;
    case Activation::Relu6:
        return std::min(std::max(v, 0.0f), 6.0f);
    case Activation::Sigmoid:
        return 1.0f / (1.0f + std::exp(-v));
    case Activation::Tanh:
        return std::tanh(v);
    case Activation::HardSigmoid:
        return std::min(std::max(v / 6.0f + 0.5f, 0.0f), 1.0f);
    case Activation::HardSwish:
        return v * std::min(std::max(v / 6.0f + 0.5f, 0.0f), 1.0f);
    case Activation::Silu:
        return v / (1.0f + std::exp(-v));
    case Activation::LeakyRelu:
        return v > 0.0f ? v : kLeakyReluSlope * v;
    }
    return v;
}

// Direct convolution of one (input plane -> output plane) pair, accumulated into `out`:
// out[oy][ox] += wv * in[oy*sh + ky*dh - ph][ox*sw + kx*dw - pw] for in-bounds taps.
void accumulateTap(float* out, const float* in, float wv, int H, int W, int OH, int OW, const Window& win,
                   int ky, int kx) {
    const int offY = ky * win.dh - win.ph, offX = kx * win.dw - win.pw;
    const Range ry = validRange(OH, H, win.sh, offY), rx = validRange(OW, W, win.sw, offX);
    for (int oy = ry.lo; oy < ry.hi; ++oy) {
        const float* row = in + static_cast<std::size_t>(oy * win.sh + offY) * W + offX;
        float* orow = out + static_cast<std::size_t>(oy) * OW;
        if (win.sw == 1) {
            for (int ox = rx.lo; ox < rx.hi; ++ox) orow[ox] += wv * row[ox];
        } else {
            for (int ox = rx.lo; ox < rx.hi; ++ox) orow[ox] += wv * row[ox * win.sw];
        }
    }
}

} // namespace

void applyActivation(Tensor& t, Activation act) {
    if (act == Activation::None) return;
    for (float& v : t.data) v = activate(v, act);
}

Tensor combineInputs(const Op& op, const std::vector<const Tensor*>& inputs) {
    if (inputs.empty()) fail(op, "has no input tensor");
    if (inputs.size() == 1) return *inputs.front();
    if (!op.sumTerms.empty()) {
        // IOS identity semantics: consecutive inputs form terms that are summed, then the
        // term sums are concatenated along channels (inputTerms() in graph/op.h).
        std::vector<Tensor> sums;
        std::size_t next = 0;
        for (int size : op.sumTerms) {
            if (size <= 0 || next + static_cast<std::size_t>(size) > inputs.size())
                fail(op, "sum terms do not match its " + std::to_string(inputs.size()) + " inputs");
            Op plain = op;
            plain.sumTerms.clear();
            plain.combine = Combine::Sum;
            const std::vector<const Tensor*> term(inputs.begin() + static_cast<long>(next),
                                                  inputs.begin() + static_cast<long>(next + size));
            sums.push_back(combineInputs(plain, term));
            next += static_cast<std::size_t>(size);
        }
        std::vector<const Tensor*> parts;
        for (const Tensor& t : sums) parts.push_back(&t);
        return parts.size() == 1 ? sums.front() : concatChannels(parts);
    }
    const bool concat = op.kind == OpKind::Concat ||
                        (op.kind != OpKind::Add && op.kind != OpKind::Mul && op.combine == Combine::Concat);
    if (concat) return concatChannels(inputs);
    Tensor out = *inputs.front();
    for (std::size_t i = 1; i < inputs.size(); ++i) {
        const Tensor& t = *inputs[i];
        if (t.n != out.n || t.shape() != out.shape())
            fail(op, "cannot combine input " + std::to_string(i) + " (" + t.shape().str() + ") with " +
                         out.shape().str());
        if (op.kind == OpKind::Mul)
            for (std::size_t k = 0; k < out.data.size(); ++k) out.data[k] *= t.data[k];
        else
            for (std::size_t k = 0; k < out.data.size(); ++k) out.data[k] += t.data[k];
    }
    return out;
}

Tensor conv2d(const Tensor& x, const Op& op, const Weights& w) {
    expectInput(op, x);
    const int G = op.groups, cinG = x.c / G, coutG = op.outChannels / G;
    const Window& win = op.window;
    Tensor y(x.n, op.out);
    const int OH = y.h, OW = y.w, KH = win.kh, KW = win.kw;
    for (int b = 0; b < x.n; ++b)
        for (int co = 0; co < op.outChannels; ++co) {
            float* out = y.plane(b, co);
            const float init = w.bias.empty() ? 0.0f : w.bias[static_cast<std::size_t>(co)];
            std::fill(out, out + static_cast<std::size_t>(OH) * OW, init);
            const int g = co / coutG;
            for (int ci = 0; ci < cinG; ++ci) {
                const float* in = x.plane(b, g * cinG + ci);
                const float* k = w.kernel.data() + (static_cast<std::size_t>(co) * cinG + ci) * KH * KW;
                for (int ky = 0; ky < KH; ++ky)
                    for (int kx = 0; kx < KW; ++kx)
                        accumulateTap(out, in, k[ky * KW + kx], x.h, x.w, OH, OW, win, ky, kx);
            }
        }
    applyActivation(y, op.activation);
    return y;
}

Tensor sepConv(const Tensor& x, const Op& op, const Weights& w) {
    expectInput(op, x);
    const Window& win = op.window;
    Tensor pre = x;
    if (op.preRelu) applyActivation(pre, Activation::Relu);
    Tensor dw(x.n, {x.c, op.out.h, op.out.w});
    for (int b = 0; b < x.n; ++b)
        for (int c = 0; c < x.c; ++c) {
            const float* k = w.depthwise.data() + static_cast<std::size_t>(c) * win.kh * win.kw;
            for (int ky = 0; ky < win.kh; ++ky)
                for (int kx = 0; kx < win.kw; ++kx)
                    accumulateTap(dw.plane(b, c), pre.plane(b, c), k[ky * win.kw + kx], x.h, x.w, dw.h, dw.w,
                                  win, ky, kx);
        }
    Tensor y(x.n, op.out);
    const std::size_t plane = static_cast<std::size_t>(y.h) * y.w;
    for (int b = 0; b < x.n; ++b)
        for (int co = 0; co < op.outChannels; ++co) {
            float* out = y.plane(b, co);
            std::fill(out, out + plane, w.bias.empty() ? 0.0f : w.bias[static_cast<std::size_t>(co)]);
            for (int ci = 0; ci < x.c; ++ci) {
                const float wv = w.kernel[static_cast<std::size_t>(co) * x.c + ci];
                const float* in = dw.plane(b, ci);
                for (std::size_t i = 0; i < plane; ++i) out[i] += wv * in[i];
            }
        }
    applyActivation(y, op.activation);
    return y;
}

Tensor pool(const Tensor& x, const Op& op) {
    expectInput(op, x);
    const Window& win = op.window;
    const bool isMax = op.kind == OpKind::MaxPool;
    Tensor y(x.n, op.out);
    for (int b = 0; b < x.n; ++b)
        for (int c = 0; c < x.c; ++c) {
            const float* in = x.plane(b, c);
            float* out = y.plane(b, c);
            for (int oy = 0; oy < y.h; ++oy)
                for (int ox = 0; ox < y.w; ++ox) {
                    float acc = isMax ? -std::numeric_limits<float>::infinity() : 0.0f;
                    int taps = 0, padded = 0; // taps inside the input; inside the padded input
                    for (int ky = 0; ky < win.kh; ++ky) {
                        const int iy = oy * win.sh - win.ph + ky * win.dh;
                        if (iy < -win.ph || iy >= x.h + win.ph + win.eh) continue;
                        for (int kx = 0; kx < win.kw; ++kx) {
                            const int ix = ox * win.sw - win.pw + kx * win.dw;
                            if (ix < -win.pw || ix >= x.w + win.pw + win.ew) continue;
                            ++padded;
                            if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                            const float v = in[static_cast<std::size_t>(iy) * x.w + ix];
                            acc = isMax ? std::max(acc, v) : acc + v;
                            ++taps;
                        }
                    }
                    // ONNX's AveragePool: count_include_pad divides by the taps inside the padded
                    // input (a ceil-mode window that runs past it is clipped), otherwise by those
                    // inside the input.
                    if (!isMax) acc /= static_cast<float>(std::max(1, op.countIncludePad ? padded : taps));
                    out[static_cast<std::size_t>(oy) * y.w + ox] = acc;
                }
        }
    return y;
}

Tensor globalAvgPool(const Tensor& x) {
    Tensor y(x.n, {x.c, 1, 1});
    const std::size_t plane = static_cast<std::size_t>(x.h) * x.w;
    for (int b = 0; b < x.n; ++b)
        for (int c = 0; c < x.c; ++c) {
            const float* in = x.plane(b, c);
            double sum = 0.0;
            for (std::size_t i = 0; i < plane; ++i) sum += in[i];
            y.at(b, c, 0, 0) = static_cast<float>(sum / static_cast<double>(plane));
        }
    return y;
}

Tensor fullyConnected(const Tensor& x, const Op& op, const Weights& w) {
    expectInput(op, x);
    const std::size_t in = static_cast<std::size_t>(x.shape().elements());
    Tensor y(x.n, op.out);
    for (int b = 0; b < x.n; ++b) {
        const float* v = x.plane(b, 0);
        for (int o = 0; o < op.outChannels; ++o) {
            const float* k = w.kernel.data() + static_cast<std::size_t>(o) * in;
            float acc = w.bias.empty() ? 0.0f : w.bias[static_cast<std::size_t>(o)];
            for (std::size_t i = 0; i < in; ++i) acc += k[i] * v[i];
            y.at(b, o, 0, 0) = acc;
        }
    }
    applyActivation(y, op.activation);
    return y;
}

Tensor softmaxChannels(const Tensor& x) {
    Tensor y = x;
    for (int b = 0; b < x.n; ++b)
        for (int iy = 0; iy < x.h; ++iy)
            for (int ix = 0; ix < x.w; ++ix) {
                float top = -std::numeric_limits<float>::infinity();
                for (int c = 0; c < x.c; ++c) top = std::max(top, x.at(b, c, iy, ix));
                double sum = 0.0;
                for (int c = 0; c < x.c; ++c) sum += std::exp(double(x.at(b, c, iy, ix)) - top);
                for (int c = 0; c < x.c; ++c)
                    y.at(b, c, iy, ix) = static_cast<float>(std::exp(double(x.at(b, c, iy, ix)) - top) / sum);
            }
    return y;
}

Tensor scaleShift(const Tensor& x, const Weights& w) {
    Tensor y = x;
    const std::size_t plane = static_cast<std::size_t>(x.h) * x.w;
    for (int b = 0; b < x.n; ++b)
        for (int c = 0; c < x.c; ++c) {
            float* p = y.plane(b, c);
            const float s = w.kernel[static_cast<std::size_t>(c)], t = w.bias[static_cast<std::size_t>(c)];
            for (std::size_t i = 0; i < plane; ++i) p[i] = p[i] * s + t;
        }
    return y;
}

Tensor applySingleOp(const Op& op, const Tensor& combined, const Weights& w) {
    // Wrong-sized weights would index out of bounds: refuse them with the op's name.
    const WeightSizes want = expectedWeightSizes(op);
    if (w.kernel.size() != want.kernel || w.depthwise.size() != want.depthwise || w.bias.size() != want.bias)
        fail(op, "weights have the wrong size");
    switch (op.kind) {
    case OpKind::Input:
        return combined;
    case OpKind::Conv:
        return conv2d(combined, op, w);
    case OpKind::SepConv:
        return sepConv(combined, op, w);
    case OpKind::MaxPool:
        return pool(combined, op);
    case OpKind::AvgPool: {
        Tensor y = pool(combined, op);
        if (!w.bias.empty())
            for (int b = 0; b < y.n; ++b)
                for (int c = 0; c < y.c; ++c) {
                    float* plane = y.plane(b, c);
                    for (int i = 0; i < y.h * y.w; ++i) plane[i] += w.bias[size_t(c)];
                }
        return y;
    }
    case OpKind::GlobalAvgPool:
        return globalAvgPool(combined);
    case OpKind::Activation: {
        Tensor y = combined;
        applyActivation(y, op.activation);
        return y;
    }
    case OpKind::Concat:
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::Identity:
        return combined;
    case OpKind::FullyConnected:
        return fullyConnected(combined, op, w);
    case OpKind::Flatten: {
        Tensor y = combined;
        y.c = static_cast<int>(combined.shape().elements());
        y.h = y.w = 1;
        return y;
    }
    case OpKind::Softmax:
        return softmaxChannels(combined);
    case OpKind::ScaleShift:
        return scaleShift(combined, w);
    case OpKind::Slice:
        return sliceBox(combined, op.slice);
    case OpKind::Pad:
        return pad(combined, op.pad);
    case OpKind::Resize:
        return resize(combined, op.resize);
    case OpKind::ChannelShuffle:
        return channelShuffle(combined, op.groups);
    case OpKind::Binary: // computeOp broadcasts the two inputs; one input here is the result
        return combined;
    case OpKind::Sequential:
        fail(op, "a sequential op needs computeOp");
    }
    fail(op, "unknown op kind");
}

Tensor computeOp(const Op& op, const std::vector<const Tensor*>& allInputs,
                 const std::vector<Weights>& weights) {
    const std::size_t residuals = static_cast<std::size_t>(std::max(0, op.residuals));
    if (residuals >= std::max<std::size_t>(1, allInputs.size())) fail(op, "has more residuals than inputs");
    const std::vector<const Tensor*> inputs(allInputs.begin(),
                                            allInputs.end() - static_cast<long>(residuals));
    if (op.kind == OpKind::Binary) {
        if (inputs.size() != 2 || residuals != 0) fail(op, "a binary op takes exactly two inputs");
        Tensor y = binary(*inputs[0], *inputs[1], op.binary);
        applyActivation(y, op.activation);
        return y;
    }
    const Tensor combined = combineInputs(op, inputs);
    if (op.kind != OpKind::Sequential) {
        static const Weights none;
        const Weights& w = weights.empty() ? none : weights.front();
        if (!appliesActivation(op.kind) || (residuals == 0 && op.activation == Activation::None))
            return applySingleOp(op, combined, w);
        // Fused epilogue (graph/fusion.h): the op's own result, then the residuals, then the
        // activation.
        Op core = op;
        core.activation = Activation::None;
        Tensor y = applySingleOp(core, combined, w);
        for (std::size_t i = inputs.size(); i < allInputs.size(); ++i) {
            const Tensor& r = *allInputs[i];
            if (r.n != y.n || r.shape() != y.shape())
                fail(op, "residual " + r.shape().str() + " does not match the result " + y.shape().str());
            for (std::size_t k = 0; k < y.data.size(); ++k) y.data[k] += r.data[k];
        }
        applyActivation(y, op.activation);
        return y;
    }
    if (weights.size() != op.body.size()) fail(op, "needs one weight set per body op");
    Tensor cur = combined;
    for (std::size_t i = 0; i < op.body.size(); ++i) {
        // Each body op's activation after its result, whatever its kind (a pool's too, as the
        // GPU runtime's pool epilogue applies it).
        Op core = op.body[i];
        core.activation = Activation::None;
        cur = applySingleOp(core, cur, weights[i]);
        applyActivation(cur, op.body[i].activation);
    }
    return cur;
}

} // namespace ioscope
