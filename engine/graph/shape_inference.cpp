#include "graph/shape_inference.h"

#include "util/errors.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace ioscope {
namespace {

[[noreturn]] void fail(const std::string& source, const Op& op, const std::string& what) {
    throw InputError(source, "op '" + op.name + "' (" + std::string(toString(op.kind)) + "): " + what);
}

void checkDims(const std::string& source, const Op& op, const Shape& s, const char* what) {
    if (s.c <= 0 || s.h <= 0 || s.w <= 0)
        fail(source, op, std::string(what) + " shape " + s.str() + " is empty");
    if (s.c > kMaxDim || s.h > kMaxDim || s.w > kMaxDim || s.elements() > kMaxElements)
        fail(source, op, std::string(what) + " shape " + s.str() + " is too large");
}

Shape combineInputs(const std::string& source, const Op& op, const std::vector<Shape>& in, Combine how) {
    if (in.empty()) fail(source, op, "has no input");
    Shape result = in.front();
    for (size_t i = 1; i < in.size(); ++i) {
        const Shape& s = in[i];
        if (s.h != result.h || s.w != result.w)
            fail(source, op,
                 "input " + std::to_string(i) + " is " + s.str() + ", spatially unlike input 0 (" +
                     in.front().str() + ")");
        if (how == Combine::Concat) {
            // Checked: one input concatenated 32,769 times would overflow an int.
            if (static_cast<long long>(result.c) + s.c > kMaxDim)
                fail(source, op, "concatenated channels exceed " + std::to_string(kMaxDim));
            result.c += s.c;
        } else if (s.c != result.c) {
            fail(source, op,
                 "cannot sum input " + std::to_string(i) + " (" + s.str() + ") with input 0 (" +
                     in.front().str() + ")");
        }
    }
    return result;
}

// IOS's identity semantics: consecutive terms of op.sumTerms inputs are summed, then the terms
// are concatenated. Fills op.termChannels.
Shape combineTerms(const std::string& source, Op& op, const std::vector<Shape>& in) {
    if (op.kind == OpKind::Concat || op.kind == OpKind::Add || op.kind == OpKind::Mul)
        fail(source, op, "sum terms are not allowed on this kind (it combines its inputs itself)");
    size_t total = 0;
    for (int size : op.sumTerms) {
        if (size <= 0) fail(source, op, "sum term sizes must be positive");
        total += static_cast<size_t>(size);
    }
    if (total != in.size())
        fail(source, op,
             "sum terms cover " + std::to_string(total) + " inputs, but the op has " +
                 std::to_string(in.size()));
    op.termChannels.clear();
    Shape result{0, in.front().h, in.front().w};
    size_t next = 0;
    for (int size : op.sumTerms) {
        const std::vector<Shape> term(in.begin() + static_cast<long>(next),
                                      in.begin() + static_cast<long>(next) + size);
        next += static_cast<size_t>(size);
        const Shape s = combineInputs(source, op, term, Combine::Sum);
        if (s.h != result.h || s.w != result.w)
            fail(source, op,
                 "term " + std::to_string(op.termChannels.size()) + " is " + s.str() +
                     ", spatially unlike term 0 (" + in.front().str() + ")");
        if (static_cast<long long>(result.c) + s.c > kMaxDim)
            fail(source, op, "concatenated channels exceed " + std::to_string(kMaxDim));
        result.c += s.c;
        op.termChannels.push_back(s.c);
    }
    return result;
}

Shape windowOutput(const Window& w, const Shape& in, int channels);

void checkWindow(const std::string& source, const Op& op, const Shape& in) {
    const Window& w = op.window;
    if (w.kh <= 0 || w.kw <= 0) fail(source, op, "kernel must be positive");
    if (w.sh <= 0 || w.sw <= 0) fail(source, op, "stride must be positive");
    if (w.dh <= 0 || w.dw <= 0) fail(source, op, "dilation must be positive");
    if (w.ph < 0 || w.pw < 0) fail(source, op, "padding must not be negative");
    if (w.kh > kMaxDim || w.kw > kMaxDim || w.sh > kMaxDim || w.sw > kMaxDim || w.ph > kMaxDim ||
        w.pw > kMaxDim || w.dh > kMaxDim || w.dw > kMaxDim)
        fail(source, op, "window parameters are too large");
    const long long effH = (long long)(w.kh - 1) * w.dh + 1, effW = (long long)(w.kw - 1) * w.dw + 1;
    if (w.eh || w.ew) {
        if (op.kind != OpKind::AvgPool && op.kind != OpKind::MaxPool)
            fail(source, op, "end padding applies to pools only");
        if (op.countIncludePad)
            fail(source, op, "count_include_pad with end padding is not supported (pad explicitly instead)");
        if (w.eh < -kMaxDim || w.eh > kMaxDim || w.ew < -kMaxDim || w.ew > kMaxDim)
            fail(source, op, "end padding is out of range");
    }
    if (effH > in.h + 2LL * w.ph + w.eh || effW > in.w + 2LL * w.pw + w.ew)
        fail(source, op,
             "kernel " + std::to_string(w.kh) + "x" + std::to_string(w.kw) +
                 " is larger than the padded input " + in.str());
    if (w.eh || w.ew) { // every window must start inside the input (else it would pool nothing)
        const Shape out = windowOutput(w, in, in.c);
        if ((long long)(out.h - 1) * w.sh - w.ph >= in.h || (long long)(out.w - 1) * w.sw - w.pw >= in.w)
            fail(source, op, "end padding leaves a window outside the input");
    }
}

// Weights are tensors too and get the same element limit, so parameter counts stay exact (a
// conv of 65,536 channels with a 65,535-wide kernel would hold 1.8e19 of them).
void checkWeights(const std::string& source, const Op& op, double elements) {
    if (elements > double(kMaxElements)) {
        char count[32];
        std::snprintf(count, sizeof count, "%.3g", elements);
        fail(source, op, std::string("its weights would hold ") + count + " elements, more than 2^31");
    }
}

Shape windowOutput(const Window& w, const Shape& in, int channels) {
    const int effH = (w.kh - 1) * w.dh + 1, effW = (w.kw - 1) * w.dw + 1;
    return {channels, (in.h + 2 * w.ph + w.eh - effH) / w.sh + 1, (in.w + 2 * w.pw + w.ew - effW) / w.sw + 1};
}

void checkOutChannels(const std::string& source, const Op& op) {
    if (op.outChannels <= 0) fail(source, op, "output channels must be positive");
    if (op.outChannels > kMaxDim)
        fail(source, op, "output channels " + std::to_string(op.outChannels) + " too many");
}

// Numpy broadcasting of two per-sample shapes: each dim equal, or 1 in one of them.
Shape broadcastShapes(const std::string& source, const Op& op, const std::vector<Shape>& in) {
    if (in.size() != 2 || !op.sumTerms.empty())
        fail(source, op, "a binary op takes exactly two inputs (it has " + std::to_string(in.size()) + ")");
    const auto dim = [&](int a, int b) {
        if (a != b && a != 1 && b != 1)
            fail(source, op, "inputs " + in[0].str() + " and " + in[1].str() + " do not broadcast");
        return std::max(a, b);
    };
    return {dim(in[0].c, in[1].c), dim(in[0].h, in[1].h), dim(in[0].w, in[1].w)};
}

// Slice, Pad, Resize and ChannelShuffle read one tensor; their output comes from their parameters.
Shape reshapeOutput(const std::string& source, const Op& op, const Shape& in) {
    switch (op.kind) {
    case OpKind::Slice: {
        const SliceBox& b = op.slice;
        if (b.c <= 0 || b.h <= 0 || b.w <= 0 || b.sh <= 0 || b.sw <= 0 || b.c0 < 0 || b.h0 < 0 || b.w0 < 0)
            fail(source, op, "slice box must be non-empty with non-negative starts and positive steps");
        if ((long long)b.c0 + b.c > in.c || b.h0 + (long long)(b.h - 1) * b.sh >= in.h ||
            b.w0 + (long long)(b.w - 1) * b.sw >= in.w)
            fail(source, op, "slice box reaches beyond the input " + in.str());
        return {b.c, b.h, b.w};
    }
    case OpKind::Pad: {
        const PadSpec& p = op.pad;
        for (int side : {p.top, p.left, p.bottom, p.right})
            if (side < -kMaxDim || side > kMaxDim)
                fail(source, op,
                     "padding must be between -" + std::to_string(kMaxDim) + " and " +
                         std::to_string(kMaxDim));
        // Negative sides crop (constant mode: ONNX's negative pads, timm NASNet's one-pixel shift).
        const auto crop = [](int side) { return side < 0 ? -side : 0; };
        if (crop(p.top) || crop(p.left) || crop(p.bottom) || crop(p.right)) {
            if (p.mode == PadMode::Reflect) fail(source, op, "reflect padding must not be negative");
            if (crop(p.top) + crop(p.bottom) >= in.h || crop(p.left) + crop(p.right) >= in.w)
                fail(source, op, "negative padding crops the whole input " + in.str());
        }
        if (p.mode == PadMode::Reflect &&
            (std::max(p.top, p.bottom) >= in.h || std::max(p.left, p.right) >= in.w))
            fail(source, op, "reflect padding must be smaller than the input " + in.str());
        return {in.c, in.h + p.top + p.bottom, in.w + p.left + p.right};
    }
    case OpKind::Resize:
        if (op.resize.h <= 0 || op.resize.w <= 0) fail(source, op, "resize output size must be positive");
        return {in.c, op.resize.h, op.resize.w};
    case OpKind::ChannelShuffle:
        if (op.groups <= 0 || in.c % op.groups != 0)
            fail(source, op,
                 "channels " + std::to_string(in.c) + " are not divisible by groups " +
                     std::to_string(op.groups));
        return in;
    default:
        return in;
    }
}

bool readsOneTensor(OpKind kind) {
    return kind == OpKind::Slice || kind == OpKind::Pad || kind == OpKind::Resize ||
           kind == OpKind::ChannelShuffle;
}

} // namespace

