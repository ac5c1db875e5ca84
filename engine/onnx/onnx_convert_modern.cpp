// Converters of the operators of modern torchvision/timm CNNs: Slice, Split, Pad, Resize,
// ReduceMean (spatial), HardSigmoid, HardSwish and the channel-shuffle Reshape/Transpose.
#include "graph/shape_inference.h"
#include "onnx/onnx_import_state.h"
#include "util/errors.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ioscope::onnximport {
namespace {

std::vector<std::int64_t> intsOf(const ConstTensor& t, const char* what) {
    if (!t.available)
        throw InputError(std::string(what) + " '" + t.name + "' lives in missing external data");
    if (t.integral) return t.ints;
    std::vector<std::int64_t> v;
    for (float f : t.floats()) v.push_back(static_cast<std::int64_t>(f));
    return v;
}

std::vector<std::int64_t> dimsOf(const ImportState& state, const Value& x) {
    const Shape s = state.shapeOf(x);
    return x.rank == 4 ? std::vector<std::int64_t>{state.fileBatch, s.c, s.h, s.w}
                       : std::vector<std::int64_t>{state.fileBatch, s.c};
}

int axisIn(std::int64_t axis, int rank) {
    const std::int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank)
        throw InputError("axis " + std::to_string(axis) + " is out of range for rank " +
                         std::to_string(rank));
    return static_cast<int>(a);
}

// A box over the value's (C, H, W) starting as the whole tensor.
SliceBox wholeBox(const Shape& s) {
    SliceBox b;
    b.c = s.c, b.h = s.h, b.w = s.w;
    return b;
}

// Narrows `box` along ONNX axis `axis` (1 = C, 2 = H, 3 = W) to [begin, begin + size*step).
void narrow(SliceBox& box, int axis, std::int64_t begin, std::int64_t size, std::int64_t step) {
    if (size <= 0) throw InputError("the slice is empty");
    if (axis == 1) {
        if (step != 1)
            throw InputError("channel slices with step " + std::to_string(step) + " are not supported");
        box.c0 += int(begin), box.c = int(size);
    } else if (axis == 2) {
        box.h0 += int(begin * box.sh), box.h = int(size), box.sh *= int(step);
    } else {
        box.w0 += int(begin * box.sw), box.w = int(size), box.sw *= int(step);
    }
}

void bindSlice(ImportState& state, const std::string& output, const std::string& name, const Value& x,
               const SliceBox& box) {
    const Shape s = state.shapeOf(x);
    if (box.c0 == 0 && box.h0 == 0 && box.w0 == 0 && box.c == s.c && box.h == s.h && box.w == s.w) {
        state.values[output] = x; // the whole tensor
        return;
    }
    Op op = newOp(name, OpKind::Slice, {x.op});
    op.slice = box;
    state.values[output] = {state.addOp(std::move(op)), x.rank, nullptr};
}

void convertSlice(ImportState& state, const onnx::NodeProto& node, const std::string& opName, int opset) {
    const Value x = opInput(state, node, 0); // a copy: binding outputs may rehash the value map
    std::vector<std::int64_t> starts, ends, axes, steps;
    if (opset < 10) {
        starts = intsAttribute(node, "starts"), ends = intsAttribute(node, "ends"),
        axes = intsAttribute(node, "axes");
    } else {
        const auto need = [&](int k, const char* what) {
            auto t = constInput(state, node, k, what);
            if (!t) throw InputError(std::string("input ") + what + " is missing");
            return intsOf(*t, what);
        };
        starts = need(1, "starts"), ends = need(2, "ends");
        if (auto t = constInput(state, node, 3, "axes")) axes = intsOf(*t, "axes");
        if (auto t = constInput(state, node, 4, "steps")) steps = intsOf(*t, "steps");
    }
    if (axes.empty())
        for (size_t k = 0; k < starts.size(); ++k) axes.push_back(std::int64_t(k));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
        throw InputError("starts, ends, axes and steps differ in length");
    const auto dims = dimsOf(state, x);
    SliceBox box = wholeBox(state.shapeOf(x));
    for (size_t k = 0; k < starts.size(); ++k) {
        const int a = axisIn(axes[k], x.rank);
        const std::int64_t d = dims[size_t(a)], step = steps[k];
        if (step <= 0) throw InputError("slices with step " + std::to_string(step) + " are not supported");
        const auto clampIdx = [d](std::int64_t v) {
            return std::clamp(v < 0 ? v + d : v, std::int64_t(0), d);
        };
        const std::int64_t b = clampIdx(starts[k]), e = clampIdx(ends[k]);
        const std::int64_t size = e > b ? (e - b + step - 1) / step : 0;
        if (a == 0) {
            if (b != 0 || e != d) throw InputError("slicing the batch axis is not supported");
            continue;
        }
        narrow(box, a, b, size, step);
    }
    if (node.output_size() != 1) throw InputError("needs exactly one output");
    bindSlice(state, node.output(0), opName, x, box);
}

