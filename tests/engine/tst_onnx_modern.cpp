// ONNX import of modern CNN patterns (issue #13): constant folding of a hand-built TF-"same"
// padding subgraph (Shape -> Gather -> Div -> Ceil -> ... -> Pad) into a static Pad or conv
// padding, Split/Slice, squeeze-excite gates, SiLU, ReduceMean, channel shuffle, Resize, honest
// refusals and `info --ops`; and every zoo network in tests/data/zoo imports (skipped when absent).
#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#ifdef IOSCOPE_HAVE_ONNX
#include "analysis/width.h"
#include "cost/cost_factory.h"
#include "engine/onnx_test_models.h"
#include "exec/cpu_executor.h"
#include "graph/fusion.h"
#include "onnx/onnx_import.h"
#include "sched/scheduler.h"
#include "util/errors.h"

#include <cmath>
#include <map>

using namespace ioscope;
using onnxtest::ModelBuilder;
using I64s = std::vector<std::int64_t>;

namespace {

void constFloat(ModelBuilder& b, const std::string& name, float v) {
    auto* n = b.node("Constant", {}, {name}, "const_" + name);
    ModelBuilder::attr(n, "value_float", v);
}
void constInts(ModelBuilder& b, const std::string& name, const I64s& v) {
    auto* n = b.node("Constant", {}, {name}, "const_" + name);
    auto* a = n->add_attribute();
    a->set_name("value_ints");
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
}

// timm's pad_same as exported: per spatial axis, total = max((ceil(in / s) - 1) * s + k - in, 0),
// begin = total / 2, end = total - begin; pads concatenated and applied by Pad before a
// padding-free conv. Writes "padded".
void sameSubgraph(ModelBuilder& b, int k, int s) {
    b.node("Shape", {"x"}, {"shape"}, "shape");
    constFloat(b, "stride", float(s));
    constFloat(b, "one", 1.0f);
    constFloat(b, "extent", float(k));
    constFloat(b, "zero", 0.0f);
    constInts(b, "two", {2});
    constInts(b, "axis0", {0});
    constInts(b, "zeros", {0, 0});
    std::vector<std::string> begins, ends;
    for (int axis : {2, 3}) {
        const std::string a = std::to_string(axis);
        constInts(b, "idx" + a, {axis});
        b.node("Gather", {"shape", "idx" + a}, {"in" + a}, "gather" + a); // [in] (1-D)
        auto* cast = b.node("Cast", {"in" + a}, {"inf" + a}, "cast" + a);
        ModelBuilder::attr(cast, "to", std::int64_t{onnx::TensorProto::FLOAT});
        b.node("Div", {"inf" + a, "stride"}, {"q" + a}, "div" + a);
        b.node("Ceil", {"q" + a}, {"c" + a}, "ceil" + a);
        b.node("Sub", {"c" + a, "one"}, {"c1" + a}, "sub" + a);
        b.node("Mul", {"c1" + a, "stride"}, {"m" + a}, "mul" + a);
        b.node("Add", {"m" + a, "extent"}, {"e" + a}, "add" + a);
        b.node("Sub", {"e" + a, "inf" + a}, {"t" + a}, "minus_in" + a);
        b.node("Max", {"t" + a, "zero"}, {"tt" + a}, "max" + a);
        auto* toInt = b.node("Cast", {"tt" + a}, {"ti" + a}, "cast_int" + a);
        ModelBuilder::attr(toInt, "to", std::int64_t{onnx::TensorProto::INT64});
        b.node("Div", {"ti" + a, "two"}, {"b" + a}, "half" + a);
        b.node("Sub", {"ti" + a, "b" + a}, {"en" + a}, "rest" + a);
        begins.push_back("b" + a);
        ends.push_back("en" + a);
    }
    auto* cat =
        b.node("Concat", {"zeros", begins[0], begins[1], "zeros", ends[0], ends[1]}, {"pads"}, "pads");
    ModelBuilder::attr(cat, "axis", std::int64_t{0});
    auto* pad = b.node("Pad", {"x", "pads"}, {"padded"}, "pad_same");
    ModelBuilder::attr(pad, "mode", std::string("constant"));
}

int count(const Graph& g, OpKind kind) {
    int n = 0;
    for (OpId u : g.units()) n += g.op(u).kind == kind;
    return n;
}

Tensor runCpu(const Graph& g, int batch = 1) {
    return CpuExecutor(g, 7).run(sequentialSchedule(g), seededInputs(g, batch, 3)).outputs.front();
}

} // namespace

