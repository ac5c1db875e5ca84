// Attribute helpers, spatial windows and the import state's bookkeeping.
#include "graph/shape_inference.h"
#include "onnx/onnx_import_state.h"
#include "util/errors.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>

namespace ioscope::onnximport {

int ImportState::addOp(Op op, bool foldableScaleShift) {
    std::vector<Shape> shapes;
    for (OpId in : op.inputs) shapes.push_back(ops[static_cast<size_t>(in)].out);
    inferShape(op, shapes, {});
    ops.push_back(std::move(op));
    foldable.push_back(foldableScaleShift);
    return static_cast<int>(ops.size()) - 1;
}

const Value& ImportState::value(const std::string& tensor) const {
    const auto it = values.find(tensor);
    if (it == values.end()) throw InputError("input '" + tensor + "' is not defined");
    return it->second;
}

const onnx::AttributeProto* findAttribute(const onnx::NodeProto& node, const std::string& name) {
    for (const auto& a : node.attribute())
        if (a.name() == name) return &a;
    return nullptr;
}

namespace {
const onnx::AttributeProto* typed(const onnx::NodeProto& node, const std::string& name,
                                  onnx::AttributeProto::AttributeType type, const char* what) {
    const auto* a = findAttribute(node, name);
    if (a && a->type() != type && a->type() != onnx::AttributeProto::UNDEFINED)
        throw InputError("attribute '" + name + "' must be " + what);
    return a;
}
} // namespace

std::int64_t intAttribute(const onnx::NodeProto& node, const std::string& name, std::int64_t fallback) {
    const auto* a = typed(node, name, onnx::AttributeProto::INT, "an int");
    return a ? a->i() : fallback;
}

float floatAttribute(const onnx::NodeProto& node, const std::string& name, float fallback) {
    const auto* a = typed(node, name, onnx::AttributeProto::FLOAT, "a float");
    return a ? a->f() : fallback;
}

std::vector<std::int64_t> intsAttribute(const onnx::NodeProto& node, const std::string& name) {
    const auto* a = typed(node, name, onnx::AttributeProto::INTS, "a list of ints");
    if (!a) return {};
    return {a->ints().begin(), a->ints().end()};
}

std::string stringAttribute(const onnx::NodeProto& node, const std::string& name,
                            const std::string& fallback) {
    const auto* a = typed(node, name, onnx::AttributeProto::STRING, "a string");
    return a ? a->s() : fallback;
}

namespace {

struct Axis {
    int padBegin = 0, padEnd = 0; // ONNX pads (auto_pad resolved)
    int out = 0;                  // ONNX output size
};

int checkedInt(std::int64_t v, const char* what) {
    if (v < 0 || v > kMaxDim)
        throw InputError(std::string(what) + " " + std::to_string(v) + " is out of range");
    return static_cast<int>(v);
}

Axis resolveAxis(int size, int k, int s, int d, int padBegin, int padEnd, const std::string& autoPad,
                 bool ceil) {
    const long long eff = (long long)(k - 1) * d + 1;
    Axis a;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
        a.out = (size + s - 1) / s;
        const long long total = std::max(0LL, (long long)(a.out - 1) * s + eff - size);
        if (total > 2LL * kMaxDim)
            throw InputError("SAME padding of " + std::to_string(total) + " (kernel extent " +
                             std::to_string(eff) + ") is out of range");
        a.padBegin = static_cast<int>(autoPad == "SAME_UPPER" ? total / 2 : total - total / 2);
        a.padEnd = static_cast<int>(total - a.padBegin);
        return a;
    }
    if (autoPad == "VALID")
        padBegin = padEnd = 0;
    else if (autoPad != "NOTSET" && !autoPad.empty())
        throw InputError("auto_pad '" + autoPad + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
    const long long span = (long long)size + padBegin + padEnd - eff;
    if (span < 0)
        throw InputError("kernel extent " + std::to_string(eff) + " exceeds the padded input " +
                         std::to_string(size + padBegin + padEnd));
    long long out = (ceil ? (span + s - 1) / s : span / s) + 1;
    if (ceil && (out - 1) * s >= (long long)size + padBegin) --out; // the last window must start inside
    a.out = static_cast<int>(out);
    a.padBegin = padBegin;
    a.padEnd = padEnd;
    return a;
}

long long outWithSymmetric(int size, int k, int s, int d, int p) {
    return ((long long)size + 2LL * p - ((long long)(k - 1) * d + 1)) / s + 1;
}

} // namespace

Window windowFromAttributes(const onnx::NodeProto& node, const Shape& in, int kh, int kw, bool isPool,
                            PadSpec* remainder, PadSpec* onnxPads) {
    const auto kernel = intsAttribute(node, "kernel_shape");
    if (!kernel.empty()) {
        if (kernel.size() != 2)
            throw InputError("only 2-D kernels are supported (kernel_shape has " +
                             std::to_string(kernel.size()) + " values)");
        kh = checkedInt(kernel[0], "kernel"), kw = checkedInt(kernel[1], "kernel");
    }
    if (kh <= 0 || kw <= 0) throw InputError("kernel_shape is missing or not positive");
    auto strides = intsAttribute(node, "strides"), dilations = intsAttribute(node, "dilations"),
         pads = intsAttribute(node, "pads");
    if (strides.empty()) strides = {1, 1};
    if (dilations.empty()) dilations = {1, 1};
    if (pads.empty()) pads = {0, 0, 0, 0};
    if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
        throw InputError("strides, dilations and pads must describe 2 spatial axes");
    Window w;
    w.kh = kh, w.kw = kw;
    w.sh = checkedInt(strides[0], "stride"), w.sw = checkedInt(strides[1], "stride");
    w.dh = checkedInt(dilations[0], "dilation"), w.dw = checkedInt(dilations[1], "dilation");
    if (w.sh == 0 || w.sw == 0 || w.dh == 0 || w.dw == 0)
        throw InputError("strides and dilations must be positive");
    const std::string autoPad = stringAttribute(node, "auto_pad", "NOTSET");
    const bool ceil = isPool && intAttribute(node, "ceil_mode", 0) != 0;
    int* sym[2] = {&w.ph, &w.pw};
    const int sizes[2] = {in.h, in.w}, ks[2] = {kh, kw}, ss[2] = {w.sh, w.sw}, ds[2] = {w.dh, w.dw};
    for (int i = 0; i < 2; ++i) {
        const Axis a =
            resolveAxis(sizes[i], ks[i], ss[i], ds[i], checkedInt(pads[static_cast<size_t>(i)], "pad"),
                        checkedInt(pads[static_cast<size_t>(i + 2)], "pad"), autoPad, ceil);
        if (onnxPads) {
            (i == 0 ? onnxPads->top : onnxPads->left) = a.padBegin;
            (i == 0 ? onnxPads->bottom : onnxPads->right) = a.padEnd;
        }
        // Symmetric padding `padBegin` is exact when it gives ONNX's output size: every window
        // then starts where ONNX's does and only padding lies beyond the input.
        if (outWithSymmetric(sizes[i], ks[i], ss[i], ds[i], a.padBegin) == a.out) {
            *sym[i] = a.padBegin;
            continue;
        }
        if (remainder) {
            // The even part in the window, the rest explicit: the same windows as ONNX's. The end
            // side pads what the last window covers (a ceil-mode pool's overhang included).
            const long long covered = (long long)(a.out - 1) * ss[i] + ((long long)(ks[i] - 1) * ds[i] + 1);
            const int end = static_cast<int>(std::max(0LL, covered - sizes[i] - a.padBegin));
            const int even = std::min(a.padBegin, end);
            *sym[i] = even;
            (i == 0 ? remainder->top : remainder->left) = a.padBegin - even;
            (i == 0 ? remainder->bottom : remainder->right) = end - even;
            continue;
        }
        if (!isPool)
            throw InputError("asymmetric padding (begin " + std::to_string(a.padBegin) + ", end " +
                             std::to_string(a.padEnd) + " on axis " + std::to_string(i + 2) +
                             ") is not supported: the IR pads convolutions symmetrically");
        // Pools: windows start where ONNX's do (padBegin) and the end padding gives ONNX's output
        // size (a ceil-mode overhang, uneven pads). Exact while a mean is over in-bounds taps and
        // a maximum has one; convertPool writes counted padding as a Pad op.
        *sym[i] = a.padBegin;
        const long long eff = (long long)(ks[i] - 1) * ds[i] + 1;
        (i == 0 ? w.eh : w.ew) =
            static_cast<int>((long long)(a.out - 1) * ss[i] + eff - sizes[i] - 2LL * a.padBegin);
    }
    return w;
}

} // namespace ioscope::onnximport