void convertSplit(ImportState& state, const onnx::NodeProto& node, const std::string& opName, int opset) {
    const Value x = opInput(state, node, 0); // a copy: binding outputs may rehash the value map
    const int axis = axisIn(intAttribute(node, "axis", 0), x.rank);
    if (axis == 0) throw InputError("splitting the batch axis is not supported");
    const auto dims = dimsOf(state, x);
    const std::int64_t d = dims[size_t(axis)];
    std::vector<std::int64_t> sizes;
    if (opset >= 13) {
        if (auto t = constInput(state, node, 1, "split")) sizes = intsOf(*t, "split");
    } else {
        sizes = intsAttribute(node, "split");
    }
    const int outputs = node.output_size();
    if (outputs < 1) throw InputError("has no output");
    if (sizes.empty()) { // equal parts (the last one smaller when it does not divide)
        const std::int64_t part = (d + outputs - 1) / outputs;
        for (int k = 0; k < outputs; ++k) sizes.push_back(std::min(part, d - part * k));
    }
    if (int(sizes.size()) != outputs)
        throw InputError("split has " + std::to_string(sizes.size()) + " sizes for " +
                         std::to_string(outputs) + " outputs");
    std::int64_t total = 0; // each size within the axis, so the sum cannot overflow
    for (auto v : sizes) {
        if (v < 0 || v > d)
            throw InputError("split size " + std::to_string(v) + " is out of range (the axis has " +
                             std::to_string(d) + ")");
        total += v;
    }
    if (total != d)
        throw InputError("split sizes add up to " + std::to_string(total) + ", the axis has " +
                         std::to_string(d));
    // One Slice op per output: each is its own scheduling unit reading its part.
    std::int64_t begin = 0;
    for (int k = 0; k < outputs; ++k) {
        if (node.output(k).empty()) {
            begin += sizes[size_t(k)];
            continue;
        }
        SliceBox box = wholeBox(state.shapeOf(x));
        narrow(box, axis, begin, sizes[size_t(k)], 1);
        bindSlice(state, node.output(k), opName + "_" + std::to_string(k), x, box);
        begin += sizes[size_t(k)];
    }
}