class TestOnnxModern : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    int counter_ = 0;

    std::string save(const ModelBuilder& b) {
        const std::string p = (dir_.path() + "/m").toStdString() + std::to_string(++counter_) + ".onnx";
        b.save(p);
        return p;
    }
    Graph load(const ModelBuilder& b) { return importOnnx(save(b)); }
    std::string errorOf(const ModelBuilder& b) {
        try {
            importOnnx(save(b));
        } catch (const InputError& e) {
            return e.what();
        }
        return {};
    }

  private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    // Stride 2 on 8x8: total padding 1, all of it after (begin 0, end 1): the Pad stays, the conv
    // pads nothing. Values equal a direct convolution with ONNX's uneven padding.
    void samePaddingStride2FoldsToStaticPad() {
        ModelBuilder b({1, 3, 8, 8});
        sameSubgraph(b, 3, 2);
        auto* conv = b.conv("padded", "y", 3, 4, 3, 0);
        ModelBuilder::attr(conv, "strides", I64s{2, 2});
        b.output("y", {1, 4, 4, 4});
        const Graph g = load(b);
        QCOMPARE(int(g.units().size()), 2); // every shape node folded away
        const Op& pad = g.op(g.find("pad_same"));
        QVERIFY(pad.kind == OpKind::Pad);
        QCOMPARE(pad.pad, (PadSpec{0, 0, 1, 1, PadMode::Constant, 0.0f}));
        const Op& c = g.op(g.find("conv_y"));
        QCOMPARE(c.window.ph, 0);
        QCOMPARE(c.out, (Shape{4, 4, 4}));

        const std::vector<Tensor> in = seededInputs(g, 1, 3);
        const Tensor y = CpuExecutor(g, 7).run(sequentialSchedule(g), in).outputs.front();
        const std::vector<float> w = onnxtest::values(4 * 3 * 3 * 3, 1), bias = onnxtest::values(4, 2);
        double err = 0;
        for (int o = 0; o < 4; ++o)
            for (int oy = 0; oy < 4; ++oy)
                for (int ox = 0; ox < 4; ++ox) {
                    double acc = bias[size_t(o)];
                    for (int ci = 0; ci < 3; ++ci)
                        for (int ky = 0; ky < 3; ++ky)
                            for (int kx = 0; kx < 3; ++kx) {
                                const int iy = oy * 2 + ky, ix = ox * 2 + kx; // pads begin at 0
                                if (iy >= 8 || ix >= 8) continue;             // the end padding
                                acc += double(w[size_t(((o * 3 + ci) * 3 + ky) * 3 + kx)]) *
                                       in[0].at(0, ci, iy, ix);
                            }
                    err = std::max(err, std::fabs(acc - y.at(0, o, oy, ox)));
                }
        QVERIFY2(err < 1e-5, qPrintable(QString::number(err)));
    }

    // Stride 1: padding 1 on each side; the Pad folds into the conv's window entirely.
    void samePaddingStride1FoldsIntoConv() {
        ModelBuilder b({1, 3, 8, 8});
        sameSubgraph(b, 3, 1);
        b.conv("padded", "y", 3, 4, 3, 0);
        b.output("y", {1, 4, 8, 8});
        const Graph g = load(b);
        QCOMPARE(int(g.units().size()), 1);
        QCOMPARE(g.op(g.find("conv_y")).window.ph, 1);
        QCOMPARE(g.op(g.find("conv_y")).window.pw, 1);
        // The same conv written with pads 1 computes the same values.
        ModelBuilder direct({1, 3, 8, 8});
        direct.conv("x", "y", 3, 4, 3, 1);
        direct.output("y", {1, 4, 8, 8});
        QCOMPARE(maxAbsDiff(runCpu(g), runCpu(load(direct))), 0.0);
    }

    void splitSliceAndConcat() {
        ModelBuilder b({1, 4, 8, 8});
        b.initInts("sizes", {1, 3});
        auto* split = b.node("Split", {"x", "sizes"}, {"a", "c"}, "split");
        ModelBuilder::attr(split, "axis", std::int64_t{1});
        b.conv("a", "ya", 1, 2, 3, 1);
        b.conv("c", "yc", 3, 2, 5, 2, 1, 3);
        constInts(b, "starts", {2, 1});
        constInts(b, "ends", {8, 8});
        constInts(b, "axes", {1, 3});
        constInts(b, "steps", {1, 2});
        b.node("Slice", {"x", "starts", "ends", "axes", "steps"}, {"s"},
               "slice"); // channels 2..3, odd columns
        auto* cat = b.node("Concat", {"ya", "yc"}, {"y"}, "cat");
        ModelBuilder::attr(cat, "axis", std::int64_t{1});
        auto* pool = b.node("MaxPool", {"s"}, {"sp"}, "pool");
        ModelBuilder::attr(pool, "kernel_shape", I64s{1, 1});
        b.output("y", {1, 4, 8, 8});
        b.output("sp", {1, 2, 8, 4});
        const Graph g = load(b);
        QCOMPARE(count(g, OpKind::Slice), 3);
        QCOMPARE(g.op(g.find("split_0")).slice, (SliceBox{0, 0, 0, 1, 8, 8, 1, 1}));
        QCOMPARE(g.op(g.find("split_1")).slice, (SliceBox{1, 0, 0, 3, 8, 8, 1, 1}));
        QCOMPARE(g.op(g.find("slice")).slice, (SliceBox{2, 0, 1, 2, 8, 4, 1, 2}));
        const CpuRunResult r = CpuExecutor(g, 7).run(sequentialSchedule(g), seededInputs(g, 1, 3));
        QCOMPARE(r.outputs.size(), size_t(2));
    }

    void squeezeExciteSiluAndReduceMean() {
        ModelBuilder b({1, 4, 6, 6});
        b.conv("x", "c", 4, 4, 3, 1);
        b.node("Sigmoid", {"c"}, {"sig"}, "sigmoid");
        b.node("Mul", {"c", "sig"}, {"act"}, "silu");
        auto* rm = b.node("ReduceMean", {"act"}, {"m"}, "mean");
        ModelBuilder::attr(rm, "axes", I64s{2, 3});
        b.conv("m", "g", 4, 4, 1, 0);
        auto* hs = b.node("HardSigmoid", {"g"}, {"gate"}, "gate");
        ModelBuilder::attr(hs, "alpha", 1.0f / 6.0f);
        b.node("Mul", {"act", "gate"}, {"se"}, "excite");
        auto* rm0 = b.node("ReduceMean", {"se"}, {"v"}, "head_mean");
        ModelBuilder::attr(rm0, "axes", I64s{-1, -2});
        ModelBuilder::attr(rm0, "keepdims", std::int64_t{0});
        b.init("Wfc", {4, 3}, 4);
        b.node("Gemm", {"v", "Wfc"}, {"y"}, "fc");
        b.output("y", {1, 3});
        const Graph g = load(b);
        QCOMPARE(g.find("sigmoid"), -1); // folded into the SiLU
        QVERIFY(g.op(g.find("silu")).activation == Activation::Silu);
        QVERIFY(g.op(g.find("excite")).kind == OpKind::Binary);
        QVERIFY(g.op(g.find("excite")).binary == BinaryFn::Mul);
        QVERIFY(g.op(g.find("mean")).kind == OpKind::GlobalAvgPool);
        QVERIFY(g.op(g.find("head_mean")).kind == OpKind::Flatten);
        QVERIFY(g.op(g.find("gate")).activation == Activation::HardSigmoid);
        QCOMPARE(runCpu(g, 2).shape(), (Shape{3, 1, 1}));
    }

    void leakyReluFusesIntoItsConv() {
        ModelBuilder b({1, 4, 6, 6});
        b.conv("x", "c", 4, 4, 3, 1);
        auto* lr = b.node("LeakyRelu", {"c"}, {"l"}, "leaky");
        ModelBuilder::attr(lr, "alpha", 0.01f);
        b.node("GlobalAveragePool", {"l"}, {"y"}, "pool");
        b.output("y", {1, 4, 1, 1});
        const Graph g = load(b);
        QVERIFY(g.op(g.find("leaky")).activation == Activation::LeakyRelu);
        const Graph fused = fuseForRuntime(g); // the conv's epilogue applies it
        QCOMPARE(int(fused.units().size()), 2);
        QVERIFY(fused.op(fused.units().front()).activation == Activation::LeakyRelu);
        QCOMPARE(runCpu(fused, 2).data, runCpu(g, 2).data);
    }

    void channelShuffleAndResize() {
        ModelBuilder b({1, 4, 3, 3});
        b.initInts("five", {1, 2, 2, 3, 3});
        b.initInts("four", {1, -1, 3, 3});
        b.node("Reshape", {"x", "five"}, {"v"}, "view");
        auto* t = b.node("Transpose", {"v"}, {"vt"}, "transpose");
        ModelBuilder::attr(t, "perm", I64s{0, 2, 1, 3, 4});
        b.node("Reshape", {"vt", "four"}, {"s"}, "shuffle");
        b.init("scales", {4}, std::vector<float>{1, 1, 2, 2});
        auto* r = b.node("Resize", {"s", "", "scales"}, {"y"}, "up");
        ModelBuilder::attr(r, "mode", std::string("nearest"));
        ModelBuilder::attr(r, "coordinate_transformation_mode", std::string("asymmetric"));
        ModelBuilder::attr(r, "nearest_mode", std::string("floor"));
        b.output("y", {1, 4, 6, 6});
        const Graph g = load(b);
        QCOMPARE(int(g.units().size()), 2);
        QVERIFY(g.op(g.find("shuffle")).kind == OpKind::ChannelShuffle);
        QCOMPARE(g.op(g.find("shuffle")).groups, 2);
        const std::vector<Tensor> in = seededInputs(g, 1, 3);
        const Tensor y = CpuExecutor(g, 7).run(sequentialSchedule(g), in).outputs.front();
        const int source[4] = {0, 2, 1, 3}; // channels (g, k) -> k*2 + g
        for (int c = 0; c < 4; ++c)
            for (int i = 0; i < 6; ++i)
                for (int j = 0; j < 6; ++j) QCOMPARE(y.at(0, c, i, j), in[0].at(0, source[c], i / 2, j / 2));
    }

    // ResNeSt's split attention (radix 2, cardinality 1) as timm exports it: the 5-D view of the
    // radix splits, ReduceSum over axis 1 (r slices and an add), the radix softmax over a 4-D view
    // (sigmoids of the differences), the broadcast Mul of two 5-D views, ReduceSum again. The CPU
    // reference equals a direct computation.
    void splitAttentionReduceSumAndRadixSoftmax() {
        ModelBuilder b({1, 4, 3, 3});
        b.initInts("five", {1, 2, 2, 3, 3});
        b.initInts("axis1", {1});
        b.initInts("radix", {1, 1, 2, -1});
        b.initInts("flat", {1, -1});
        b.initInts("unflat", {1, -1, 1, 1});
        b.initInts("five_attn", {1, 2, 2, 1, 1});
        b.node("Reshape", {"x", "five"}, {"v"}, "view");
        auto* sum = b.node("ReduceSum", {"v", "axis1"}, {"gap"}, "radix_sum");
        ModelBuilder::attr(sum, "keepdims", std::int64_t{0});
        auto* mean = b.node("ReduceMean", {"x"}, {"m"}, "mean"); // over all 4 channels: both splits differ
        ModelBuilder::attr(mean, "axes", I64s{2, 3});
        b.node("Reshape", {"m", "radix"}, {"r4"}, "rsoftmax_view");
        auto* t = b.node("Transpose", {"r4"}, {"rt"}, "rsoftmax_transpose");
        ModelBuilder::attr(t, "perm", I64s{0, 2, 1, 3});
        auto* sm = b.node("Softmax", {"rt"}, {"rs"}, "rsoftmax");
        ModelBuilder::attr(sm, "axis", std::int64_t{1});
        b.node("Reshape", {"rs", "flat"}, {"a2"}, "attn_flat");
        b.node("Reshape", {"a2", "unflat"}, {"a4"}, "attn_4d");
        b.node("Reshape", {"a4", "five_attn"}, {"a5"}, "attn_view");
        b.node("Mul", {"v", "a5"}, {"weighted"}, "weigh");
        auto* sum2 = b.node("ReduceSum", {"weighted", "axis1"}, {"out"}, "radix_sum2");
        ModelBuilder::attr(sum2, "keepdims", std::int64_t{0});
        auto* cat = b.node("Concat", {"gap", "out"}, {"y"}, "both");
        ModelBuilder::attr(cat, "axis", std::int64_t{1});
        b.output("y", {1, 4, 3, 3});
        const Graph g = load(b);
        QVERIFY(g.op(g.find("radix_sum")).kind == OpKind::Add);
        QCOMPARE(g.op(g.find("radix_sum_radix1")).slice, (SliceBox{2, 0, 0, 2, 3, 3, 1, 1}));
        const std::vector<Tensor> in = seededInputs(g, 1, 3);
        const Tensor y = CpuExecutor(g, 7).run(sequentialSchedule(g), in).outputs.front();
        const Tensor& x = in[0];
        float mu[4];
        for (int c = 0; c < 4; ++c) {
            double acc = 0;
            for (int i = 0; i < 3; ++i)
                for (int j = 0; j < 3; ++j) acc += x.at(0, c, i, j);
            mu[c] = float(acc / 9);
        }
        for (int c = 0; c < 2; ++c) {
            // softmax over the radix pair (channel c of split 0, channel c of split 1)
            const float e0 = std::exp(mu[c]), e1 = std::exp(mu[c + 2]);
            const float a0 = e0 / (e0 + e1), a1 = e1 / (e0 + e1);
            for (int i = 0; i < 3; ++i)
                for (int j = 0; j < 3; ++j) {
                    const float x0 = x.at(0, c, i, j), x1 = x.at(0, c + 2, i, j);
                    QCOMPARE(y.at(0, c, i, j), x0 + x1);
                    QVERIFY2(std::fabs(y.at(0, 2 + c, i, j) - (a0 * x0 + a1 * x1)) < 1e-5f,
                             qPrintable(QString("attention output %1,%2,%3: %4 vs %5")
                                            .arg(c)
                                            .arg(i)
                                            .arg(j)
                                            .arg(y.at(0, 2 + c, i, j))
                                            .arg(a0 * x0 + a1 * x1)));
                }
        }
        // A sum over anything but the radix axis of such a view is refused, naming the node.
        ModelBuilder r({1, 4, 3, 3});
        r.initInts("axis2", {2});
        auto* bad = r.node("ReduceSum", {"x", "axis2"}, {"y"}, "rows");
        ModelBuilder::attr(bad, "keepdims", std::int64_t{0});
        r.output("y", {1, 4, 3});
        const std::string e = errorOf(r);
        QVERIFY2(e.find("node 'rows' (ReduceSum, opset 17)") != std::string::npos, e.c_str());
    }

    // timm's NASNet shifts a path by a pixel: ZeroPad2d((-1, 1, -1, 1)) crops the first row and
    // column and pads one after: one constant pad with signed sides. Reflect padding mirrors the
    // cropped map: a slice, then the pad.
    void negativePadsCrop() {
        ModelBuilder b({1, 2, 4, 4});
        b.initInts("pads", {0, 0, -1, -1, 0, 0, 1, 1});
        b.node("Pad", {"x", "pads"}, {"y"}, "shift");
        b.output("y", {1, 2, 4, 4});
        const Graph g = load(b);
        QCOMPARE(g.find("shift_crop"), OpId(-1));
        QCOMPARE(g.op(g.find("shift")).pad, (PadSpec{-1, -1, 1, 1, PadMode::Constant, 0.0f}));
        const std::vector<Tensor> in = seededInputs(g, 1, 3);
        const Tensor y = CpuExecutor(g, 7).run(sequentialSchedule(g), in).outputs.front();
        for (int c = 0; c < 2; ++c)
            for (int i = 0; i < 4; ++i)
                for (int j = 0; j < 4; ++j)
                    QCOMPARE(y.at(0, c, i, j), i < 3 && j < 3 ? in[0].at(0, c, i + 1, j + 1) : 0.0f);

        ModelBuilder r({1, 2, 5, 5});
        r.initInts("pads", {0, 0, -1, 1, 0, 0, 1, 0});
        auto* reflect = r.node("Pad", {"x", "pads"}, {"y"}, "mirror");
        ModelBuilder::attr(reflect, "mode", std::string("reflect"));
        r.output("y", {1, 2, 5, 6});
        const Graph m = load(r);
        QCOMPARE(m.op(m.find("mirror_crop")).slice, (SliceBox{0, 1, 0, 2, 4, 5, 1, 1}));
        QCOMPARE(m.op(m.find("mirror")).pad, (PadSpec{0, 1, 1, 0, PadMode::Reflect, 0.0f}));
    }

    void refusalsNameNodeOpOpsetAndWhat() {
        ModelBuilder b;
        b.node("LpNormalization", {"x"}, {"y"}, "normalize");
        b.output("y", {1, 3, 8, 8});
        std::string e = errorOf(b);
        QVERIFY2(e.find("node 'normalize' (LpNormalization, opset 17): unsupported operator") !=
                     std::string::npos,
                 e.c_str());
        ModelBuilder h;
        h.node("HardSigmoid", {"x"}, {"y"}, "hsig"); // ONNX's default alpha 0.2
        h.output("y", {1, 3, 8, 8});
        e = errorOf(h);
        QVERIFY2(e.find("node 'hsig' (HardSigmoid, opset 17)") != std::string::npos &&
                     e.find("alpha") != std::string::npos,
                 e.c_str());
        ModelBuilder l;
        auto* lr = l.node("LeakyRelu", {"x"}, {"y"}, "leaky"); // a slope other than PyTorch's 0.01
        ModelBuilder::attr(lr, "alpha", 0.2f);
        l.output("y", {1, 3, 8, 8});
        e = errorOf(l);
        QVERIFY2(e.find("node 'leaky' (LeakyRelu, opset 17)") != std::string::npos &&
                     e.find("alpha") != std::string::npos,
                 e.c_str());
        ModelBuilder p;
        p.initInts("pads", {0, 1, 0, 0, 0, 0, 0, 0});
        p.node("Pad", {"x", "pads"}, {"y"}, "channels");
        p.output("y", {1, 4, 8, 8});
        e = errorOf(p);
        QVERIFY2(e.find("node 'channels' (Pad, opset 17)") != std::string::npos &&
                     e.find("channel axes is not supported") != std::string::npos,
                 e.c_str());
        ModelBuilder r;
        r.init("scales", {4}, std::vector<float>{1, 1, 2, 2});
        auto* rs = r.node("Resize", {"x", "", "scales"}, {"y"}, "cubic");
        ModelBuilder::attr(rs, "mode", std::string("cubic"));
        r.output("y", {1, 3, 16, 16});
        e = errorOf(r);
        QVERIFY2(e.find("node 'cubic' (Resize, opset 17)") != std::string::npos &&
                     e.find("cubic") != std::string::npos,
                 e.c_str());
    }

    void infoOpsListsOperators() {
        ModelBuilder b;
        b.conv("x", "c", 3, 3, 3, 1);
        b.node("LpNormalization", {"c"}, {"y"}, "normalize");
        b.output("y", {1, 3, 8, 8});
        const QString file = QString::fromStdString(save(b));
        QProcess cli;
        cli.start(IOSCOPE_CLI_PATH, {"info", "--ops", file});
        QVERIFY(cli.waitForFinished(60000));
        const QString out = cli.readAllStandardOutput(), err = cli.readAllStandardError();
        QCOMPARE(cli.exitCode(), 2);
        QVERIFY2(out.contains(QRegularExpression("Conv\\s+1\\s+17\\s+yes")), qPrintable(out));
        QVERIFY2(out.contains(QRegularExpression("LpNormalization\\s+1\\s+17\\s+no")), qPrintable(out));
        QVERIFY2(err.contains("node 'normalize' (LpNormalization, opset 17): unsupported operator"),
                 qPrintable(err));
    }

    // The runtime's fusion rewrite keeps a real network's outputs: small zoo networks, as written
    // and fused, on the CPU reference with the same seeded weights and inputs (all of them with
    // IOSCOPE_ZOO_CPU=1: minutes). The GPU zoo test compares its runs with the network as written.
    void zooFusionKeepsOutputs() {
        const QDir zoo(QStringLiteral(IOSCOPE_SOURCE_DIR "/tests/data/zoo"));
        QStringList files{"lcnet_050.onnx", "shufflenet_v2_x0_5.onnx", "mobilenet_v3_small.onnx"};
        if (qEnvironmentVariableIsSet("IOSCOPE_ZOO_CPU"))
            files = zoo.entryList({"*.onnx"}, QDir::Files, QDir::Name);
        int rewritten = 0;
        for (const QString& f : files) {
            if (!zoo.exists(f)) QSKIP(qPrintable(f + " is not in " + zoo.path()));
            if (f.contains(".with-weights.")) continue;
            const Graph written = importOnnx(zoo.filePath(f).toStdString());
            FusionReport report;
            const Graph fused = fuseForRuntime(written, &report);
            rewritten += report.changed() ? 1 : 0;
            const std::vector<Tensor> in = seededInputs(written, 1, 11);
            const CpuRunResult a = CpuExecutor(written).run(sequentialSchedule(written), in);
            const CpuRunResult b = CpuExecutor(fused).run(sequentialSchedule(fused), in);
            QCOMPARE(b.outputs.size(), a.outputs.size());
            double worst = 0, scale = 0;
            for (size_t i = 0; i < a.outputs.size(); ++i) {
                QCOMPARE(b.outputs[i].data.size(), a.outputs[i].data.size());
                for (size_t k = 0; k < a.outputs[i].data.size(); ++k) {
                    worst = std::max(worst, double(std::fabs(a.outputs[i].data[k] - b.outputs[i].data[k])));
                    scale = std::max(scale, double(std::fabs(a.outputs[i].data[k])));
                }
            }
            qInfo(
                "%s: %zu units as written, %zu after the rewrite; max |difference| %.3g (max |output| %.3g)",
                qPrintable(f), written.units().size(), fused.units().size(), worst, scale);
            QVERIFY2(worst <= 1e-4 * (1 + scale), qPrintable(f)); // fp32, folded constants: rounding only
        }
        QVERIFY(rewritten > 0); // the rewrite had something to do
    }

    // Every network of the zoo (bench/zoo.txt, exported by bench/export_onnx.py) imports, and
    // the IOS DP schedules it on the sim model. Skipped where the folder holds no ONNX files.
    void zooNetworksImport() {
        const QDir zoo(QStringLiteral(IOSCOPE_SOURCE_DIR "/tests/data/zoo"));
        const QStringList files = zoo.entryList({"*.onnx"}, QDir::Files, QDir::Name);
        if (files.isEmpty()) QSKIP("tests/data/zoo holds no ONNX files");
        auto cost = makeCostModel("sim:H200", RunConfig{});
        for (const QString& f : files) {
            if (f.contains(".with-weights.")) continue;
            if (const QString only = qEnvironmentVariable("IOSCOPE_ZOO_ONLY");
                !only.isEmpty() && !f.contains(only))
                continue; // e.g. IOSCOPE_ZOO_ONLY=resnest with IOSCOPE_ZOO_CPU=1
            QElapsedTimer timer;
            timer.start();
            Graph g;
            // Networks with an operator ioscope does not support yet must be refused honestly: the
            // node, the operator and the opset named.
            static const std::map<QString, std::string> knownRefusals{};
            try {
                g = importOnnx(zoo.filePath(f).toStdString());
            } catch (const InputError& e) {
                const std::string what = e.what();
                const auto known = knownRefusals.find(f);
                if (known == knownRefusals.end()) QFAIL(qPrintable(f + ": " + e.what()));
                QVERIFY2(what.find("(" + known->second + ", opset ") != std::string::npos &&
                             what.find("node '") != std::string::npos &&
                             what.find("unsupported operator") != std::string::npos,
                         e.what());
                qInfo("%s: refused as expected: %s", qPrintable(f), e.what());
                continue;
            }
            const qint64 importMs = timer.elapsed();
            QVERIFY(!g.units().empty());
            SchedulerOptions o;
            o.maxGroupSize = 2; // keeps the DP quick; the CLI's defaults are for the report
            o.maxGroups = 4;
            o.timeLimitSeconds = 20;
            const ScheduleResult r = iosSchedule(g, *cost, o);
            validateSchedule(g, r.schedule, f.toStdString());
            QString cpuRun = QStringLiteral("not run (set IOSCOPE_ZOO_CPU=1)");
            if (qEnvironmentVariableIsSet("IOSCOPE_ZOO_CPU")) { // slow: seconds to minutes per network
                timer.restart();
                const CpuRunResult cpu = CpuExecutor(g).run(r.schedule, seededInputs(g, 1, 5));
                bool finite = !cpu.outputs.empty();
                for (const Tensor& t : cpu.outputs)
                    for (float v : t.data) finite = finite && std::isfinite(v);
                QVERIFY2(finite, qPrintable(f + ": CPU reference output is not finite"));
                cpuRun = QStringLiteral("CPU reference %1 s").arg(timer.elapsed() / 1000.0, 0, 'f', 1);
            }
            qInfo("%s: %zu units, width %d, import %lld ms, IOS/sequential (sim) %.3f, %s", qPrintable(f),
                  g.units().size(), maximumAntichain(g).width, importMs,
                  r.latencyMs / predictLatencyMs(g, sequentialSchedule(g), *cost, o.run), qPrintable(cpuRun));
        }
    }
};

QTEST_MAIN(TestOnnxModern)
#include "tst_onnx_modern.moc"

#else
class TestOnnxModern : public QObject {
    Q_OBJECT
  private slots:
    void skipped() { QSKIP("built without ONNX import"); }
};
QTEST_MAIN(TestOnnxModern)
#include "tst_onnx_modern.moc"
#endif
