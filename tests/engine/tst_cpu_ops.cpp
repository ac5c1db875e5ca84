// The CPU reference ops against hand-computed values and against naive formulas written out
// independently here; seeded weights; merged convolutions equal the separate ones.
#include "exec/cpu_ops.h"
#include "exec/merged_conv.h"
#include "exec/weights_init.h"
#include "graph/graph.h"
#include "graph/shape_inference.h"
#include "schedule/schedule.h"
#include "util/errors.h"

#include <QTest>

#include <algorithm>
#include <cmath>

using namespace ioscope;

namespace {

Tensor filled(int n, Shape s, std::initializer_list<float> values) {
    Tensor t(n, s);
    if (values.size() != t.size()) qFatal("test tensor size mismatch");
    std::copy(values.begin(), values.end(), t.data.begin());
    return t;
}

Tensor iota(int n, Shape s, float start = 1.0f) {
    Tensor t(n, s);
    for (std::size_t i = 0; i < t.size(); ++i) t.data[i] = start + float(i);
    return t;
}

Op makeOp(OpKind kind, Shape in, std::function<void(Op&)> set = {}) {
    Op op;
    op.name = "op";
    op.kind = kind;
    if (set) set(op);
    inferShape(op, {in}, "test");
    return op;
}

Op convOp(Shape in, int cout, Window w, int groups = 1, Activation act = Activation::None, bool bias = true) {
    return makeOp(OpKind::Conv, in, [&](Op& op) {
        op.outChannels = cout;
        op.window = w;
        op.groups = groups;
        op.activation = act;
        op.bias = bias;
    });
}

float actRef(float v, Activation a) {
    switch (a) {
    case Activation::None:
        return v;
    case Activation::Relu:
        return v < 0 ? 0 : v;
    case Activation::Relu6:
        return v < 0 ? 0 : (v > 6 ? 6 : v);
    case Activation::Sigmoid:
        return float(1.0 / (1.0 + std::exp(-double(v))));
    case Activation::Tanh:
        return float(std::tanh(double(v)));
    case Activation::HardSigmoid:
        return float(std::clamp(double(v) / 6 + 0.5, 0.0, 1.0));
    case Activation::HardSwish:
        return float(double(v) * std::clamp(double(v) / 6 + 0.5, 0.0, 1.0));
    case Activation::Silu:
        return float(double(v) / (1.0 + std::exp(-double(v))));
    case Activation::LeakyRelu:
        return v > 0 ? v : 0.01f * v;
    }
    return v;
}

// The textbook definition, one output at a time, in double.
Tensor naiveConv(const Tensor& x, const Op& op, const Weights& w) {
    const Window& k = op.window;
    const int cinG = x.c / op.groups, coutG = op.outChannels / op.groups;
    Tensor y(x.n, op.out);
    for (int b = 0; b < x.n; ++b)
        for (int co = 0; co < op.outChannels; ++co)
            for (int oy = 0; oy < y.h; ++oy)
                for (int ox = 0; ox < y.w; ++ox) {
                    double s = w.bias.empty() ? 0.0 : w.bias[co];
                    for (int ci = 0; ci < cinG; ++ci)
                        for (int ky = 0; ky < k.kh; ++ky)
                            for (int kx = 0; kx < k.kw; ++kx) {
                                const int iy = oy * k.sh - k.ph + ky * k.dh,
                                          ix = ox * k.sw - k.pw + kx * k.dw;
                                if (iy < 0 || ix < 0 || iy >= x.h || ix >= x.w) continue;
                                s += double(w.kernel[((co * cinG + ci) * k.kh + ky) * k.kw + kx]) *
                                     x.at(b, (co / coutG) * cinG + ci, iy, ix);
                            }
                    y.at(b, co, oy, ox) = actRef(float(s), op.activation);
                }
    return y;
}

Tensor randomTensor(int n, Shape s, std::uint64_t seed) {
    return seededInput(s, n, seed);
}

} // namespace