void inferShape(Op& op, const std::vector<Shape>& allInputShapes, const std::string& source) {
    if (op.residuals < 0 || size_t(op.residuals) >= std::max<size_t>(1, allInputShapes.size()))
        fail(source, op, "residual inputs must be fewer than the inputs");
    if (op.residuals > 0 && !acceptsResiduals(op.kind))
        fail(source, op, "this kind takes no residual inputs");
    const std::vector<Shape> inputShapes(allInputShapes.begin(),
                                         allInputShapes.end() - static_cast<long>(op.residuals));
    if (op.kind == OpKind::Input) {
        if (!inputShapes.empty()) fail(source, op, "an input op cannot have inputs");
        checkDims(source, op, op.inputShape, "input");
        op.in = op.out = op.inputShape;
        return;
    }
    if (op.kind == OpKind::Binary || readsOneTensor(op.kind)) {
        if (readsOneTensor(op.kind) && (inputShapes.size() != 1 || !op.sumTerms.empty()))
            fail(source, op, "takes exactly one input");
        if (op.kind == OpKind::Binary) {
            for (const Shape& s : inputShapes) checkDims(source, op, s, "input");
            op.out = broadcastShapes(source, op, inputShapes);
            op.in = inputShapes[0];
            op.in2 = inputShapes[1];
        } else {
            op.in = inputShapes.front();
            checkDims(source, op, op.in, "input");
            op.out = reshapeOutput(source, op, op.in);
        }
        op.termChannels = {op.in.c};
        checkDims(source, op, op.out, "output");
        return;
    }
    const Combine how = op.kind == OpKind::Concat                          ? Combine::Concat
                        : op.kind == OpKind::Add || op.kind == OpKind::Mul ? Combine::Sum
                                                                           : op.combine;
    const Shape in = op.sumTerms.empty() ? combineInputs(source, op, inputShapes, how)
                                         : combineTerms(source, op, inputShapes);
    checkDims(source, op, in, "input");
    op.in = in;
    if (op.sumTerms.empty()) {
        op.termChannels.clear();
        if (how == Combine::Concat)
            for (const Shape& s : inputShapes) op.termChannels.push_back(s.c);
        else
            op.termChannels.push_back(in.c);
    }
    switch (op.kind) {
    case OpKind::Input:
        break;
    case OpKind::Conv:
        checkOutChannels(source, op);
        if (op.groups <= 0) fail(source, op, "groups must be positive");
        if (in.c % op.groups != 0)
            fail(source, op,
                 "input channels " + std::to_string(in.c) + " not divisible by groups " +
                     std::to_string(op.groups));
        if (op.outChannels % op.groups != 0)
            fail(source, op,
                 "output channels " + std::to_string(op.outChannels) + " not divisible by groups " +
                     std::to_string(op.groups));
        checkWindow(source, op, in);
        checkWeights(source, op, double(op.outChannels) * (in.c / op.groups) * op.window.kh * op.window.kw);
        op.out = windowOutput(op.window, in, op.outChannels);
        break;
    case OpKind::SepConv:
        checkOutChannels(source, op);
        checkWindow(source, op, in);
        checkWeights(source, op, double(in.c) * op.window.kh * op.window.kw + double(op.outChannels) * in.c);
        op.out = windowOutput(op.window, in, op.outChannels);
        break;
    case OpKind::MaxPool:
    case OpKind::AvgPool:
        checkWindow(source, op, in);
        if (op.window.ph * 2 > op.window.kh || op.window.pw * 2 > op.window.kw)
            fail(source, op, "padding must be at most half the pooling window");
        op.out = windowOutput(op.window, in, in.c);
        break;
    case OpKind::GlobalAvgPool:
        op.out = {in.c, 1, 1};
        break;
    case OpKind::Activation:
    case OpKind::Concat:
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::Identity:
    case OpKind::Softmax:
    case OpKind::ScaleShift:
        op.out = in;
        break;
    case OpKind::Flatten:
        op.out = {static_cast<int>(in.elements()), 1, 1};
        break;
    case OpKind::FullyConnected:
        checkOutChannels(source, op);
        checkWeights(source, op, double(op.outChannels) * double(in.elements()));
        op.out = {op.outChannels, 1, 1};
        break;
    case OpKind::Slice:
    case OpKind::Pad:
    case OpKind::Resize:
    case OpKind::ChannelShuffle:
    case OpKind::Binary:
        break; // handled above
    case OpKind::Sequential: {
        if (op.body.empty()) fail(source, op, "sequential op has an empty body");
        Shape cur = in;
        for (size_t i = 0; i < op.body.size(); ++i) {
            Op& inner = op.body[i];
            if (inner.kind == OpKind::Input || inner.kind == OpKind::Sequential)
                fail(source, op,
                     "body op '" + inner.name + "' cannot be " + std::string(toString(inner.kind)));
            if (!inner.inputs.empty()) fail(source, op, "body op '" + inner.name + "' must not name inputs");
            inferShape(inner, {cur}, source);
            cur = inner.out;
        }
        op.out = cur;
        break;
    }
    }
    checkDims(source, op, op.out, "output");
    for (size_t i = inputShapes.size(); i < allInputShapes.size(); ++i)
        if (!(allInputShapes[i] == op.out))
            fail(source, op,
                 "residual input " + std::to_string(i) + " is " + allInputShapes[i].str() +
                     ", unlike the output " + op.out.str());
}

} // namespace ioscope