void convertPad(ImportState& state, const onnx::NodeProto& node, const std::string& opName, int opset) {
    const Value& x = opInput(state, node, 0);
    if (x.rank != 4) throw InputError("needs a 4-D (N,C,H,W) input");
    const std::string mode = stringAttribute(node, "mode", "constant");
    std::vector<std::int64_t> pads;
    float value = 0.0f;
    if (opset < 11) {
        pads = intsAttribute(node, "pads");
        value = floatAttribute(node, "value", 0.0f);
    } else {
        auto t = constInput(state, node, 1, "pads");
        if (!t) throw InputError("input pads is missing");
        pads = intsOf(*t, "pads");
        if (auto v = constInput(state, node, 2, "constant_value")) {
            if (!v->available || v->numel() != 1)
                throw InputError("constant_value must be a scalar constant");
            value = v->integral ? float(v->ints[0]) : v->floats()[0];
        }
        if (hasInput(node, 3)) { // opset 18 axes: pads list only these axes
            auto a = constInput(state, node, 3, "axes");
            const auto axes = intsOf(*a, "axes");
            if (pads.size() != 2 * axes.size()) throw InputError("pads do not match axes");
            std::vector<std::int64_t> full(8, 0);
            for (size_t k = 0; k < axes.size(); ++k) {
                const int ax = axisIn(axes[k], 4);
                full[size_t(ax)] = pads[k], full[size_t(ax) + 4] = pads[k + axes.size()];
            }
            pads = full;
        }
    }
    if (pads.size() != 8) throw InputError("pads must have 8 values for a 4-D input");
    if (pads[0] || pads[1] || pads[4] || pads[5])
        throw InputError("padding the batch or channel axes is not supported");
    for (auto p : pads)
        if (p < -kMaxDim || p > kMaxDim) throw InputError("pad " + std::to_string(p) + " is out of range");
    PadSpec spec;
    spec.top = int(std::max<std::int64_t>(pads[2], 0)), spec.left = int(std::max<std::int64_t>(pads[3], 0));
    spec.bottom = int(std::max<std::int64_t>(pads[6], 0)),
    spec.right = int(std::max<std::int64_t>(pads[7], 0));
    spec.value = value;
    if (mode == "reflect")
        spec.mode = PadMode::Reflect;
    else if (mode != "constant")
        throw InputError("pad mode '" + mode + "' is not supported (constant and reflect are)");
    // Negative pads crop (timm's NASNet shifts a path by one pixel with ZeroPad2d(-1, 1, -1, 1)):
    // constant padding keeps its signed sides, one op (the GPU moves the data once); reflect
    // padding reads its mirror from the cropped map, so a slice comes first, then the padding.
    const Shape in = state.shapeOf(x);
    const std::int64_t cropTop = std::max<std::int64_t>(-pads[2], 0),
                       cropLeft = std::max<std::int64_t>(-pads[3], 0),
                       cropBottom = std::max<std::int64_t>(-pads[6], 0),
                       cropRight = std::max<std::int64_t>(-pads[7], 0);
    Value source = x;
    if (cropTop || cropLeft || cropBottom || cropRight) {
        if (cropTop + cropBottom >= in.h || cropLeft + cropRight >= in.w)
            throw InputError("negative pads crop the whole " + in.str() + " input");
    }
    if (spec.mode == PadMode::Constant) {
        spec.top = int(pads[2]), spec.left = int(pads[3]), spec.bottom = int(pads[6]),
        spec.right = int(pads[7]);
    } else if (cropTop || cropLeft || cropBottom || cropRight) {
        Op crop = newOp(opName + "_crop", OpKind::Slice, {x.op});
        crop.slice = SliceBox{0,
                              int(cropTop),
                              int(cropLeft),
                              in.c,
                              int(in.h - cropTop - cropBottom),
                              int(in.w - cropLeft - cropRight),
                              1,
                              1};
        source.op = state.addOp(std::move(crop));
    }
    if (!spec.top && !spec.left && !spec.bottom && !spec.right) return bindOutput(state, node, source);
    Op op = newOp(opName, OpKind::Pad, {source.op});
    op.pad = spec;
    bindOutput(state, node, {state.addOp(std::move(op)), 4, nullptr});
}