class TestCpuOps : public QObject {
    Q_OBJECT
  private slots:
    void convHandComputed() {
        // 3x3 input 1..9, 3x3 kernel of ones, padding 1: each output sums its in-bounds neighbours.
        const Op op = convOp({1, 3, 3}, 1, {3, 3, 1, 1, 1, 1, 1, 1}, 1, Activation::None, false);
        Weights w;
        w.kernel.assign(9, 1.0f);
        const Tensor y = conv2d(iota(1, {1, 3, 3}), op, w);
        const std::vector<float> want = {12, 21, 16, 27, 45, 33, 24, 39, 28};
        QCOMPARE(y.data, want);
    }
    void convStrideBiasRelu() {
        // 4x4 input 1..16, stride 2, ReLU. Channel 0: kernel [1 0; 0 -1], bias 3: x[i][j] - x[i+1][j+1] + 3
        // = -5 + 3 < 0, so ReLU gives 0. Channel 1: kernel [-1 0; 0 1], bias 1: 5 + 1 = 6.
        const Op op = convOp({1, 4, 4}, 2, {2, 2, 2, 2, 0, 0, 1, 1}, 1, Activation::Relu);
        Weights w;
        w.kernel = {1, 0, 0, -1, -1, 0, 0, 1};
        w.bias = {3, 1};
        const Tensor y = conv2d(iota(1, {1, 4, 4}), op, w);
        QCOMPARE(y.shape(), (Shape{2, 2, 2}));
        for (int i = 0; i < 4; ++i) QCOMPARE(y.data[i], 0.0f);
        for (int i = 4; i < 8; ++i) QCOMPARE(y.data[i], 6.0f);
    }
    void convGeneralAgainstNaive_data() {
        QTest::addColumn<int>("groups");
        QTest::addColumn<int>("dilation");
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("act");
        QTest::newRow("plain") << 1 << 1 << 1 << 0;
        QTest::newRow("groups2-relu") << 2 << 1 << 1 << 1;
        QTest::newRow("dilated-sigmoid") << 1 << 2 << 1 << 2;
        QTest::newRow("strided-tanh") << 1 << 1 << 2 << 3;
        QTest::newRow("depthwise-relu6-all") << 4 << 2 << 2 << 4;
    }
    void convGeneralAgainstNaive() {
        QFETCH(int, groups);
        QFETCH(int, dilation);
        QFETCH(int, stride);
        QFETCH(int, act);
        const Shape in{4, 9, 8};
        const Op op =
            convOp(in, 8, {3, 2, stride, stride, 2, 1, dilation, dilation}, groups, Activation(act));
        const Weights w = seededWeights(op, 7);
        const Tensor x = randomTensor(2, in, 3);
        const Tensor y = conv2d(x, op, w), ref = naiveConv(x, op, w);
        QVERIFY2(maxAbsDiff(y, ref) < 1e-5, qPrintable(QString::number(maxAbsDiff(y, ref))));
    }
    void sepConvIsDepthwiseThenPointwise() {
        const Shape in{3, 7, 7};
        const Op op = makeOp(OpKind::SepConv, in, [](Op& o) {
            o.outChannels = 5;
            o.window = {3, 3, 2, 2, 1, 1, 1, 1};
            o.preRelu = true;
            o.activation = Activation::Relu;
        });
        const Weights w = seededWeights(op, 11);
        Tensor x = randomTensor(2, in, 5);
        const Tensor y = sepConv(x, op, w);
        // Reference: ReLU, then a groups=C conv, then a 1x1 conv, by the naive formula.
        for (float& v : x.data) v = std::max(v, 0.0f);
        const Op dwOp = convOp(in, 3, op.window, 3, Activation::None, false);
        Weights dw;
        dw.kernel = w.depthwise;
        const Tensor mid = naiveConv(x, dwOp, dw);
        const Op pwOp = convOp(mid.shape(), 5, {}, 1, Activation::Relu, true);
        Weights pw;
        pw.kernel = w.kernel;
        pw.bias = w.bias;
        QVERIFY(maxAbsDiff(y, naiveConv(mid, pwOp, pw)) < 1e-5);
    }
    void maxPoolPadded() {
        // 4x4 input 1..16, 3x3 window, stride 2, padding 1: maxima of the clipped windows.
        const Op op = makeOp(OpKind::MaxPool, {1, 4, 4}, [](Op& o) { o.window = {3, 3, 2, 2, 1, 1, 1, 1}; });
        const Tensor y = pool(iota(1, {1, 4, 4}), op);
        QCOMPARE(y.data, (std::vector<float>{6, 8, 14, 16}));
        // Padding never wins against negative values.
        const Tensor neg = pool(iota(1, {1, 4, 4}, -100.0f), op);
        QCOMPARE(neg.data, (std::vector<float>{-95, -93, -87, -85}));
    }
    void avgPoolCountIncludePad() {
        // Ones, 3x3 window, stride 1, padding 1.
        const Tensor ones(1, {1, 3, 3}, 1.0f);
        const Op excl =
            makeOp(OpKind::AvgPool, {1, 3, 3}, [](Op& o) { o.window = {3, 3, 1, 1, 1, 1, 1, 1}; });
        QCOMPARE(pool(ones, excl).data, std::vector<float>(9, 1.0f));
        Op incl = excl;
        incl.countIncludePad = true;
        const float c = 4.0f / 9, e = 6.0f / 9;
        QCOMPARE(pool(ones, incl).data, (std::vector<float>{c, e, c, e, 1.0f, e, c, e, c}));
        // Unpadded 2x2 stride 2 on 1..16: window means.
        const Op avg = makeOp(OpKind::AvgPool, {1, 4, 4}, [](Op& o) { o.window = {2, 2, 2, 2, 0, 0, 1, 1}; });
        QCOMPARE(pool(iota(1, {1, 4, 4}), avg).data, (std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f}));
    }
    void globalAvgPoolMeans() {
        const Tensor y = globalAvgPool(iota(2, {2, 2, 2}));
        QCOMPARE(y.shape(), (Shape{2, 1, 1}));
        QCOMPARE(y.data, (std::vector<float>{2.5f, 6.5f, 10.5f, 14.5f}));
    }
    void activations() {
        const Tensor x = filled(1, {1, 1, 4}, {-2.0f, 0.0f, 3.0f, 8.0f});
        auto run = [&](Activation a) {
            const Op op = makeOp(OpKind::Activation, x.shape(), [&](Op& o) { o.activation = a; });
            return applySingleOp(op, x, {}).data;
        };
        QCOMPARE(run(Activation::Relu), (std::vector<float>{0, 0, 3, 8}));
        QCOMPARE(run(Activation::Relu6), (std::vector<float>{0, 0, 3, 6}));
        QCOMPARE(run(Activation::None), x.data);
        const auto s = run(Activation::Sigmoid), t = run(Activation::Tanh);
        QCOMPARE(s[1], 0.5f);
        QVERIFY(std::fabs(s[0] - 1.0f / (1.0f + std::exp(2.0f))) < 1e-7);
        QCOMPARE(t[1], 0.0f);
        QVERIFY(std::fabs(t[2] - std::tanh(3.0f)) < 1e-7);
    }
    void combineKinds() {
        const Tensor a = iota(1, {2, 1, 2}), b = iota(1, {2, 1, 2}, 10.0f);
        Op concat = makeOp(OpKind::Concat, {2, 1, 2});
        QCOMPARE(combineInputs(concat, {&a, &b}).data, (std::vector<float>{1, 2, 3, 4, 10, 11, 12, 13}));
        Op add = makeOp(OpKind::Add, {2, 1, 2});
        QCOMPARE(combineInputs(add, {&a, &b, &a}).data, (std::vector<float>{12, 15, 18, 21}));
        Op mul = makeOp(OpKind::Mul, {2, 1, 2});
        QCOMPARE(combineInputs(mul, {&a, &b}).data, (std::vector<float>{10, 22, 36, 52}));
        Op idSum = makeOp(OpKind::Identity, {2, 1, 2});
        QCOMPARE(computeOp(idSum, {&a, &b}, {{}}).data, (std::vector<float>{11, 13, 15, 17}));
        Op idCat = idSum;
        idCat.combine = Combine::Concat;
        QCOMPARE(computeOp(idCat, {&b, &a}, {{}}).data, (std::vector<float>{10, 11, 12, 13, 1, 2, 3, 4}));
        // A conv whose inputs are concatenated first sees the concatenation.
        Op conv = convOp({4, 1, 2}, 1, {}, 1, Activation::None, false);
        conv.combine = Combine::Concat;
        Weights w;
        w.kernel = {1, 0, 0, 1}; // channel 0 of a plus channel 1 of b
        QCOMPARE(computeOp(conv, {&a, &b}, {w}).data, (std::vector<float>{1 + 12, 2 + 13}));
        Op bad = add;
        const Tensor c = iota(1, {3, 1, 2});
        QVERIFY_THROWS_EXCEPTION(InputError, combineInputs(bad, {&a, &c}));
    }
    void sumTermsSumThenConcat() {
        // IOS identity semantics (NasNet cells): terms [a+b] and [a] -> concat(a+b, a).
        const Tensor a = iota(1, {2, 1, 2}), b = iota(1, {2, 1, 2}, 10.0f);
        Op id = makeOp(OpKind::Identity, {2, 1, 2});
        id.sumTerms = {2, 1};
        QCOMPARE(computeOp(id, {&a, &b, &a}, {{}}).data, (std::vector<float>{11, 13, 15, 17, 1, 2, 3, 4}));
        id.sumTerms = {2, 2};
        QVERIFY_THROWS_EXCEPTION(InputError, combineInputs(id, {&a, &b, &a}));
    }
    void fullyConnectedFlattenSoftmax() {
        const Tensor x = iota(2, {2, 1, 2}); // samples [1 2 3 4], [5 6 7 8]
        const Op fc = makeOp(OpKind::FullyConnected, {2, 1, 2}, [](Op& o) { o.outChannels = 2; });
        Weights w;
        w.kernel = {1, 0, 0, -1, 0.5f, 0.5f, 0.5f, 0.5f};
        w.bias = {1, 0};
        const Tensor y = fullyConnected(x, fc, w);
        QCOMPARE(y.data, (std::vector<float>{1 + 1 - 4, 5, 1 + 5 - 8, 13}));
        const Op flat = makeOp(OpKind::Flatten, {2, 1, 2});
        const Tensor f = applySingleOp(flat, x, {});
        QCOMPARE(f.shape(), (Shape{4, 1, 1}));
        QCOMPARE(f.data, x.data);
        const Tensor logits = filled(1, {2, 1, 1}, {0.0f, float(std::log(2.0))});
        const Tensor p = softmaxChannels(logits);
        QVERIFY(std::fabs(p.data[0] - 1.0f / 3) < 1e-7 && std::fabs(p.data[1] - 2.0f / 3) < 1e-7);
        // Per position over channels; large logits do not overflow.
        const Tensor big = softmaxChannels(filled(1, {2, 1, 2}, {1000, 0, 1000, 0}));
        QCOMPARE(big.data, (std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f}));
    }
    void scaleShiftPerChannel() {
        const Op op = makeOp(OpKind::ScaleShift, {2, 1, 2});
        Weights w;
        w.kernel = {2, -1};
        w.bias = {1, 0.5f};
        QCOMPARE(scaleShift(iota(1, {2, 1, 2}), w).data, (std::vector<float>{3, 5, -2.5f, -3.5f}));
        QCOMPARE(seededWeights(op, 1).kernel.size(), std::size_t(2));
    }
    void sequentialRunsBody() {
        Op seq;
        seq.name = "seq";
        seq.kind = OpKind::Sequential;
        Op c;
        c.name = "c";
        c.kind = OpKind::Conv;
        c.outChannels = 3;
        c.window = {3, 3, 1, 1, 1, 1, 1, 1};
        Op r;
        r.name = "r";
        r.kind = OpKind::Activation;
        r.activation = Activation::Relu;
        Op s;
        s.name = "s";
        s.kind = OpKind::ScaleShift;
        seq.body = {c, r, s};
        inferShape(seq, {{2, 5, 5}}, "test");
        const std::vector<Weights> w = seededOpWeights(seq, 3);
        QCOMPARE(w.size(), std::size_t(3));
        const Tensor x = randomTensor(1, {2, 5, 5}, 9);
        Tensor ref = naiveConv(x, seq.body[0], w[0]);
        for (float& v : ref.data) v = std::max(v, 0.0f);
        ref = scaleShift(ref, w[2]);
        QVERIFY(maxAbsDiff(computeOp(seq, {&x}, w), ref) < 1e-5);
    }
    void seededWeightsDeterministic() {
        const Op a = convOp({4, 6, 6}, 8, {3, 3, 1, 1, 1, 1, 1, 1}, 1, Activation::Relu);
        const Weights w1 = seededWeights(a, 42), w2 = seededWeights(a, 42), w3 = seededWeights(a, 43);
        QCOMPARE(w1.kernel, w2.kernel);
        QCOMPARE(w1.bias, w2.bias);
        QVERIFY(w1.kernel != w3.kernel);
        QCOMPARE(w1.kernel.size(), std::size_t(8 * 4 * 9));
        QCOMPARE(w1.bias.size(), std::size_t(8));
        Op renamed = a;
        renamed.name = "other";
        QVERIFY(seededWeights(renamed, 42).kernel != w1.kernel);
        // He-uniform bound: sqrt(6 / fan_in) with ReLU; values spread over it.
        const float bound = float(std::sqrt(6.0 / 36.0));
        float lo = 0, hi = 0;
        for (float v : w1.kernel) lo = std::min(lo, v), hi = std::max(hi, v);
        QVERIFY(hi <= bound && lo >= -bound && hi > 0.8f * bound && lo < -0.8f * bound);
        // Pinned values: a change to the generator breaks CPU/GPU and cross-version agreement.
        const std::vector<float> pinned = seededUniform(3, 1, "input");
        QVERIFY(pinned[0] == 0.389371157f && pinned[1] == -0.56607759f && pinned[2] == 0.25874722f);
        // Own weights win and are size-checked.
        Op own = a;
        auto given = std::make_shared<Weights>(w3);
        own.weights = given;
        QCOMPARE(seededWeights(own, 42).kernel, w3.kernel);
        given->bias.pop_back();
        QVERIFY_THROWS_EXCEPTION(InputError, seededWeights(own, 42));
        // No bias when the op has none; weightless kinds get nothing.
        QVERIFY(seededWeights(convOp({4, 6, 6}, 8, {}, 1, Activation::None, false), 1).bias.empty());
        const Op mp = makeOp(OpKind::MaxPool, {4, 6, 6}, [](Op& o) { o.window = {2, 2, 2, 2, 0, 0, 1, 1}; });
        QVERIFY(seededWeights(mp, 1).kernel.empty());
    }
    void mergedConvEqualsSeparate_data() {
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("act");
        QTest::newRow("stride1-none") << 1 << 0;
        QTest::newRow("stride1-relu") << 1 << 1;
        QTest::newRow("stride2-relu") << 2 << 1;
    }
    void mergedConvEqualsSeparate() {
        QFETCH(int, stride);
        QFETCH(int, act);
        Graph g("merge");
        const OpId in = g.addInput("in", {5, 11, 11});
        const std::vector<Window> windows = {{1, 1, stride, stride, 0, 0, 1, 1},
                                             {3, 3, stride, stride, 1, 1, 1, 1},
                                             {5, 5, stride, stride, 2, 2, 1, 1},
                                             {1, 7, stride, stride, 0, 3, 1, 1},
                                             {7, 1, stride, stride, 3, 0, 1, 1}};
        std::vector<OpId> ids;
        for (std::size_t i = 0; i < windows.size(); ++i) {
            Op op;
            op.name = "c" + std::to_string(i);
            op.kind = OpKind::Conv;
            op.inputs = {in};
            op.outChannels = 2 + int(i);
            op.window = windows[i];
            op.activation = Activation(act);
            op.bias = i != 2; // a member without bias gets zero bias in the merged conv
            ids.push_back(g.addOp(op));
        }
        g.finalize("test");
        QCOMPARE(QString::fromStdString(mergeRuleViolation(g, ids)), QString());
        std::vector<Weights> w;
        for (OpId id : ids) w.push_back(seededWeights(g.op(id), 5));
        const MergedConv m = buildMergedConv(g, ids, w);
        QCOMPARE(m.conv.window.kh, 7);
        QCOMPARE(m.conv.window.kw, 7);
        QCOMPARE(m.conv.window.ph, 3);
        QCOMPARE(m.conv.window.pw, 3);
        QCOMPARE(m.conv.outChannels, 2 + 3 + 4 + 5 + 6);
        QCOMPARE(m.offsets, (std::vector<int>{0, 2, 5, 9, 14}));
        QCOMPARE(m.counts, (std::vector<int>{2, 3, 4, 5, 6}));
        QCOMPARE(m.weights.bias.size(), std::size_t(20));
        QCOMPARE(m.conv.out, (Shape{20, g.op(ids[0]).out.h, g.op(ids[0]).out.w}));
        // The 1x1 kernel of c0 sits at the centre of its 7x7 slot, zero elsewhere.
        const std::size_t slot = 7 * 7;
        QCOMPARE(m.weights.kernel[24], w[0].kernel[0]);
        QCOMPARE(m.weights.kernel[0], 0.0f);
        QCOMPARE(m.weights.kernel[slot * 5 * 5 + 3 * 7 + 0], 0.0f); // c2 (5x5) row 3 col 0 is padding
        QCOMPARE(m.weights.kernel[slot * 5 * 5 + 3 * 7 + 1], w[2].kernel[2 * 5 + 0]);
        const Tensor x = randomTensor(2, {5, 11, 11}, 17);
        const Tensor whole = conv2d(x, m.conv, m.weights);
        for (std::size_t i = 0; i < ids.size(); ++i) {
            const Tensor part = channelSlice(whole, m.offsets[i], m.counts[i]);
            const Tensor separate = conv2d(x, g.op(ids[i]), w[i]);
            QVERIFY2(maxAbsDiff(part, separate) < 1e-5, g.op(ids[i]).name.c_str());
            QVERIFY(maxAbsDiff(separate, naiveConv(x, g.op(ids[i]), w[i])) < 1e-5);
        }
    }
    void mergedConvRejectsBreakingTheRule() {
        Graph g("bad");
        const OpId in = g.addInput("in", {3, 8, 8});
        Op a;
        a.name = "a";
        a.kind = OpKind::Conv;
        a.inputs = {in};
        a.outChannels = 2;
        a.window = {3, 3, 1, 1, 1, 1, 1, 1};
        Op b = a;
        b.name = "b";
        b.window = {3, 3, 1, 1, 0, 0, 1, 1}; // valid padding: another output size
        const OpId ia = g.addOp(a), ib = g.addOp(b);
        g.finalize("test");
        const std::vector<Weights> w = {seededWeights(g.op(ia), 1), seededWeights(g.op(ib), 1)};
        QVERIFY_THROWS_EXCEPTION(InputError, buildMergedConv(g, {ia, ib}, w));
        QVERIFY_THROWS_EXCEPTION(InputError, buildMergedConv(g, {ia, ia}, {w[0]}));
    }
    void wrongWeightsRefused() {
        const Op op = convOp({2, 4, 4}, 2, {});
        Weights w;
        w.kernel = {1, 2};
        QVERIFY_THROWS_EXCEPTION(InputError, applySingleOp(op, Tensor(1, {2, 4, 4}), w));
    }
};

QTEST_GUILESS_MAIN(TestCpuOps)
#include "tst_cpu_ops.moc"
