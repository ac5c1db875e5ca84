#pragma once
// A small graph with every kind of issue #13 (slice, pad, resize, channel shuffle, broadcasting
// binary ops, hardsigmoid/hardswish/silu): a squeeze-excite gate, a split into two branches, a
// TF-"same" pad before a strided conv, an upsampling path. Shared by the CPU and GPU tests.
#include "graph/graph.h"

#include <string>
#include <vector>

namespace moderntest {

using namespace ioscope;

inline Op op(const std::string& name, OpKind kind, std::vector<OpId> inputs) {
    Op o;
    o.name = name;
    o.kind = kind;
    o.inputs = std::move(inputs);
    return o;
}

inline Op conv(const std::string& name, OpId in, int out, int k, int stride = 1, int pad = -1,
               Activation act = Activation::None) {
    Op o = op(name, OpKind::Conv, {in});
    o.outChannels = out;
    const int p = pad < 0 ? k / 2 : pad;
    o.window = Window{k, k, stride, stride, p, p, 1, 1};
    o.activation = act;
    return o;
}

inline Op activation(const std::string& name, OpId in, Activation a) {
    Op o = op(name, OpKind::Activation, {in});
    o.activation = a;
    return o;
}

inline Graph modernKindsGraph() {
    Graph g("modern_kinds");
    const OpId x = g.addInput("input", {8, 10, 12});
    const OpId stem = g.addOp(conv("stem", x, 16, 3));
    const OpId hs = g.addOp(activation("hardswish", stem, Activation::HardSwish));
    // Squeeze-excite: pool -> conv -> hardsigmoid gate -> broadcast multiply.
    const OpId pool = g.addOp(op("se_pool", OpKind::GlobalAvgPool, {hs}));
    const OpId fc = g.addOp(conv("se_conv", pool, 16, 1, 1, 0, Activation::Relu));
    const OpId gate = g.addOp(activation("se_gate", fc, Activation::HardSigmoid));
    Op mul = op("se_mul", OpKind::Binary, {hs, gate});
    mul.binary = BinaryFn::Mul;
    const OpId se = g.addOp(mul);
    // Split into two channel halves (slices), shuffled back together.
    Op a = op("split_a", OpKind::Slice, {se});
    a.slice = SliceBox{0, 0, 0, 8, 10, 12, 1, 1};
    const OpId sa = g.addOp(a);
    Op b = op("split_b", OpKind::Slice, {se});
    b.slice = SliceBox{8, 0, 0, 8, 10, 12, 1, 1};
    const OpId sb = g.addOp(b);
    const OpId silu = g.addOp(activation("silu", g.addOp(conv("branch_b", sb, 8, 3)), Activation::Silu));
    const OpId cat = g.addOp(op("concat", OpKind::Concat, {sa, silu}));
    Op shuffle = op("shuffle", OpKind::ChannelShuffle, {cat});
    shuffle.groups = 2;
    const OpId sh = g.addOp(shuffle);
    // TF "same" padding of a stride-2 conv: one row and column after.
    Op pad = op("same_pad", OpKind::Pad, {sh});
    pad.pad = PadSpec{0, 0, 1, 1, PadMode::Constant, 0.0f};
    const OpId down = g.addOp(conv("down", g.addOp(pad), 16, 3, 2, 0, Activation::Relu6));
    // Upsample back (bilinear, half-pixel) and combine: subtract, divide by a positive gate.
    Op up = op("upsample", OpKind::Resize, {down});
    up.resize = ResizeSpec{ResizeMode::Linear, ResizeCoord::HalfPixel, NearestRound::Floor, 10, 12};
    const OpId upId = g.addOp(up);
    Op sub = op("sub", OpKind::Binary, {sh, upId});
    sub.binary = BinaryFn::Sub;
    const OpId subId = g.addOp(sub);
    const OpId sig = g.addOp(activation("sigmoid", pool, Activation::Sigmoid));
    Op div = op("div", OpKind::Binary, {subId, sig});
    div.binary = BinaryFn::Div;
    const OpId divId = g.addOp(div);
    // Reflect padding and a nearest upsample of a slice with a spatial stride.
    Op reflect = op("reflect_pad", OpKind::Pad, {divId});
    reflect.pad = PadSpec{1, 2, 2, 1, PadMode::Reflect, 0.0f};
    const OpId rp = g.addOp(reflect);
    Op strided = op("strided_slice", OpKind::Slice, {rp});
    strided.slice = SliceBox{2, 1, 1, 12, 6, 7, 2, 2};
    const OpId ss = g.addOp(strided);
    Op nearest = op("nearest", OpKind::Resize, {ss});
    nearest.resize = ResizeSpec{ResizeMode::Nearest, ResizeCoord::Asymmetric, NearestRound::Floor, 12, 14};
    const OpId nn = g.addOp(nearest);
    Op add = op("add_broadcast", OpKind::Binary,
                {nn, g.addOp(conv("bias_map", pool, 12, 1, 1, 0, Activation::LeakyRelu))});
    add.binary = BinaryFn::Add;
    add.activation = Activation::Relu;
    g.addOp(add);
    g.finalize();
    return g;
}

} // namespace moderntest