void convertResize(ImportState& state, const onnx::NodeProto& node, const std::string& opName, int opset) {
    const Value& x = opInput(state, node, 0);
    if (x.rank != 4) throw InputError("needs a 4-D (N,C,H,W) input");
    const Shape in = state.shapeOf(x);
    ResizeSpec r;
    const std::string mode = stringAttribute(node, "mode", "nearest");
    if (mode == "nearest")
        r.mode = ResizeMode::Nearest;
    else if (mode == "linear" || mode == "bilinear")
        r.mode = ResizeMode::Linear;
    else
        throw InputError("mode '" + mode + "' is not supported (nearest and linear are)");
    const std::string coord =
        stringAttribute(node, "coordinate_transformation_mode", opset < 11 ? "asymmetric" : "half_pixel");
    if (coord == "half_pixel")
        r.coord = ResizeCoord::HalfPixel;
    else if (coord == "pytorch_half_pixel")
        r.coord = ResizeCoord::PytorchHalfPixel;
    else if (coord == "asymmetric")
        r.coord = ResizeCoord::Asymmetric;
    else if (coord == "align_corners")
        r.coord = ResizeCoord::AlignCorners;
    else
        throw InputError("coordinate_transformation_mode '" + coord + "' is not supported");
    const std::string nearest = stringAttribute(node, "nearest_mode", "round_prefer_floor");
    if (nearest == "round_prefer_floor")
        r.round = NearestRound::RoundPreferFloor;
    else if (nearest == "round_prefer_ceil")
        r.round = NearestRound::RoundPreferCeil;
    else if (nearest == "floor")
        r.round = NearestRound::Floor;
    else if (nearest == "ceil")
        r.round = NearestRound::Ceil;
    else
        throw InputError("nearest_mode '" + nearest + "' is not supported");
    if (intAttribute(node, "antialias", 0) != 0) throw InputError("antialias=1 is not supported");
    // Sizes (opset 11+: input 3) or scales (input 2; opset 10: input 1).
    std::shared_ptr<const ConstTensor> sizes = opset >= 11 ? constInput(state, node, 3, "sizes") : nullptr;
    std::shared_ptr<const ConstTensor> scales = constInput(state, node, opset >= 11 ? 2 : 1, "scales");
    if (sizes && sizes->numel() > 0) {
        const auto s = intsOf(*sizes, "sizes");
        if (s.size() != 4 || s[1] != in.c || s[0] != state.fileBatch)
            throw InputError("sizes must be [N, C, H, W] with N and C unchanged");
        r.h = int(std::clamp<std::int64_t>(s[2], 0, kMaxDim + 1LL)),
        r.w = int(std::clamp<std::int64_t>(s[3], 0, kMaxDim + 1LL));
    } else if (scales && scales->numel() > 0) {
        if (!scales->available || scales->integral || scales->numel() != 4)
            throw InputError("scales must be 4 floats");
        const auto& f = scales->floats();
        if (f[0] != 1.0f || f[1] != 1.0f)
            throw InputError("only spatial scales are supported (N and C scale 1)");
        // ioscope maps coordinates with out/in; an exact output size keeps that equal to ONNX's scale.
        const double h = double(in.h) * f[2], w = double(in.w) * f[3];
        if (h != std::floor(h) || w != std::floor(w))
            throw InputError(
                "scales give a fractional output size; only scales with an integral output are supported");
        r.h = int(std::min(h, double(kMaxDim + 1))), r.w = int(std::min(w, double(kMaxDim + 1)));
    } else {
        throw InputError("needs constant sizes or scales");
    }
    if (r.h == in.h && r.w == in.w) return bindOutput(state, node, x);
    Op op = newOp(opName, OpKind::Resize, {x.op});
    op.resize = r;
    bindOutput(state, node, {state.addOp(std::move(op)), 4, nullptr});
}

// ReduceMean over H and W is a global average pool (keepdims=0: then flattened to (N, C)).
void convertReduceMean(ImportState& state, const onnx::NodeProto& node, const std::string& opName,
                       int opset) {
    const Value& x = opInput(state, node, 0);
    std::vector<std::int64_t> axes;
    if (opset >= 18) {
        if (auto t = constInput(state, node, 1, "axes")) axes = intsOf(*t, "axes");
    } else {
        axes = intsAttribute(node, "axes");
    }
    for (auto& a : axes) a = axisIn(a, x.rank);
    std::sort(axes.begin(), axes.end());
    if (x.rank != 4 || axes != std::vector<std::int64_t>{2, 3})
        throw InputError("only a mean over the spatial axes (2, 3) of a 4-D tensor is supported");
    const bool keep = intAttribute(node, "keepdims", 1) != 0;
    const int pooled = state.addOp(newOp(keep ? opName : opName + "_pool", OpKind::GlobalAvgPool, {x.op}));
    if (keep) return bindOutput(state, node, {pooled, 4, nullptr});
    bindOutput(state, node, {state.addOp(newOp(opName, OpKind::Flatten, {pooled})), 2, nullptr});
}

// Sums `parts` consecutive channel blocks of x (each `block` channels): r slices and one Add.
int sumChannelBlocks(ImportState& state, const std::string& opName, const Value& x, int parts, int block) {
    const Shape s = state.shapeOf(x);
    if (parts == 1) return x.op;
    std::vector<OpId> slices;
    for (int k = 0; k < parts; ++k) {
        Op slice = newOp(opName + "_radix" + std::to_string(k), OpKind::Slice, {x.op});
        slice.slice = SliceBox{k * block, 0, 0, block, s.h, s.w, 1, 1};
        slices.push_back(state.addOp(std::move(slice)));
    }
    return state.addOp(newOp(opName, OpKind::Add, slices));
}

