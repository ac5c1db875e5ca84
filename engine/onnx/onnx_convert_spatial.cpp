// Converters of the spatial operators: Conv, BatchNormalization, MaxPool, AveragePool,
// GlobalAveragePool.
#include "graph/shape_inference.h"
#include "onnx/onnx_import_state.h"
#include "util/errors.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <limits>

namespace ioscope::onnximport {

bool hasInput(const onnx::NodeProto& node, int index) {
    return index < node.input_size() && !node.input(index).empty();
}

const Value& opInput(const ImportState& state, const onnx::NodeProto& node, int index) {
    if (!hasInput(node, index)) throw InputError("input " + std::to_string(index) + " is missing");
    const Value& v = state.value(node.input(index));
    if (v.isConstant())
        throw InputError("input '" + node.input(index) +
                         "' is a constant; only computed tensors are supported there");
    if (v.dims.size() == 4)
        throw InputError("input '" + node.input(index) +
                         "' is a 4-D view of channels (Reshape of N,C to N,g,r,C/(g r)); only split "
                         "attention's radix softmax (Transpose 0,2,1,3, Softmax, Reshape back) is "
                         "supported on it");
    if (!v.dims.empty())
        throw InputError("input '" + node.input(index) +
                         "' is a 5-D view; only the channel-shuffle pattern (Reshape to N,g,C/g,H,W, "
                         "Transpose 0,2,1,3,4, Reshape back) is supported on it");
    return v;
}

std::shared_ptr<const ConstTensor> constInput(const ImportState& state, const onnx::NodeProto& node,
                                              int index, const char* what) {
    if (!hasInput(node, index)) return nullptr;
    const Value& v = state.value(node.input(index));
    if (!v.isConstant())
        throw InputError(std::string(what) + " '" + node.input(index) +
                         "' is computed at run time; it must be an initializer or a Constant");
    return v.constant;
}

void bindOutput(ImportState& state, const onnx::NodeProto& node, Value value) {
    if (node.output_size() < 1 || node.output(0).empty()) throw InputError("has no output");
    for (int i = 1; i < node.output_size(); ++i)
        if (!node.output(i).empty())
            throw InputError("optional output '" + node.output(i) +
                             "' (training or index outputs) is not supported");
    state.values[node.output(0)] = std::move(value);
}

Op newOp(const std::string& name, OpKind kind, std::vector<OpId> inputs) {
    Op op;
    op.name = name;
    op.kind = kind;
    op.inputs = std::move(inputs);
    return op;
}

namespace {

const Value& spatialInput(const ImportState& state, const onnx::NodeProto& node) {
    const Value& x = opInput(state, node, 0);
    if (x.rank != 4) throw InputError("needs a 4-D (N,C,H,W) input, got rank " + std::to_string(x.rank));
    return x;
}

std::vector<float> floatsOf(const ConstTensor& t, const char* what) {
    if (t.integral) throw InputError(std::string(what) + " '" + t.name + "' must hold floating-point values");
    return t.floatsCopy();
}

} // namespace

void convertConv(ImportState& state, const onnx::NodeProto& node, const std::string& opName) {
    const Value& x = spatialInput(state, node);
    const Shape in = state.shapeOf(x);
    const auto w = constInput(state, node, 1, "weight");
    if (!w) throw InputError("input 1 (weight) is missing");
    const auto b = constInput(state, node, 2, "bias");
    if (w->dims.size() != 4)
        throw InputError("weight '" + w->name + "' has dims " + w->dimsString() +
                         ", expected [M, C/group, kH, kW]");
    const std::int64_t group = intAttribute(node, "group", 1);
    if (group <= 0 || group > in.c) throw InputError("group " + std::to_string(group) + " is out of range");
    if (w->dims[1] * group != in.c)
        throw InputError("weight '" + w->name + "' dims " + w->dimsString() + " do not fit " +
                         std::to_string(in.c) + " input channels in " + std::to_string(group) + " groups");
    for (int i : {0, 2, 3})
        if (w->dims[static_cast<size_t>(i)] <= 0 || w->dims[static_cast<size_t>(i)] > kMaxDim)
            throw InputError("weight '" + w->name + "' dims " + w->dimsString() + " are out of range");
    if (b && (b->dims.size() != 1 || b->dims[0] != w->dims[0]))
        throw InputError("bias '" + b->name + "' has dims " + b->dimsString() + ", expected [" +
                         std::to_string(w->dims[0]) + "]");
    Op op = newOp(opName, OpKind::Conv, {x.op});
    op.outChannels = static_cast<int>(w->dims[0]);
    op.groups = static_cast<int>(group);
    op.bias = b != nullptr;
    const auto kernel = intsAttribute(node, "kernel_shape");
    if (!kernel.empty() && (kernel.size() != 2 || kernel[0] != w->dims[2] || kernel[1] != w->dims[3]))
        throw InputError("kernel_shape disagrees with weight dims " + w->dimsString());
    PadSpec remainder;
    op.window = windowFromAttributes(node, in, static_cast<int>(w->dims[2]), static_cast<int>(w->dims[3]),
                                     false, &remainder);
    if (remainder.top || remainder.left || remainder.bottom || remainder.right) {
        // Uneven padding: an explicit Pad op (zeros) before the conv, which pads evenly.
        Op padOp = newOp(opName + "_pad", OpKind::Pad, {x.op});
        padOp.pad = remainder;
        op.inputs = {state.addOp(std::move(padOp))};
    }
    if (w->available && (!b || b->available)) {
        auto weights = std::make_shared<Weights>();
        weights->kernel = floatsOf(*w, "weight");
        if (b) weights->bias = floatsOf(*b, "bias");
        op.weights = std::move(weights);
    }
    bindOutput(state, node, {state.addOp(std::move(op)), 4, nullptr});
}

void convertBatchNorm(ImportState& state, const onnx::NodeProto& node, const std::string& opName) {
    const Value& x = opInput(state, node, 0);
    const int channels = state.shapeOf(x).c;
    if (intAttribute(node, "training_mode", 0) != 0) throw InputError("training_mode=1 is not supported");
    const char* names[4] = {"scale", "B", "mean", "var"};
    std::shared_ptr<const ConstTensor> params[4];
    bool available = true;
    for (int i = 0; i < 4; ++i) {
        params[i] = constInput(state, node, i + 1, names[i]);
        if (!params[i]) throw InputError(std::string("input ") + names[i] + " is missing");
        if (params[i]->numel() != channels || params[i]->dims.size() != 1)
            throw InputError(std::string(names[i]) + " '" + params[i]->name + "' has dims " +
                             params[i]->dimsString() + ", expected [" + std::to_string(channels) + "]");
        available = available && params[i]->available;
    }
    const float eps = floatAttribute(node, "epsilon", 1e-5f);
    Op op = newOp(opName, OpKind::ScaleShift, {x.op});
    if (available) {
        // y = (x - mean) / sqrt(var + eps) * scale + B  ==  x * s + (B - mean * s)
        auto weights = std::make_shared<Weights>();
        const auto scale = floatsOf(*params[0], "scale"), shift = floatsOf(*params[1], "B"),
                   mean = floatsOf(*params[2], "mean"), var = floatsOf(*params[3], "var");
        for (int c = 0; c < channels; ++c) {
            const size_t i = static_cast<size_t>(c);
            const float s = scale[i] / std::sqrt(var[i] + eps);
            weights->kernel.push_back(s);
            weights->bias.push_back(shift[i] - mean[i] * s);
        }
        op.weights = std::move(weights);
    }
    bindOutput(state, node, {state.addOp(std::move(op), true), x.rank, nullptr});
}

void convertPool(ImportState& state, const onnx::NodeProto& node, const std::string& opName, OpKind kind) {
    const Value& x = spatialInput(state, node);
    Op op = newOp(opName, kind, {x.op});
    // A pool pads ONNX's begin and gets the end padding that gives ONNX's output size (Window::eh,
    // ew; a ceil-mode overhang, uneven pads): an average's mean is over the in-bounds taps (ONNX's
    // count_include_pad=0), a maximum never picks padding. Only a max pool with a window wholly in
    // the padding (no in-bounds tap, where ONNX gives -infinity) keeps an explicit Pad op of
    // -infinity for what its window cannot pad evenly.
    PadSpec remainder, pads;
    remainder.value = -std::numeric_limits<float>::infinity();
    const Shape in = state.shapeOf(x);
    op.window = windowFromAttributes(node, in, 0, 0, true, nullptr, &pads);
    if (kind == OpKind::MaxPool && (op.window.eh || op.window.ew)) {
        const Window& w = op.window;
        const long long outH = (in.h + 2LL * w.ph + w.eh - ((w.kh - 1LL) * w.dh + 1)) / w.sh + 1,
                        outW = (in.w + 2LL * w.pw + w.ew - ((w.kw - 1LL) * w.dw + 1)) / w.sw + 1;
        if ((outH - 1) * w.sh - w.ph >= in.h || (outW - 1) * w.sw - w.pw >= in.w)
            op.window = windowFromAttributes(node, in, 0, 0, true, &remainder, &pads);
    }
    if (remainder.top || remainder.left || remainder.bottom || remainder.right) {
        Op padOp = newOp(opName + "_pad", OpKind::Pad, {x.op});
        padOp.pad = remainder;
        op.inputs = {state.addOp(std::move(padOp))};
    }
    if (kind == OpKind::AvgPool) op.countIncludePad = intAttribute(node, "count_include_pad", 0) != 0;
    Window& w = op.window;
    if (op.countIncludePad && (w.eh || w.ew || pads.top != pads.bottom || pads.left != pads.right)) {
        // count_include_pad=1 divides by the taps inside ONNX's padded input (begin and end pads
        // as given; a ceil-mode window running past them is clipped): the padding becomes explicit
        // zeros and the pool averages the in-bounds taps of the padded tensor.
        const int effH = (w.kh - 1) * w.dh + 1, effW = (w.kw - 1) * w.dw + 1;
        const int outH = (in.h + 2 * w.ph + w.eh - effH) / w.sh + 1,
                  outW = (in.w + 2 * w.pw + w.ew - effW) / w.sw + 1;
        if (pads.top || pads.left || pads.bottom || pads.right) {
            Op padOp = newOp(opName + "_pad", OpKind::Pad, {x.op});
            padOp.pad = PadSpec{pads.top, pads.left, pads.bottom, pads.right, PadMode::Constant, 0.0f};
            op.inputs = {state.addOp(std::move(padOp))};
        }
        const int paddedH = in.h + pads.top + pads.bottom, paddedW = in.w + pads.left + pads.right;
        w.ph = w.pw = 0;
        w.eh = (outH - 1) * w.sh + effH - paddedH, w.ew = (outW - 1) * w.sw + effW - paddedW;
        if ((paddedH - effH) / w.sh + 1 == outH) w.eh = 0; // the plain window already gives ONNX's size
        if ((paddedW - effW) / w.sw + 1 == outW) w.ew = 0;
        op.countIncludePad = false;
    }
    if (kind == OpKind::MaxPool && intAttribute(node, "storage_order", 0) != 0 && node.output_size() > 1)
        throw InputError("storage_order for the indices output is not supported");
    bindOutput(state, node, {state.addOp(std::move(op)), 4, nullptr});
}

void convertGlobalAvgPool(ImportState& state, const onnx::NodeProto& node, const std::string& opName) {
    const Value& x = spatialInput(state, node);
    bindOutput(state, node, {state.addOp(newOp(opName, OpKind::GlobalAvgPool, {x.op})), 4, nullptr});
}

} // namespace ioscope::onnximport
