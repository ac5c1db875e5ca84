#include "graph/op_metrics.h"

namespace ioscope {
namespace {

constexpr double kBytesPerElement = 4.0;

std::int64_t saturatedCount(double v) {
    return v >= 9.2e18 ? std::int64_t(9'200'000'000'000'000'000LL) : std::int64_t(v);
}

OpMetrics single(const Op& op) {
    OpMetrics m;
    const double inElems = static_cast<double>(op.in.elements());
    const double outElems = static_cast<double>(op.out.elements());
    const Window& w = op.window;
    // Inputs are read once per producer (a sum reads each addend); fused residuals once each.
    const size_t combined = op.inputs.size() - size_t(std::max(0, op.residuals));
    double readElems =
        op.kind == OpKind::Input
            ? 0.0
            : inElems * std::max<size_t>(1, combined > 1 && op.combine == Combine::Sum ? combined : 1);
    const double residualElems = double(std::max(0, op.residuals)) * outElems;
    // Sum terms (IOS identity semantics): every producer is read once; a term of k addends costs
    // k-1 additions per element.
    double termAdds = 0;
    if (!op.sumTerms.empty() && op.termChannels.size() == op.sumTerms.size()) {
        readElems = 0;
        const double hw = double(op.in.h) * op.in.w;
        for (size_t t = 0; t < op.sumTerms.size(); ++t) {
            readElems += double(op.sumTerms[t]) * op.termChannels[t] * hw;
            termAdds += double(op.sumTerms[t] - 1) * op.termChannels[t] * hw;
        }
    }
    switch (op.kind) {
    case OpKind::Input:
        return m;
    case OpKind::Conv: {
        const double perOut = double(op.in.c / op.groups) * w.kh * w.kw;
        // In double, then clamped: a legal op with 65,536 channels and a huge kernel has more
        // parameters than an int64 holds.
        m.params = saturatedCount(double(op.outChannels) * (op.in.c / op.groups) * w.kh * w.kw +
                                  (op.bias ? op.outChannels : 0));
        m.flops = 2.0 * outElems * perOut;
        break;
    }
    case OpKind::SepConv: {
        const double dwOut = double(op.in.c) * op.out.h * op.out.w;
        m.params = std::int64_t(op.in.c) * w.kh * w.kw + std::int64_t(op.outChannels) * op.in.c +
                   (op.bias ? op.outChannels : 0);
        m.flops = 2.0 * dwOut * w.kh * w.kw + 2.0 * outElems * op.in.c;
        break;
    }
    case OpKind::MaxPool:
    case OpKind::AvgPool:
        m.flops = outElems * w.kh * w.kw;
        break;
    case OpKind::GlobalAvgPool:
        m.flops = inElems;
        break;
    case OpKind::FullyConnected:
        m.params = std::int64_t(op.outChannels) * op.in.elements() + (op.bias ? op.outChannels : 0);
        m.flops = 2.0 * outElems * inElems;
        break;
    case OpKind::ScaleShift:
        m.params = 2LL * op.in.c;
        m.flops = 2.0 * outElems;
        break;
    case OpKind::Softmax:
        m.flops = 3.0 * outElems;
        break;
    case OpKind::Activation:
    case OpKind::Add:
    case OpKind::Mul:
        m.flops = outElems * std::max<size_t>(1, combined > 1 ? combined - 1 : 1);
        break;
    case OpKind::Binary: // both operands read once (a broadcast gate is small), one op per output
        readElems = inElems + double(op.in2.elements());
        m.flops = outElems;
        break;
    case OpKind::Resize: // nearest reads one tap, bilinear four with 3 lerps (2 flops each)
        m.flops = op.resize.mode == ResizeMode::Linear ? 6.0 * outElems : 0.0;
        readElems = std::min(inElems, outElems * (op.resize.mode == ResizeMode::Linear ? 4.0 : 1.0));
        break;
    case OpKind::Slice: // reads only the box it copies
        readElems = outElems;
        break;
    case OpKind::Pad: // copies the input, writes the border
    case OpKind::ChannelShuffle:
    case OpKind::Concat:
    case OpKind::Identity:
    case OpKind::Flatten:
    case OpKind::Sequential:
        break;
    }
    if (op.kind == OpKind::Activation &&
        (op.activation == Activation::HardSigmoid || op.activation == Activation::HardSwish ||
         op.activation == Activation::Silu))
        m.flops = outElems * 4.0; // a few operations per element (SiLU: exp, add, divide, multiply)
    if (op.kind == OpKind::Identity && op.sumTerms.empty() && op.combine == Combine::Sum && combined > 1)
        m.flops = outElems * double(combined - 1);
    if (!op.sumTerms.empty()) m.flops += termAdds;
    m.flops += residualElems;
    m.bytes = kBytesPerElement * (readElems + residualElems + outElems + static_cast<double>(m.params));
    return m;
}

} // namespace

OpMetrics opMetrics(const Op& op) {
    if (op.kind != OpKind::Sequential) return single(op);
    OpMetrics total;
    for (size_t i = 0; i < op.body.size(); ++i) {
        Op inner = op.body[i];
        if (i == 0) {
            inner.inputs = op.inputs;
            inner.combine = op.combine;
            inner.sumTerms = op.sumTerms;
            inner.termChannels = op.termChannels;
        }
        const OpMetrics m = single(inner);
        total.flops += m.flops;
        total.bytes += m.bytes;
        total.params += m.params;
    }
    return total;
}

} // namespace ioscope