// ReduceSum over axis 1 of the 5-D view (N, r, C/r, H, W) that split attention (ResNeSt) builds
// with Reshape: the sum of the r channel blocks, lowered exactly to r Slice ops and one Add.
void convertReduceSum(ImportState& state, const onnx::NodeProto& node, const std::string& opName, int opset) {
    if (!hasInput(node, 0)) throw InputError("input 0 is missing");
    const Value x = state.value(node.input(0)); // a copy: binding outputs may rehash the value map
    std::vector<std::int64_t> axes;
    if (opset >= 13) {
        if (auto t = constInput(state, node, 1, "axes")) axes = intsOf(*t, "axes");
    } else {
        axes = intsAttribute(node, "axes");
    }
    const int rank = x.dims.empty() ? x.rank : int(x.dims.size());
    for (auto& a : axes) a = axisIn(a, rank);
    std::sort(axes.begin(), axes.end());
    const bool keep = intAttribute(node, "keepdims", 1) != 0;
    if (x.isConstant() || x.dims.size() != 5 || x.shuffled || axes != std::vector<std::int64_t>{1})
        throw InputError("only a sum over axis 1 of a 5-D channel view (Reshape of N,C,H,W to N,r,C/r,H,W, "
                         "split attention's radix sum) is supported");
    const int parts = int(x.dims[1]), block = int(x.dims[2]);
    Value out{sumChannelBlocks(state, opName, x, parts, block), 4, nullptr};
    if (keep) out.dims = {x.dims[0], 1, x.dims[2], x.dims[3], x.dims[4]};
    bindOutput(state, node, out);
}

void convertActivationOp(ImportState& state, const onnx::NodeProto& node, const std::string& opName,
                         Activation act) {
    const Value& x = opInput(state, node, 0);
    Op op = newOp(opName, OpKind::Activation, {x.op});
    op.activation = act;
    bindOutput(state, node, {state.addOp(std::move(op)), x.rank, nullptr});
}

void convertTranspose(ImportState& state, const onnx::NodeProto& node) {
    if (!hasInput(node, 0)) throw InputError("input 0 is missing");
    const Value x = state.value(node.input(0));
    const auto perm = intsAttribute(node, "perm");
    if (x.dims.size() == 4 && perm == std::vector<std::int64_t>{0, 2, 1, 3}) { // split attention's radix view
        Value v = x;
        std::swap(v.dims[1], v.dims[2]);
        v.shuffled = !v.shuffled;
        return bindOutput(state, node, v);
    }
    if (x.dims.size() != 5 || perm != std::vector<std::int64_t>{0, 2, 1, 3, 4})
        throw InputError("only the channel-shuffle transpose (perm 0,2,1,3,4 of a 5-D view from Reshape) and "
                         "the radix view's (perm 0,2,1,3 of a 4-D view of channels) are supported");
    Value v = x;
    std::swap(v.dims[1], v.dims[2]);
    v.shuffled = !v.shuffled;
    bindOutput(state, node, v);
}

} // namespace

