#pragma once
// Small graphs for the GPU runtime tests: every op kind, and a block whose convolutions can be
// merged and run concurrently. Shared by tst_gpu_*.cpp.
#include "graph/graph.h"

#include <string>
#include <vector>

namespace gputest {

using namespace ioscope;

inline Op makeOp(const std::string& name, OpKind kind, std::vector<OpId> inputs) {
    Op op;
    op.name = name;
    op.kind = kind;
    op.inputs = std::move(inputs);
    return op;
}

inline Op makeConv(const std::string& name, OpId in, int out, int k, int stride = 1,
                   Activation act = Activation::Relu, int groups = 1) {
    Op op = makeOp(name, OpKind::Conv, {in});
    op.outChannels = out;
    op.window = Window{k, k, stride, stride, k / 2, k / 2, 1, 1};
    op.activation = act;
    op.groups = groups;
    return op;
}

// Every op kind, with many network outputs so each kind's result is compared on its own.
inline Graph everyKindGraph() {
    Graph g("every_kind");
    const OpId x = g.addInput("input", {8, 12, 12});
    const OpId c1 = g.addOp(makeConv("conv_relu", x, 16, 3));
    const OpId c2 = g.addOp(makeConv("conv_sigmoid_grouped", x, 8, 3, 1, Activation::Sigmoid, 4));
    Op c3 = makeConv("conv_strided_nobias", x, 8, 5, 2, Activation::None);
    c3.bias = false;
    const OpId s2 = g.addOp(c3);
    Op sep = makeOp("sepconv", OpKind::SepConv, {c1});
    sep.outChannels = 12;
    sep.window = Window{3, 3, 1, 1, 1, 1, 1, 1};
    sep.preRelu = true;
    sep.activation = Activation::Tanh;
    const OpId sp = g.addOp(sep);
    Op mp = makeOp("maxpool", OpKind::MaxPool, {c1});
    mp.window = Window{3, 3, 2, 2, 1, 1, 1, 1};
    g.addOp(mp);
    Op ap = makeOp("avgpool_excl", OpKind::AvgPool, {c2});
    ap.window = Window{3, 3, 1, 1, 1, 1, 1, 1};
    const OpId apid = g.addOp(ap);
    Op ap2 = makeOp("avgpool_incl", OpKind::AvgPool, {c2});
    ap2.window = Window{3, 3, 2, 2, 1, 1, 1, 1};
    ap2.countIncludePad = true;
    g.addOp(ap2);
    Op mp1 = makeOp("maxpool_s1", OpKind::MaxPool, {c1}); // the sliding 3-row pool kernel
    mp1.window = Window{3, 3, 1, 1, 1, 1, 1, 1};
    g.addOp(mp1);
    Op act = makeOp("relu6", OpKind::Activation, {c1});
    act.activation = Activation::Relu6;
    const OpId r6 = g.addOp(act);
    const OpId add = g.addOp(makeOp("add", OpKind::Add, {c1, r6}));
    g.addOp(makeOp("mul", OpKind::Mul, {c2, apid}));
    const OpId cat = g.addOp(makeOp("concat", OpKind::Concat, {sp, add, c2}));
    Op idc = makeOp("identity_concat", OpKind::Identity, {c1, c2});
    idc.combine = Combine::Concat;
    g.addOp(idc);
    Op cc = makeConv("conv_concat_input", x, 6, 1, 1, Activation::Relu);
    cc.inputs = {c1, c2};
    cc.combine = Combine::Concat;
    g.addOp(cc);
    Op cs = makeConv("conv_sum_input", x, 6, 3, 1, Activation::None);
    cs.inputs = {c1, add};
    g.addOp(cs);
    Op summedPool = makeOp("avgpool_summed_nopad", OpKind::AvgPool, {c1, add}); // inputs summed on load
    summedPool.window = Window{3, 3, 1, 1, 0, 0, 1, 1};
    g.addOp(summedPool);
    Op terms = makeOp("identity_terms", OpKind::Identity, {c1, add, c2});
    terms.sumTerms = {2, 1};
    g.addOp(terms);
    Op ss = makeOp("scaleshift", OpKind::ScaleShift, {cat});
    const OpId ssid = g.addOp(ss);
    Op seq = makeOp("sequential", OpKind::Sequential, {ssid});
    seq.body.push_back(makeConv("inner_conv", -1, 10, 3, 1, Activation::Relu));
    seq.body.back().inputs.clear();
    Op inner = makeOp("inner_act", OpKind::Activation, {});
    inner.activation = Activation::Tanh;
    seq.body.push_back(inner);
    const OpId sq = g.addOp(seq);
    const OpId gap = g.addOp(makeOp("gap", OpKind::GlobalAvgPool, {sq}));
    const OpId fl = g.addOp(makeOp("flatten", OpKind::Flatten, {s2}));
    Op fc = makeOp("fc", OpKind::FullyConnected, {fl});
    fc.outChannels = 10;
    fc.activation = Activation::None;
    const OpId fcid = g.addOp(fc);
    g.addOp(makeOp("softmax", OpKind::Softmax, {fcid}));
    Op fc2 = makeOp("fc_gap", OpKind::FullyConnected, {gap});
    fc2.outChannels = 5;
    fc2.activation = Activation::Relu;
    g.addOp(fc2);
    g.finalize("every_kind");
    return g;
}

// An inception-like block: four branches on one input (three mergeable convs), joined by a
// concat, then a head.
inline Graph branchyGraph(int channels = 32, int hw = 17) {
    Graph g("branchy");
    const OpId x = g.addInput("input", {channels, hw, hw});
    const OpId stem = g.addOp(makeConv("stem", x, channels, 3));
    const OpId a = g.addOp(makeConv("b1_1x1", stem, 24, 1));
    const OpId b = g.addOp(makeConv("b2_3x3", stem, 16, 3));
    const OpId c = g.addOp(makeConv("b3_5x5", stem, 8, 5));
    const OpId c2 = g.addOp(makeConv("b3_3x3", c, 8, 3));
    Op pool = makeOp("b4_pool", OpKind::MaxPool, {stem});
    pool.window = Window{3, 3, 1, 1, 1, 1, 1, 1};
    const OpId p = g.addOp(pool);
    const OpId p2 = g.addOp(makeConv("b4_1x1", p, 8, 1));
    const OpId cat = g.addOp(makeOp("concat", OpKind::Concat, {a, b, c2, p2}));
    g.addOp(makeConv("head", cat, 16, 3));
    g.finalize("branchy");
    return g;
}

// Every fusion pattern of graph/fusion.h (as written; fuseForRuntime folds them): a ResNet block
// (conv + add + ReLU), a residual with no activation, a residual under a sigmoid, a pool plus a
// residual, a separable conv summing its inputs plus a residual, a depthwise conv, ReLUs shared by
// sequential units, a batch norm + ReLU that cannot fold (pre-activation), branch sums inside an
// identity's terms, and a head with a flatten of a spatial map.
inline Graph fusionPatternGraph(int channels = 16, int hw = 10) {
    Graph g("fusion_patterns");
    const OpId x = g.addInput("input", {channels, hw, hw});
    const OpId stem = g.addOp(makeConv("stem", x, 32, 3));
    const OpId a = g.addOp(makeConv("res_a", stem, 32, 3));
    const OpId b = g.addOp(makeConv("res_b", a, 32, 3, 1, Activation::None));
    const OpId sum1 = g.addOp(makeOp("res_add", OpKind::Add, {b, stem}));
    Op relu1 = makeOp("res_relu", OpKind::Activation, {sum1});
    relu1.activation = Activation::Relu;
    const OpId r1 = g.addOp(relu1);
    const OpId c = g.addOp(makeConv("plain_1x1", r1, 32, 1, 1, Activation::None));
    const OpId r2 = g.addOp(makeOp("plain_add", OpKind::Add, {c, r1}));
    const OpId d = g.addOp(makeConv("sig_conv", r2, 32, 3, 1, Activation::None));
    const OpId sum3 = g.addOp(makeOp("sig_add", OpKind::Add, {d, r2}));
    Op sig = makeOp("sig", OpKind::Activation, {sum3});
    sig.activation = Activation::Sigmoid;
    const OpId r3 = g.addOp(sig);
    Op pool = makeOp("pool", OpKind::AvgPool, {r3});
    pool.window = Window{3, 3, 1, 1, 1, 1, 1, 1};
    const OpId p = g.addOp(pool);
    const OpId r4 = g.addOp(makeOp("pool_add", OpKind::Add, {p, r2}));
    Op sep = makeOp("sep", OpKind::SepConv, {r3, r4});
    sep.outChannels = 32;
    sep.window = Window{5, 5, 1, 1, 2, 2, 1, 1};
    sep.preRelu = true;
    const OpId s = g.addOp(sep);
    const OpId r5 = g.addOp(makeOp("sep_add", OpKind::Add, {s, r1}));
    const OpId dw = g.addOp(makeConv("depthwise", r5, 32, 3, 1, Activation::Relu, 32));
    // Inception's pool branch: the 1x1 conv runs first, the pool (and ReLU) on its 8 channels.
    Op branchPool = makeOp("branch_pool", OpKind::AvgPool, {r5});
    branchPool.window = Window{3, 3, 1, 1, 1, 1, 1, 1};
    g.addOp(makeConv("pool_proj", g.addOp(branchPool), 8, 1, 1, Activation::Relu));
    auto reluConv = [&](const char* name, OpId in, int out) {
        Op seq = makeOp(name, OpKind::Sequential, {in});
        Op relu = makeOp("relu", OpKind::Activation, {});
        relu.activation = Activation::Relu;
        Op conv = makeConv("conv", -1, out, 1, 1, Activation::None);
        conv.inputs.clear();
        seq.body = {relu, conv};
        return g.addOp(seq);
    };
    const OpId left = reluConv("left", r5, 16);
    const OpId right = reluConv("right", r5, 16);
    const OpId t1 = g.addOp(makeConv("t1", dw, 16, 3, 1, Activation::None));
    const OpId t2 = g.addOp(makeConv("t2", dw, 16, 1, 1, Activation::None));
    Op cell = makeOp("cell", OpKind::Identity, {t1, t2, left, right});
    cell.sumTerms = {2, 1, 1};
    const OpId cl = g.addOp(cell);
    const OpId bn = g.addOp(makeOp("bn", OpKind::ScaleShift, {cl}));
    Op bnRelu = makeOp("bn_relu", OpKind::Activation, {bn});
    bnRelu.activation = Activation::Relu;
    const OpId br = g.addOp(bnRelu);
    const OpId head = g.addOp(makeConv("head", br, 8, 3, 2, Activation::Relu));
    const OpId fl = g.addOp(makeOp("flatten", OpKind::Flatten, {head}));
    Op fc = makeOp("fc", OpKind::FullyConnected, {fl});
    fc.outChannels = 10;
    fc.activation = Activation::None;
    g.addOp(fc);
    g.finalize("fusion_patterns");
    return g;
}

// A DenseNet block: concat k reads features f0..fk (each a prefix of the next), then batch norm +
// ReLU (not foldable: nothing before it to fold into) and a conv make feature k+1.
inline Graph denseBlockGraph(int layers = 4, int growth = 8, int hw = 9) {
    Graph g("dense_block");
    const OpId x = g.addInput("input", {8, hw, hw});
    std::vector<OpId> features{g.addOp(makeConv("f0", x, 16, 3))};
    for (int k = 1; k <= layers; ++k) {
        const std::string n = "layer" + std::to_string(k);
        OpId in = features.front();
        if (features.size() > 1) in = g.addOp(makeOp(n + "/cat", OpKind::Concat, features));
        Op bn = makeOp(n + "/bn", OpKind::ScaleShift, {in});
        bn.activation = Activation::Relu;
        const OpId b = g.addOp(bn);
        features.push_back(g.addOp(makeConv(n + "/conv", b, growth, 3, 1, Activation::None)));
    }
    const OpId all = g.addOp(makeOp("block/cat", OpKind::Concat, features));
    g.addOp(makeConv("head", all, 8, 1));
    g.finalize("dense_block");
    return g;
}

// DenseNet as torchvision writes it: each layer normalizes the growing concat (batch norm, then a
// ReLU op), a 1x1 bottleneck conv (ReLU) and a 3x3 conv add `growth` channels; a transition
// normalizes the whole concat (a packed input) into a 1x1 conv without bias and an average pool
// (cuDNN's prologue engine takes that unit in fp16, not the layers' strided inputs). The rewrite
// joins each normalization to its 1x1 conv (graph/fusion.h). Channels are multiples of 8, the
// rows (pixels x batch) of no tile's size.
inline Graph denseBottleneckGraph(int layers = 3, int growth = 8, int hw = 9) {
    Graph g("dense_bottleneck");
    const OpId x = g.addInput("input", {8, hw, hw});
    std::vector<OpId> features{g.addOp(makeConv("f0", x, 16, 3))};
    auto norm = [&](const std::string& name, OpId in, bool relu) {
        const OpId bn = g.addOp(makeOp(name + "/bn", OpKind::ScaleShift, {in}));
        if (!relu) return bn;
        Op r = makeOp(name + "/relu", OpKind::Activation, {bn});
        r.activation = Activation::Relu;
        return g.addOp(r);
    };
    for (int k = 1; k <= layers; ++k) {
        const std::string n = "layer" + std::to_string(k);
        const OpId in =
            features.size() > 1 ? g.addOp(makeOp(n + "/cat", OpKind::Concat, features)) : features[0];
        const OpId b = g.addOp(makeConv(n + "/conv1", norm(n, in, true), 4 * growth, 1));
        features.push_back(g.addOp(makeConv(n + "/conv2", b, growth, 3, 1, Activation::None)));
    }
    const OpId all = g.addOp(makeOp("transition/cat", OpKind::Concat, features));
    Op down = makeConv("transition/conv", norm("transition", all, true), 16, 1, 1, Activation::None);
    down.bias = false;
    Op pool = makeOp("transition/pool", OpKind::AvgPool, {g.addOp(down)});
    pool.window = Window{2, 2, 2, 2, 0, 0, 1, 1};
    g.addOp(pool);
    g.finalize("dense_bottleneck");
    return g;
}

// Pointwise convs over many pixels in each epilogue cuBLASLt takes: bias and ReLU, bias alone, none,
// into channel slices of a concat; then one over the concat with a residual, one with a residual and
// ReLU (both folded into their epilogues by the fusion rewrite), and one whose sigmoid cuBLASLt
// cannot apply (the last two take the GEMM and the epilogue kernel).
inline Graph pointwiseConcatGraph(int channels = 24, int hw = 9) {
    Graph g("pointwise_concat");
    const OpId x = g.addInput("input", {channels, hw, hw});
    const OpId a = g.addOp(makeConv("pw_relu", x, 16, 1));
    const OpId b = g.addOp(makeConv("pw_bias", x, 24, 1, 1, Activation::None));
    Op nobias = makeConv("pw_nobias", x, 8, 1, 1, Activation::None);
    nobias.bias = false;
    const OpId c = g.addOp(nobias);
    const OpId d = g.addOp(makeConv("conv3x3", x, 16, 3));
    const OpId cat = g.addOp(makeOp("concat", OpKind::Concat, {a, b, c, d}));
    const OpId e = g.addOp(makeConv("pw_residual", cat, 64, 1, 1, Activation::None));
    const OpId sum = g.addOp(makeOp("residual_add", OpKind::Add, {e, cat}));
    const OpId f = g.addOp(makeConv("pw_residual_relu", sum, 64, 1, 1, Activation::None));
    const OpId sum2 = g.addOp(makeOp("residual_relu_add", OpKind::Add, {f, sum}));
    Op relu = makeOp("residual_relu", OpKind::Activation, {sum2});
    relu.activation = Activation::Relu;
    const OpId r = g.addOp(relu);
    g.addOp(makeConv("pw_sigmoid", r, 32, 1, 1, Activation::Sigmoid));
    g.finalize("pointwise_concat");
    return g;
}

} // namespace gputest
