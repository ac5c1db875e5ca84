// ONNX import of hand-built models: every supported operator, the folds and fusions, external
// data, shape overrides and checks, and every error case (never a crash).
#include <QTemporaryDir>
#include <QtTest>

#ifdef IOSCOPE_HAVE_ONNX
#include "engine/onnx_test_models.h"
#include "exec/cpu_executor.h"
#include "onnx/onnx_import.h"
#include "util/errors.h"

#include <cmath>
#include <fstream>

using namespace ioscope;
using onnxtest::ModelBuilder;
using I64s = std::vector<std::int64_t>;

class TestOnnxImport : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    int counter_ = 0;

    std::string path(const std::string& name) { return (dir_.path() + "/").toStdString() + name; }
    std::string save(const ModelBuilder& b) {
        const std::string p = path("m" + std::to_string(++counter_) + ".onnx");
        b.save(p);
        return p;
    }
    Graph load(const ModelBuilder& b, std::vector<std::string>* notes = nullptr, Shape override = {}) {
        ModelLoadOptions o;
        o.notes = notes;
        o.inputOverride = override;
        return importOnnx(save(b), o);
    }
    // The import's error message, or "" when it loaded.
    std::string errorOf(const std::string& file) {
        try {
            importOnnx(file);
        } catch (const InputError& e) {
            return e.what();
        }
        return {};
    }
    std::string errorOf(const ModelBuilder& b) { return errorOf(save(b)); }
    static int count(const Graph& g, OpKind kind) {
        int n = 0;
        for (OpId u : g.units()) n += g.op(u).kind == kind;
        return n;
    }
    static Tensor runCpu(const Graph& g, std::uint64_t weightSeed = 7) {
        CpuExecutor exec(g, weightSeed);
        return exec.run(sequentialSchedule(g), seededInputs(g, 1, 3)).outputs.front();
    }

  private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void convBatchNormReluFoldIntoOneUnit() {
        ModelBuilder b;
        b.conv("x", "c", 3, 4, 3, 1);
        b.init("g", {4}, 3), b.init("be", {4}, 4), b.init("mu", {4}, 5);
        b.init("var", {4}, {0.5f, 1.0f, 2.0f, 4.0f});
        b.node("BatchNormalization", {"c", "g", "be", "mu", "var"}, {"bn"});
        b.node("Relu", {"bn"}, {"y"});
        b.output("y", {1, 4, 8, 8});
        const Graph g = load(b);
        QCOMPARE(int(g.units().size()), 1);
        const Op& conv = g.op(g.units()[0]);
        QVERIFY(conv.kind == OpKind::Conv);
        QVERIFY(conv.activation == Activation::Relu);
        QVERIFY(conv.bias);
        QVERIFY(conv.weights);
        QCOMPARE(conv.weights->kernel.size(), size_t(4 * 3 * 9));
        QCOMPARE(conv.out, (Shape{4, 8, 8}));

        // The same network with the conv also a graph output keeps BN as a ScaleShift and the
        // ReLU separate; both must compute the same values.
        ModelBuilder unfolded = b;
        unfolded.output("c", {1, 4, 8, 8});
        const Graph u = load(unfolded);
        QCOMPARE(count(u, OpKind::ScaleShift), 1);
        QCOMPARE(count(u, OpKind::Activation), 1);
        CpuExecutor e1(g, 1), e2(u, 1);
        const auto in = seededInputs(g, 1, 5);
        const auto r1 = e1.run(sequentialSchedule(g), in);
        const auto r2 = e2.run(sequentialSchedule(u), in, true);
        const Tensor& reluOut = r2.allByOp[static_cast<size_t>(u.find("Relu_3"))];
        QVERIFY(maxAbsDiff(r1.outputs.front(), reluOut) < 1e-5);
    }

    // A mixed-kernel conv (MixNet): two convs concatenated, then one batch norm. The batch norm
    // folds into both convs with its slice of the channels; with the concat also an output it
    // stays a ScaleShift. Both compute the same values.
    void batchNormAfterConcatFoldsIntoEachConv() {
        ModelBuilder b;
        b.conv("x", "k3", 3, 4, 3, 1, 1, 1);
        b.conv("x", "k5", 3, 2, 5, 2, 1, 5);
        b.node("Concat", {"k3", "k5"}, {"cat"});
        ModelBuilder::attr(b.graph->mutable_node(b.graph->node_size() - 1), "axis", std::int64_t{1});
        b.init("g", {6}, 3), b.init("be", {6}, 4), b.init("mu", {6}, 5);
        b.init("var", {6}, {0.5f, 1.0f, 2.0f, 4.0f, 1.5f, 3.0f});
        b.node("BatchNormalization", {"cat", "g", "be", "mu", "var"}, {"y"});
        b.output("y", {1, 6, 8, 8});
        const Graph g = load(b);
        QCOMPARE(count(g, OpKind::ScaleShift), 0);
        ModelBuilder unfolded = b;
        unfolded.output("cat", {1, 6, 8, 8});
        const Graph u = load(unfolded);
        QCOMPARE(count(u, OpKind::ScaleShift), 1);
        CpuExecutor e1(g, 1), e2(u, 1);
        const auto in = seededInputs(g, 1, 5);
        const auto r1 = e1.run(sequentialSchedule(g), in);
        const auto r2 = e2.run(sequentialSchedule(u), in, true);
        OpId bn = -1;
        for (OpId id : u.units())
            if (u.op(id).kind == OpKind::ScaleShift) bn = id;
        QVERIFY(bn >= 0);
        QVERIFY(maxAbsDiff(r1.outputs.front(), r2.allByOp[static_cast<size_t>(bn)]) < 1e-5);
    }

    void batchNormWithoutConvIsScaleShift() {
        ModelBuilder b;
        auto* pool = b.node("MaxPool", {"x"}, {"p"});
        ModelBuilder::attr(pool, "kernel_shape", I64s{2, 2});
        ModelBuilder::attr(pool, "strides", I64s{2, 2});
        b.init("g", {3}, {1, 2, 3}), b.init("be", {3}, {0, 1, 0}), b.init("mu", {3}, {0, 0, 1});
        b.init("var", {3}, {1, 4, 1});
        auto* bn = b.node("BatchNormalization", {"p", "g", "be", "mu", "var"}, {"y"});
        ModelBuilder::attr(bn, "epsilon", 0.0f);
        b.output("y", {1, 3, 4, 4});
        const Graph g = load(b);
        QCOMPARE(count(g, OpKind::ScaleShift), 1);
        const Op& ss = g.op(g.units().back());
        QVERIFY(ss.weights);
        QCOMPARE(ss.weights->kernel, (std::vector<float>{1, 1, 3}));
        QCOMPARE(ss.weights->bias, (std::vector<float>{0, 1, -3}));
    }

    void reluAfterSharedConvAndAddStaysSeparate() {
        ModelBuilder b;
        b.conv("x", "a", 3, 3, 1, 0);
        b.node("Relu", {"a"}, {"r"});
        b.node("Add", {"a", "x"}, {"s"}); // the conv feeds two ops: no fusion
        b.node("Relu", {"s"}, {"t"});     // Add + ReLU stays two ops
        b.node("Sum", {"r", "t", "x"}, {"y"});
        b.output("y", {1, 3, 8, 8});
        const Graph g = load(b);
        QCOMPARE(count(g, OpKind::Conv), 1);
        QCOMPARE(count(g, OpKind::Activation), 2);
        QCOMPARE(count(g, OpKind::Add), 2);
        QVERIFY(g.op(g.find("conv_a")).activation == Activation::None);
        QCOMPARE(int(g.op(g.units().back()).inputs.size()), 3);
    }

    void activationsAndClip() {
        ModelBuilder b({1, 3, 8, 8}, 13);
        b.conv("x", "c", 3, 3, 3, 1);
        b.init("lo", {}, std::vector<float>{0.0f}), b.init("hi", {}, std::vector<float>{6.0f});
        b.node("Clip", {"c", "lo", "hi"}, {"r6"}); // fused as ReLU6
        b.node("Sigmoid", {"r6"}, {"s"});
        b.node("Tanh", {"s"}, {"t"});
        b.node("Clip", {"t", "lo"}, {"y"}); // [0, inf): ReLU, not fusable (Tanh before)
        b.output("y", {1, 3, 8, 8});
        const Graph g = load(b);
        QVERIFY(g.op(g.find("conv_c")).activation == Activation::Relu6);
        QCOMPARE(count(g, OpKind::Activation), 3);
        QVERIFY(g.op(g.units().back()).activation == Activation::Relu);

        ModelBuilder bad({1, 3, 8, 8}, 13);
        bad.init("lo", {}, std::vector<float>{-1.0f}), bad.init("hi", {}, std::vector<float>{1.0f});
        bad.node("Clip", {"x", "lo", "hi"}, {"y"}, "clip");
        bad.output("y", {1, 3, 8, 8});
        const std::string e = errorOf(bad);
        QVERIFY2(e.find("node 'clip' (Clip, opset 13)") != std::string::npos, e.c_str());
    }

    void poolsAndPadding() {
        ModelBuilder b({1, 4, 9, 9});
        auto* mp = b.node("MaxPool", {"x"}, {"m"});
        ModelBuilder::attr(mp, "kernel_shape", I64s{3, 3});
        ModelBuilder::attr(mp, "auto_pad", std::string("SAME_UPPER"));
        auto* ap = b.node("AveragePool", {"m"}, {"a"});
        ModelBuilder::attr(ap, "kernel_shape", I64s{3, 3});
        ModelBuilder::attr(ap, "strides", I64s{2, 2});
        ModelBuilder::attr(ap, "pads", I64s{1, 1, 1, 1});
        ModelBuilder::attr(ap, "count_include_pad", std::int64_t{1});
        auto* cv = b.conv("a", "d", 4, 4, 3, 0, 4); // depthwise, dilated, SAME_LOWER
        cv->mutable_attribute()->RemoveLast();
        ModelBuilder::attr(cv, "auto_pad", std::string("SAME_LOWER"));
        ModelBuilder::attr(cv, "dilations", I64s{2, 2});
        b.node("GlobalAveragePool", {"d"}, {"y"});
        b.output("y", {1, 4, 1, 1});
        const Graph g = load(b);
        const Op& m = g.op(g.find("MaxPool_1"));
        QCOMPARE(m.window.ph, 1);
        QCOMPARE(m.out, (Shape{4, 9, 9}));
        const Op& a = g.op(g.find("AveragePool_2"));
        QVERIFY(a.countIncludePad);
        QCOMPARE(a.out, (Shape{4, 5, 5}));
        const Op& d = g.op(g.find("conv_d"));
        QCOMPARE(d.groups, 4);
        QCOMPARE(d.window.dh, 2);
        QCOMPARE(d.window.ph, 2);
        QCOMPARE(d.out, (Shape{4, 5, 5}));
        QCOMPARE(count(g, OpKind::GlobalAvgPool), 1);
    }

    // Pools at the edges of end padding: a max pool whose last window lies wholly in the end
    // padding (ONNX: -infinity there) keeps an explicit -infinity Pad; huge, negative and
    // overflowing pads, kernels and strides are refused naming the file and the node.
    void poolEndPaddingEdges() {
        auto pool = [](const char* type, const I64s& pads, std::int64_t k, std::int64_t s, bool ceil,
                       std::int64_t dilation = 1) {
            ModelBuilder b({1, 2, 8, 8});
            auto* p = b.node(type, {"x"}, {"y"}, "edge");
            ModelBuilder::attr(p, "kernel_shape", I64s{k, k});
            ModelBuilder::attr(p, "strides", I64s{s, s});
            ModelBuilder::attr(p, "pads", pads);
            if (dilation != 1) ModelBuilder::attr(p, "dilations", I64s{dilation, dilation});
            if (ceil) ModelBuilder::attr(p, "ceil_mode", std::int64_t{1});
            return b;
        };
        { // windows at 0, 2, 4, 6 and 8: the last only padding
            ModelBuilder b = pool("MaxPool", {0, 0, 2, 2}, 2, 2, false);
            b.output("y", {1, 2, 5, 5});
            const Graph g = load(b);
            QCOMPARE(g.op(g.find("edge")).out, (Shape{2, 5, 5}));
            const Op& pad = g.op(g.find("edge_pad"));
            QVERIFY(pad.kind == OpKind::Pad && std::isinf(pad.pad.value) && pad.pad.value < 0);
            const Tensor y = runCpu(g);
            QVERIFY(std::isinf(y.at(0, 0, 4, 4)) && y.at(0, 0, 4, 4) < 0);
            QVERIFY(std::isfinite(y.at(0, 0, 3, 3)));
        }
        struct Bad {
            const char* type;
            I64s pads;
            std::int64_t k, s, dilation;
            bool ceil;
            const char* what;
        } bad[] = {
            {"MaxPool", {0, 0, 65537, 0}, 3, 2, 1, true, "pad 65537 is out of range"},
            {"MaxPool", {0, 0, -1, 0}, 3, 2, 1, true, "pad -1 is out of range"},
            // ceil mode: windows wholly in the padding, so an explicit -infinity Pad, too large
            {"MaxPool",
             {0, 0, 65536, 65536},
             3,
             1,
             1,
             true,
             "op 'edge_pad' (pad): output shape 2x65543x65543 is too large"},
            {"AveragePool",
             {0, 0, 65536, 65536},
             3,
             1,
             1,
             false,
             "end padding leaves a window outside the input"},
            {"MaxPool",
             {0, 0, 0, 0},
             65536,
             1,
             65536,
             true,
             "kernel extent 4294901761 exceeds the padded input"},
            {"MaxPool", {0, 0, 65536, 65536}, 65536, 65536, 65536, true, "kernel extent 4294901761 exceeds"},
            {"MaxPool", {0, 0, 0, 0}, 3, 0, 1, true, "strides and dilations must be positive"},
            {"MaxPool", {0, 0, 0, 0}, 3, 65537, 1, true, "stride 65537 is out of range"},
            {"AveragePool", {4, 4, 4, 4}, 3, 2, 1, true, "padding must be at most half the pooling window"},
        };
        for (const Bad& c : bad) {
            ModelBuilder b = pool(c.type, c.pads, c.k, c.s, c.ceil, c.dilation);
            b.output("y", {1, 2, 4, 4});
            const std::string e = errorOf(b);
            QVERIFY2(e.find(".onnx: node 'edge' (" + std::string(c.type)) != std::string::npos &&
                         e.find(c.what) != std::string::npos && e.find('\n') == std::string::npos,
                     (std::string(c.what) + " | " + e).c_str());
        }
    }

    void ceilModePoolsAndAsymmetricConvPadding() {
        // A ceil-mode max pool whose last window overhangs: end padding (no Pad op) makes it exact.
        ModelBuilder b({1, 2, 8, 8});
        auto* mp = b.node("MaxPool", {"x"}, {"y"}, "pool");
        ModelBuilder::attr(mp, "kernel_shape", I64s{3, 3});
        ModelBuilder::attr(mp, "strides", I64s{2, 2});
        ModelBuilder::attr(mp, "ceil_mode", std::int64_t{1});
        b.output("y", {1, 2, 4, 4});
        std::vector<std::string> notes;
        const Graph g = load(b, &notes);
        QCOMPARE(g.op(g.find("pool")).out, (Shape{2, 4, 4}));
        QCOMPARE(int(notes.size()), 0);
        QCOMPARE(g.find("pool_pad"), -1);
        QCOMPARE(g.op(g.find("pool")).window.eh, 1);
        QCOMPARE(g.op(g.find("pool")).window.ew, 1);
        // ONNX's windows: rows/columns {0..2, 2..4, 4..6, 6..7}, the last one clipped.
        const Tensor x = seededInputs(g, 1, 3).front();
        const Tensor y = runCpu(g);
        for (int c = 0; c < 2; ++c)
            for (int i = 0; i < 4; ++i)
                for (int j = 0; j < 4; ++j) {
                    float m = -INFINITY;
                    for (int u = 2 * i; u < std::min(2 * i + 3, 8); ++u)
                        for (int v = 2 * j; v < std::min(2 * j + 3, 8); ++v)
                            m = std::max(m, x.at(0, c, u, v));
                    QCOMPARE(y.at(0, c, i, j), m);
                }

        // Average pools with ceil_mode and uneven pads are exact, count_include_pad both ways: see
        // averagePoolsMatchOnnx.

        ModelBuilder c({1, 2, 8, 8});
        auto* cv = c.conv("x", "y", 2, 2, 3, 0);
        cv->mutable_attribute()->RemoveLast();
        ModelBuilder::attr(cv, "pads", I64s{0, 0, 1, 1}); // a 3x3 window with pad only at the end
        c.output("y", {1, 2, 7, 7});
        // Uneven conv padding: an explicit Pad (the uneven part) before a conv that pads evenly.
        const Graph gc = load(c);
        const Op& pad = gc.op(gc.find("conv_y_pad"));
        QVERIFY(pad.kind == OpKind::Pad);
        QCOMPARE(pad.pad, (PadSpec{0, 0, 1, 1, PadMode::Constant, 0.0f}));
        QCOMPARE(gc.op(gc.find("conv_y")).window.ph, 0);
        QCOMPARE(gc.op(gc.find("conv_y")).out, (Shape{2, 7, 7}));
    }

    // ONNX's AveragePool (as onnxruntime computes it) with ceil_mode overhangs and uneven pads,
    // count_include_pad 0 and 1: the window of output i starts at i*s - begin; with
    // count_include_pad its divisor counts the taps inside [-begin, size + end) (a ceil-mode
    // overhang past the end padding is clipped), otherwise the taps inside the input.
    void averagePoolsMatchOnnx() {
        struct Case {
            int size, k, s;
            I64s pads; // begin h, begin w, end h, end w
            bool ceil;
        };
        const Case cases[] = {
            {8, 3, 2, {0, 0, 0, 0}, true},  // the last window overhangs the input
            {8, 3, 2, {1, 1, 1, 1}, true},  // ... and the end padding
            {7, 2, 2, {0, 0, 1, 1}, false}, // pads only at the end
            {9, 3, 2, {1, 0, 2, 1}, true},  // uneven on both axes, ceil
            {7, 3, 1, {1, 1, 1, 1}, false}, // the symmetric case, unchanged
        };
        for (const Case& t : cases)
            for (int count : {0, 1}) {
                ModelBuilder b({1, 2, t.size, t.size});
                auto* ap = b.node("AveragePool", {"x"}, {"y"}, "avg");
                ModelBuilder::attr(ap, "kernel_shape", I64s{t.k, t.k});
                ModelBuilder::attr(ap, "strides", I64s{t.s, t.s});
                ModelBuilder::attr(ap, "pads", t.pads);
                ModelBuilder::attr(ap, "ceil_mode", std::int64_t{t.ceil});
                ModelBuilder::attr(ap, "count_include_pad", std::int64_t{count});
                int out[2];
                for (int a = 0; a < 2; ++a) {
                    const int span = t.size + int(t.pads[size_t(a)] + t.pads[size_t(a + 2)]) - t.k;
                    out[a] = (t.ceil ? (span + t.s - 1) / t.s : span / t.s) + 1;
                    if (t.ceil && (out[a] - 1) * t.s >= t.size + t.pads[size_t(a)]) --out[a];
                }
                b.output("y", {1, 2, out[0], out[1]});
                std::vector<std::string> notes;
                const Graph g = load(b, &notes);
                QCOMPARE(int(notes.size()), 0);
                const Tensor x = seededInputs(g, 1, 3).front();
                const Tensor y = runCpu(g);
                QCOMPARE(y.h, out[0]);
                QCOMPARE(y.w, out[1]);
                for (int c = 0; c < 2; ++c)
                    for (int i = 0; i < out[0]; ++i)
                        for (int j = 0; j < out[1]; ++j) {
                            const int h0 = i * t.s - int(t.pads[0]), w0 = j * t.s - int(t.pads[1]);
                            const int h1 = std::min(h0 + t.k, t.size + int(t.pads[2])),
                                      w1 = std::min(w0 + t.k, t.size + int(t.pads[3]));
                            const int poolSize = (h1 - h0) * (w1 - w0);
                            double sum = 0;
                            int taps = 0;
                            for (int u = std::max(h0, 0); u < std::min(h1, t.size); ++u)
                                for (int v = std::max(w0, 0); v < std::min(w1, t.size); ++v)
                                    sum += x.at(0, c, u, v), ++taps;
                            const float want = float(sum / (count ? poolSize : taps));
                            QVERIFY2(
                                std::fabs(y.at(0, c, i, j) - want) < 1e-6f,
                                qPrintable(QString("size %1 k %2 s %3 ceil %4 count %5 at %6,%7: %8 vs %9")
                                               .arg(t.size)
                                               .arg(t.k)
                                               .arg(t.s)
                                               .arg(t.ceil)
                                               .arg(count)
                                               .arg(i)
                                               .arg(j)
                                               .arg(y.at(0, c, i, j))
                                               .arg(want)));
                        }
            }
    }

    void concatMulAndPerChannelConstants() {
        ModelBuilder b;
        b.conv("x", "a", 3, 2, 1, 0);
        b.conv("x", "c", 3, 2, 3, 1, 1, 5);
        b.node("Concat", {"a", "c"}, {"cat"});
        ModelBuilder::attr(b.graph->mutable_node(b.graph->node_size() - 1), "axis", std::int64_t{1});
        b.init("s", {1, 4, 1, 1}, {1, 2, 3, 4});
        b.node("Mul", {"cat", "s"}, {"m"}); // per-channel: a ScaleShift
        b.node("Mul", {"m", "cat"}, {"y"});
        b.output("y", {1, 4, 8, 8});
        const Graph g = load(b);
        QCOMPARE(count(g, OpKind::Concat), 1);
        QCOMPARE(count(g, OpKind::ScaleShift), 1);
        QCOMPARE(count(g, OpKind::Mul), 1);
        QCOMPARE(g.op(g.find("Concat_3")).out, (Shape{4, 8, 8}));

        ModelBuilder bad;
        bad.conv("x", "a", 3, 2, 1, 0);
        auto* cat = bad.node("Concat", {"a", "x"}, {"y"}, "cat");
        ModelBuilder::attr(cat, "axis", std::int64_t{2});
        bad.output("y", {1, 3, 16, 8});
        QVERIFY(errorOf(bad).find("axis 1") != std::string::npos);
    }

    void classifierOps() {
        ModelBuilder b({1, 2, 2, 2});
        b.node("Flatten", {"x"}, {"f"});
        b.init("B1", {5, 8}, 1), b.init("C1", {5}, 2);
        auto* g1 = b.node("Gemm", {"f", "B1", "C1"}, {"g1"}, "fc1");
        ModelBuilder::attr(g1, "transB", std::int64_t{1});
        ModelBuilder::attr(g1, "alpha", 2.0f);
        b.node("Relu", {"g1"}, {"r"});
        b.node("Dropout", {"r"}, {"d"});
        b.init("B2", {5, 3}, 3), b.init("bias2", {3}, 4);
        b.node("MatMul", {"d", "B2"}, {"mm"}, "fc2");
        b.node("Add", {"mm", "bias2"}, {"fc2out"}); // folds into fc2 as its bias
        b.node("Identity", {"fc2out"}, {"i"});
        b.node("Softmax", {"i"}, {"y"});
        b.output("y", {1, 3});
        const Graph g = load(b);
        QCOMPARE(int(g.units().size()), 4); // flatten, fc1+relu, fc2+bias, softmax
        const Op& fc1 = g.op(g.find("fc1"));
        QVERIFY(fc1.activation == Activation::Relu);
        QCOMPARE(fc1.weights->kernel[0], 2.0f * onnxtest::values(40, 1)[0]);
        const Op& fc2 = g.op(g.find("fc2"));
        QVERIFY(fc2.bias);
        QCOMPARE(fc2.weights->kernel[1], onnxtest::values(15, 3)[3]); // [out 0][in 1] = B2[1][0]
        QCOMPARE(fc2.weights->bias, onnxtest::values(3, 4));
        QVERIFY(g.op(g.units().back()).kind == OpKind::Softmax);
        QCOMPARE(g.op(g.units().back()).out, (Shape{3, 1, 1}));
        const Tensor out = runCpu(g);
        float sum = 0;
        for (float v : out.data) sum += v;
        QVERIFY(std::abs(sum - 1.0f) < 1e-5f);
    }

    void reshapeAndConstantNodes() {
        ModelBuilder b({1, 2, 3, 3});
        auto* k = b.node("Constant", {}, {"shape"});
        auto* a = k->add_attribute();
        a->set_name("value_ints");
        a->set_type(onnx::AttributeProto::INTS);
        a->add_ints(1), a->add_ints(-1);
        b.node("Reshape", {"x", "shape"}, {"r"}, "reshape");
        b.initInts("same", {0, 18});
        b.node("Reshape", {"r", "same"}, {"y"}); // already (N, 18): removed
        b.output("y", {1, 18});
        const Graph g = load(b);
        QCOMPARE(int(g.units().size()), 1);
        QVERIFY(g.op(g.units()[0]).kind == OpKind::Flatten);

        ModelBuilder bad({1, 2, 3, 3});
        bad.initInts("shape", {1, 2, 9});
        bad.node("Reshape", {"x", "shape"}, {"y"}, "reshape");
        bad.output("y", {1, 2, 9});
        QVERIFY(errorOf(bad).find("flatten") != std::string::npos);
    }

    void valueInfoIsChecked() {
        ModelBuilder b;
        b.conv("x", "c", 3, 4, 3, 1);
        b.valueInfo("c", {1, 4, 8, 8});
        b.node("Relu", {"c"}, {"y"});
        b.output("y", {1, 4, 8, 8});
        QCOMPARE(int(load(b).units().size()), 1);
        ModelBuilder wrong = b;
        wrong.graph->mutable_value_info(0)
            ->mutable_type()
            ->mutable_tensor_type()
            ->mutable_shape()
            ->mutable_dim(2)
            ->set_dim_value(7);
        const std::string e = errorOf(wrong);
        QVERIFY2(e.find("node 'conv_c' (Conv, opset 17)") != std::string::npos &&
                     e.find("1x4x7x8") != std::string::npos,
                 e.c_str());
    }

    void inputOverrideAndSymbolicInput() {
        ModelBuilder b({-1, 3, -1, -1});
        b.conv("x", "y", 3, 4, 3, 1);
        b.output("y", {-1, 4, -1, -1});
        QVERIFY(errorOf(b).find("--input") != std::string::npos);
        std::vector<std::string> notes;
        const Graph g = load(b, &notes, {3, 32, 16});
        QCOMPARE(g.op(g.units()[0]).out, (Shape{4, 32, 16}));
        QCOMPARE(int(notes.size()), 1);
    }

    void externalDataPresentAndMissing() {
        ModelBuilder b;
        b.external("W", {2, 3, 1, 1}, "w.bin", 8);
        b.node("Conv", {"x", "W"}, {"y"}, "conv");
        b.output("y", {1, 2, 8, 8});
        std::vector<std::string> notes;
        Graph missing = load(b, &notes);
        QVERIFY(!missing.op(missing.find("conv")).weights);
        QCOMPARE(int(notes.size()), 1);
        QVERIFY(notes[0].find("structure only") != std::string::npos);

        const std::vector<float> data{0, 0, 1, 2, 3, 4, 5, 6};
        std::ofstream(path("w.bin"), std::ios::binary)
            .write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size() * 4));
        notes.clear();
        const Graph present = load(b, &notes);
        QVERIFY(notes.empty());
        QCOMPARE(present.op(present.find("conv")).weights->kernel, (std::vector<float>{1, 2, 3, 4, 5, 6}));

        ModelBuilder outside;
        outside.external("W", {2, 3, 1, 1}, "../w.bin", 0);
        outside.node("Conv", {"x", "W"}, {"y"}, "conv");
        outside.output("y", {1, 2, 8, 8});
        QVERIFY(errorOf(outside).find("leaves the model's folder") != std::string::npos);
        ModelBuilder tooLong;
        tooLong.external("W", {2, 3, 1, 1}, "w.bin", 16); // 24 bytes from 16 run past the 32-byte file
        tooLong.node("Conv", {"x", "W"}, {"y"}, "conv");
        tooLong.output("y", {1, 2, 8, 8});
        QVERIFY(errorOf(tooLong).find("outside") != std::string::npos);
    }

    void structuralErrorsNameNodeOpTypeAndOpset() {
        ModelBuilder unsupported;
        unsupported.node("LSTM", {"x"}, {"y"}, "rnn");
        unsupported.output("y", {1, 3, 8, 8});
        std::string e = errorOf(unsupported);
        QVERIFY2(e.find("node 'rnn' (LSTM, opset 17): unsupported operator") != std::string::npos, e.c_str());

        ModelBuilder hostile; // control characters in names never break the one-line message
        hostile.node("LSTM", {"x"}, {"y"}, "bad\nname");
        hostile.output("y", {1, 3, 8, 8});
        e = errorOf(hostile);
        QVERIFY2(e.find('\n') == std::string::npos && e.find("bad?name") != std::string::npos, e.c_str());

        ModelBuilder missing;
        missing.node("Relu", {"nowhere"}, {"y"}, "relu");
        missing.output("y", {1, 3, 8, 8});
        e = errorOf(missing);
        QVERIFY2(e.find("node 'relu' (Relu, opset 17): input 'nowhere' is missing") != std::string::npos,
                 e.c_str());

        ModelBuilder cycle;
        cycle.node("Add", {"x", "b"}, {"a"}, "first");
        cycle.node("Relu", {"a"}, {"b"}, "second");
        cycle.output("b", {1, 3, 8, 8});
        e = errorOf(cycle);
        QVERIFY2(e.find("cycle") != std::string::npos && e.find("(Add, opset 17)") != std::string::npos,
                 e.c_str());

        ModelBuilder shapes;
        auto* pool = shapes.node("MaxPool", {"x"}, {"p"});
        ModelBuilder::attr(pool, "kernel_shape", I64s{2, 2});
        ModelBuilder::attr(pool, "strides", I64s{2, 2});
        shapes.node("Add", {"x", "p"}, {"y"}, "add");
        shapes.output("y", {1, 3, 8, 8});
        e = errorOf(shapes);
        QVERIFY2(e.find("node 'add' (Add, opset 17)") != std::string::npos &&
                     e.find("do not broadcast") != std::string::npos,
                 e.c_str());

        ModelBuilder weights;
        weights.init("W", {4, 2, 3, 3}, 1);
        weights.node("Conv", {"x", "W"}, {"y"}, "conv");
        weights.output("y", {1, 4, 6, 6});
        QVERIFY(errorOf(weights).find("do not fit 3 input channels") != std::string::npos);

        ModelBuilder old({1, 3, 8, 8}, 9);
        old.node("Relu", {"x"}, {"y"});
        old.output("y", {1, 3, 8, 8});
        QVERIFY(errorOf(old).find("opset 9 is not supported") != std::string::npos);
    }

    void corruptFilesFailCleanly() {
        ModelBuilder b;
        b.conv("x", "c", 3, 4, 3, 1);
        b.output("c", {1, 4, 8, 8});
        const std::string good = b.bytes();
        auto write = [&](const std::string& name, const std::string& bytes) {
            std::ofstream(path(name), std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
            return path(name);
        };
        for (size_t cut : {good.size() / 2, good.size() - 1, size_t(3)}) {
            const std::string e = errorOf(write("cut.onnx", good.substr(0, cut)));
            QVERIFY2(!e.empty() && e.find("cut.onnx") != std::string::npos, e.c_str());
        }
        QVERIFY(errorOf(write("empty.onnx", "")).find("no graph") != std::string::npos);
        std::string garbage;
        std::uint32_t s = 12345;
        for (int trial = 0; trial < 200; ++trial) { // random bytes and random corruptions of a good file
            garbage.assign(static_cast<size_t>(1 + trial * 7), '\0');
            for (char& ch : garbage) ch = static_cast<char>((s = s * 1664525u + 1013904223u) >> 24);
            QVERIFY(!errorOf(write("garbage.onnx", garbage)).empty());
            std::string flipped = good;
            flipped[(s >> 8) % flipped.size()] = static_cast<char>(s & 0xff);
            (void)errorOf(write("flipped.onnx", flipped)); // may load or fail; must not crash
        }
        QVERIFY(errorOf(path("absent.onnx")).find("no such file") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestOnnxImport)
#else
class TestOnnxImport : public QObject {
    Q_OBJECT
  private slots:
    void skipped() { QSKIP("built without ONNX support"); }
};
QTEST_GUILESS_MAIN(TestOnnxImport)
#endif
#include "tst_onnx_import.moc"