bool convertShuffleReshape(ImportState& state, const onnx::NodeProto& node, const std::string& opName,
                           const Value& x, const std::vector<std::int64_t>& target) {
    if (x.isConstant()) return false;
    const Shape s = state.shapeOf(x);
    const bool vector = s.h == 1 && s.w == 1; // (N, C) or (N, C, 1, 1)
    if (x.dims.empty() && vector && target.size() == 4 && target[0] == state.fileBatch) {
        if (target[1] == s.c && target[2] == 1 && target[3] == 1) { // (N, C) -> (N, C, 1, 1)
            if (x.rank == 4) return false;                          // the identity: the caller binds it
            return bindOutput(state, node, {x.op, 4, nullptr}), true;
        }
        // (N, C) or (N, C, 1, 1) -> (N, g, r, C/(g r)): split attention's radix softmax view.
        if (target[1] > 0 && target[2] > 0 && target[3] > 0 && target[1] * target[2] * target[3] == s.c) {
            Value v = x;
            v.dims = target;
            v.shuffled = false;
            return bindOutput(state, node, v), true;
        }
        return false;
    }
    if (x.dims.size() == 4) { // the radix view back to (N, C) or (N, C, 1, 1)
        const bool flat = target.size() == 2 && target[0] == state.fileBatch && target[1] == s.c;
        const bool spatial = target.size() == 4 && target[0] == state.fileBatch && target[1] == s.c &&
                             target[2] == 1 && target[3] == 1;
        if (!flat && !spatial)
            throw InputError("a 4-D view of channels can only be reshaped back to (N, C) or (N, C, 1, 1)");
        // After the transpose the view's order is the tensor's only if one swapped axis has size 1.
        if (x.shuffled && x.dims[1] != 1 && x.dims[2] != 1)
            throw InputError(
                "a transposed (N, r, g, C/(g r)) view with g > 1 (cardinality) is not supported");
        return bindOutput(state, node, {x.op, flat ? 2 : 4, nullptr}), true;
    }
    if (x.dims.empty()) { // 4-D -> (N, g, C/g, H, W)?
        if (x.rank != 4 || target.size() != 5 || target[0] != state.fileBatch || target[3] != s.h ||
            target[4] != s.w || target[1] <= 0 || target[1] * target[2] != s.c)
            return false;
        Value v = x;
        v.dims = target;
        v.shuffled = false;
        bindOutput(state, node, v);
        return true;
    }
    // The 5-D view back to (N, C, H, W).
    if (target.size() != 4 || target[0] != state.fileBatch || target[1] != s.c || target[2] != s.h ||
        target[3] != s.w)
        throw InputError("a 5-D view can only be reshaped back to its 4-D tensor");
    Value out = x;
    out.dims.clear();
    out.shuffled = false;
    if (!x.shuffled) return bindOutput(state, node, out), true;
    // The view read (N, C/g, g, H, W) after the transpose: groups g = dims[2].
    Op op = newOp(opName, OpKind::ChannelShuffle, {x.op});
    op.groups = static_cast<int>(x.dims[2]);
    out.op = state.addOp(std::move(op));
    bindOutput(state, node, out);
    return true;
}

bool convertViewSoftmax(ImportState& state, const onnx::NodeProto& node, const std::string& opName,
                        int opset) {
    if (!hasInput(node, 0)) return false;
    const Value x = state.value(node.input(0));
    if (x.isConstant() || x.dims.size() != 4) return false;
    const int axis = axisIn(intAttribute(node, "axis", opset < 13 ? 1 : -1), 4);
    if (opset < 13 && axis != 3)
        throw InputError("a softmax (opset < 13) over a 4-D view of channels is not supported");
    if (axis == 0) throw InputError("a softmax over the batch axis is not supported");
    // The stride of each view axis in the tensor's channels: row-major over the dims the Reshape
    // gave; the transpose (shuffled) swapped view axes 1 and 2.
    const std::int64_t C = state.shapeOf(x).c;
    std::int64_t d[4] = {x.dims[0], x.dims[1], x.dims[2], x.dims[3]}, stride[4] = {0, 0, 0, 1};
    if (!x.shuffled) {
        stride[2] = d[3], stride[1] = d[2] * d[3];
    } else { // view (N, e2, e1, c) of the reshaped (N, e1, e2, c)
        stride[1] = d[3], stride[2] = d[1] * d[3];
    }
    const std::int64_t r = d[axis];
    // Softmax across r blocks of C/r contiguous channels (split attention's radix softmax).
    if (stride[axis] * r != C) {
        if (x.shuffled && axis == 1 && d[2] > 1) // (N, r, g, C/(g r)) from (N, g, r, C/(g r))
            throw InputError("a radix softmax with cardinality " + std::to_string(d[2]) +
                             " is not supported (only cardinality 1)");
        throw InputError("a softmax over view axis " + std::to_string(axis) +
                         " is not supported: it is not a block of channels (split attention's radix axis)");
    }
    if (r != 2)
        throw InputError("a softmax across " + std::to_string(r) +
                         " channel blocks is not supported (2 are: sigmoids of the differences)");
    // softmax(a, b) = (sigmoid(a - b), sigmoid(b - a)): exact, with ops every executor has.
    const int block = int(C / 2);
    const Shape s = state.shapeOf(x);
    OpId part[2];
    for (int k = 0; k < 2; ++k) {
        Op slice = newOp(opName + "_block" + std::to_string(k), OpKind::Slice, {x.op});
        slice.slice = SliceBox{k * block, 0, 0, block, s.h, s.w, 1, 1};
        part[k] = state.addOp(std::move(slice));
    }
    std::vector<OpId> gates;
    for (int k = 0; k < 2; ++k) {
        Op diff = newOp(opName + "_diff" + std::to_string(k), OpKind::Binary, {part[k], part[1 - k]});
        diff.binary = BinaryFn::Sub;
        const OpId dk = state.addOp(std::move(diff));
        Op gate = newOp(opName + "_sigmoid" + std::to_string(k), OpKind::Activation, {dk});
        gate.activation = Activation::Sigmoid;
        gates.push_back(state.addOp(std::move(gate)));
    }
    Value out = x;
    out.op = state.addOp(newOp(opName, OpKind::Concat, gates));
    bindOutput(state, node, out); // the same view: each element stays where it was
    return true;
}

bool convertViewElementwise(ImportState& state, const onnx::NodeProto& node, const std::string& opName,
                            const std::string& type) {
    if (node.input_size() != 2 || !hasInput(node, 0) || !hasInput(node, 1)) return false;
    const Value a = state.value(node.input(0)), b = state.value(node.input(1));
    if (a.dims.empty() && b.dims.empty()) return false;
    // Two 5-D channel views (N, r, C/r, ...) with the same channel split: element-wise on the tensors
    // beneath (H and W broadcast as before), the result the same view.
    if (a.isConstant() || b.isConstant() || a.dims.size() != 5 || b.dims.size() != 5 || a.shuffled ||
        b.shuffled || a.dims[1] != b.dims[1] || a.dims[2] != b.dims[2])
        throw InputError("element-wise ops on 5-D views are supported only between two views (N, r, C/r, H, "
                         "W) of the same channel split");
    const Shape sa = state.shapeOf(a), sb = state.shapeOf(b);
    Value out = sa.h * sa.w >= sb.h * sb.w ? a : b;
    if (sa == sb && (type == "Add" || type == "Sum" || type == "Mul")) {
        out.op = state.addOp(newOp(opName, type == "Mul" ? OpKind::Mul : OpKind::Add, {a.op, b.op}));
    } else {
        Op op = newOp(opName, OpKind::Binary, {a.op, b.op});
        op.binary = type == "Sub"   ? BinaryFn::Sub
                    : type == "Div" ? BinaryFn::Div
                    : type == "Mul" ? BinaryFn::Mul
                                    : BinaryFn::Add;
        out.op = state.addOp(std::move(op));
    }
    bindOutput(state, node, out);
    return true;
}

bool convertModern(ImportState& state, const onnx::NodeProto& node, const std::string& opName, int opset) {
    const std::string& t = node.op_type();
    if (t == "Slice") return convertSlice(state, node, opName, opset), true;
    if (t == "Split") return convertSplit(state, node, opName, opset), true;
    if (t == "Pad") return convertPad(state, node, opName, opset), true;
    if (t == "Resize") return convertResize(state, node, opName, opset), true;
    if (t == "ReduceMean") return convertReduceMean(state, node, opName, opset), true;
    if (t == "ReduceSum") return convertReduceSum(state, node, opName, opset), true;
    if (t == "Transpose") return convertTranspose(state, node), true;
    if (t == "Cast") { // of a computed tensor: only to float, which it already is
        const Value& x = opInput(state, node, 0);
        if (intAttribute(node, "to", 0) != onnx::TensorProto::FLOAT)
            throw InputError("casting a computed tensor to element type " +
                             std::to_string(intAttribute(node, "to", 0)) + " is not supported (float is)");
        return bindOutput(state, node, x), true;
    }
    if (t == "HardSwish") return convertActivationOp(state, node, opName, Activation::HardSwish), true;
    if (t == "HardSigmoid") {
        const float alpha = floatAttribute(node, "alpha", 0.2f), beta = floatAttribute(node, "beta", 0.5f);
        if (std::fabs(alpha - 1.0f / 6.0f) > 1e-6f || beta != 0.5f)
            throw InputError("HardSigmoid(alpha " + std::to_string(alpha) + ", beta " + std::to_string(beta) +
                             ") is not supported: only PyTorch's (alpha 1/6, beta 0.5)");
        return convertActivationOp(state, node, opName, Activation::HardSigmoid), true;
    }
    return false;
}

} // namespace ioscope::onnximport
