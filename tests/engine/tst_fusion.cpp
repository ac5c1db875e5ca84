// The runtime fusion rewrite (graph/fusion.h): the rewritten graph computes what the original
// computes (CPU reference, seeded weights, several batches), on random DAGs, hand-built
// residual blocks and the bundled networks, and it folds what it should.
#include "exec/cpu_executor.h"
#include "gpu_test_graphs.h"
#include "graph/fusion.h"
#include "models/model_registry.h"
#include "random_graphs.h"
#include "sched/scheduler.h"
#include "schedule/schedule.h"

#include <QTest>

#include <cmath>
#include <filesystem>
#include <tuple>

using namespace ioscope;

namespace {

Op conv(const std::string& name, std::vector<OpId> in, int out, int k, Activation act) {
    Op op;
    op.name = name;
    op.kind = OpKind::Conv;
    op.inputs = std::move(in);
    op.outChannels = out;
    op.window = {k, k, 1, 1, k / 2, k / 2, 1, 1};
    op.activation = act;
    return op;
}

Op simple(const std::string& name, OpKind kind, std::vector<OpId> in, Activation act = Activation::None) {
    Op op;
    op.name = name;
    op.kind = kind;
    op.inputs = std::move(in);
    op.activation = act;
    return op;
}

Op reluConv(const std::string& name, OpId in, int out) {
    Op op = simple(name, OpKind::Sequential, {in});
    op.body = {simple("relu", OpKind::Activation, {}, Activation::Relu),
               conv("conv", {}, out, 1, Activation::None)};
    return op;
}

// Max |a - b| / (1 + max |a|) over every output, which must match by name and shape.
double outputError(const Graph& original, const Graph& fused, int batch) {
    const auto inputs = seededInputs(original, batch, 7);
    const CpuRunResult a = CpuExecutor(original).run(sequentialSchedule(original), inputs);
    const CpuRunResult b = CpuExecutor(fused).run(sequentialSchedule(fused), inputs);
    if (a.outputs.size() != b.outputs.size()) return INFINITY;
    double worst = 0;
    for (size_t k = 0; k < a.outputs.size(); ++k) {
        if (original.op(a.outputIds[k]).name != fused.op(b.outputIds[k]).name) return INFINITY;
        const auto& x = a.outputs[k].data;
        const auto& y = b.outputs[k].data;
        if (x.size() != y.size()) return INFINITY;
        double scale = 0, diff = 0;
        for (size_t i = 0; i < x.size(); ++i) {
            scale = std::max(scale, double(std::fabs(x[i])));
            diff = std::max(diff, double(std::fabs(x[i] - y[i])));
        }
        worst = std::max(worst, diff / (1 + scale));
    }
    return worst;
}

int countKind(const Graph& g, OpKind kind) {
    int n = 0;
    for (const Op& op : g.ops()) n += op.kind == kind;
    return n;
}

} // namespace

class TestFusion : public QObject {
    Q_OBJECT
  private slots:
    void residualBlockFoldsAddAndRelu() {
        Graph g("block");
        const OpId in = g.addInput("input", {8, 6, 6});
        const OpId a = g.addOp(conv("a", {in}, 8, 3, Activation::Relu));
        const OpId b = g.addOp(conv("b", {a}, 8, 3, Activation::None));
        const OpId sum = g.addOp(simple("sum", OpKind::Add, {b, in}));
        const OpId relu = g.addOp(simple("relu", OpKind::Activation, {sum}, Activation::Relu));
        g.addOp(conv("head", {relu}, 4, 1, Activation::None));
        g.finalize("block");
        FusionReport report;
        const Graph f = fuseForRuntime(g, &report);
        QCOMPARE(f.size(), 4); // input, a, b (+ input + ReLU), head
        const Op& fb = f.op(f.find("b"));
        QCOMPARE(fb.residuals, 1);
        QVERIFY(fb.activation == Activation::Relu);
        QCOMPARE(f.op(fb.inputs.back()).name, std::string("input"));
        QCOMPARE(fb.fused, (std::vector<std::string>{"sum", "relu"}));
        QCOMPARE(report.residualsFolded, 1);
        QCOMPARE(report.activationsFolded, 1);
        QVERIFY(f.find("relu") < 0 && f.find("sum") < 0);
        QVERIFY(outputError(g, f, 2) < 1e-5);
    }

    // Inception's pool branch: a 1x1 conv narrowing the channels after a 3x3 average pool runs
    // first, the pool on its output, as one unit under the conv's name; the same result.
    void poolBranchConvRunsFirst() {
        auto build = [](bool includePad, bool bias, int outChannels, bool shared) {
            Graph g("branch");
            const OpId in = g.addInput("input", {16, 7, 7});
            Op pool = simple("pool", OpKind::AvgPool, {in});
            pool.window = {3, 3, 1, 1, 1, 1, 1, 1};
            pool.countIncludePad = includePad;
            const OpId p = g.addOp(pool);
            Op c = conv("proj", {p}, outChannels, 1, Activation::None);
            c.bias = bias;
            if (includePad && bias) { // real weights (as imported), split between conv and pool
                Weights w;
                for (int i = 0; i < outChannels * 16; ++i) w.kernel.push_back(0.1f * float(i % 7) - 0.3f);
                for (int i = 0; i < outChannels; ++i) w.bias.push_back(0.5f - 0.25f * float(i));
                c.weights = std::make_shared<const Weights>(w);
            }
            const OpId pc = g.addOp(c);
            const OpId relu = g.addOp(simple("relu", OpKind::Activation, {pc}, Activation::Relu));
            const OpId other = g.addOp(conv("other", {shared ? p : in}, 8, 3, Activation::Relu));
            g.addOp(simple("cat", OpKind::Concat, {relu, other}));
            g.finalize("branch");
            return g;
        };
        for (auto [includePad, bias] : {std::pair{false, true}, {true, false}, {true, true}}) {
            const Graph g = build(includePad, bias, 4, false);
            FusionReport report;
            const Graph f = fuseForRuntime(g, &report);
            QCOMPARE(report.poolsCommuted, 1);
            QVERIFY(f.find("pool") < 0 && f.find("relu") < 0);
            const Op& unit = f.op(f.find("proj"));
            QVERIFY(unit.kind == OpKind::Sequential);
            QCOMPARE(f.op(unit.inputs.front()).name, std::string("input"));
            QCOMPARE(unit.body.size(), size_t(2));
            QVERIFY(unit.body[0].kind == OpKind::Conv && unit.body[0].activation == Activation::None);
            QVERIFY(unit.body[1].kind == OpKind::AvgPool && unit.body[1].activation == Activation::Relu);
            QCOMPARE(unit.body[1].in.c, 4); // the pool reads the conv's 4 channels, not 16
            QCOMPARE(unit.out, (Shape{4, 7, 7}));
            QCOMPARE(unit.body[1].poolBias, includePad && bias); // the bias moved after the mean
            const double err = outputError(g, f, 2);
            QVERIFY2(err < 1e-5, qPrintable(QString("count_include_pad %1: %2").arg(includePad).arg(err)));
        }
        // Left alone: a conv that widens, a pool read elsewhere too.
        for (auto [includePad, bias, out, shared] :
             {std::tuple{false, true, 32, false}, {false, true, 4, true}}) {
            FusionReport report;
            const Graph f = fuseForRuntime(build(includePad, bias, out, shared), &report);
            QCOMPARE(report.poolsCommuted, 0);
            QVERIFY(f.op(f.find("proj")).kind == OpKind::Conv);
        }
    }

    // DenseNet's pre-activation: a batch norm + ReLU on a growing concat, read only by a 1x1 conv,
    // joins it as one unit {scale-shift, conv} (seeded and imported weights); read elsewhere too,
    // or by a 3x3 conv, it stays.
    void preActivationScaleShiftJoinsConv() {
        auto build = [](bool imported, bool shared, int k) {
            Graph g("dense");
            const OpId in = g.addInput("input", {8, 6, 6});
            const OpId a = g.addOp(conv("a", {in}, 4, 3, Activation::Relu));
            const OpId cat = g.addOp(simple("cat", OpKind::Concat, {in, a}));
            Op norm = simple("norm", OpKind::ScaleShift, {cat});
            if (imported) {
                Weights w;
                for (int c = 0; c < 12; ++c) {
                    w.kernel.push_back(0.5f + 0.1f * float(c));
                    w.bias.push_back(0.3f - 0.05f * float(c));
                }
                norm.weights = std::make_shared<const Weights>(w);
            }
            const OpId n = g.addOp(norm);
            const OpId relu = g.addOp(simple("relu", OpKind::Activation, {n}, Activation::Relu));
            const OpId c1 = g.addOp(conv("conv1", {relu}, 8, k, Activation::Relu));
            const OpId c2 = g.addOp(conv("conv2", {c1}, 4, 3, Activation::None));
            if (shared) g.addOp(simple("other", OpKind::Add, {relu, relu}));
            g.addOp(simple("out", OpKind::Concat, {cat, c2}));
            g.finalize("dense");
            return g;
        };
        for (bool imported : {false, true}) {
            const Graph g = build(imported, false, 1);
            FusionReport report;
            const Graph f = fuseForRuntime(g, &report);
            QCOMPARE(report.scaleShiftsPrefixed, 1);
            QVERIFY(f.find("norm") < 0 && f.find("relu") < 0);
            const Op& unit = f.op(f.find("conv1"));
            QVERIFY(unit.kind == OpKind::Sequential);
            QCOMPARE(f.op(unit.inputs.front()).name, std::string("cat"));
            QCOMPARE(unit.body.size(), size_t(2));
            QVERIFY(unit.body[0].kind == OpKind::ScaleShift && unit.body[0].activation == Activation::Relu);
            QVERIFY(unit.body[1].kind == OpKind::Conv && unit.body[1].activation == Activation::Relu);
            QCOMPARE(unit.out, (Shape{8, 6, 6}));
            QCOMPARE(unit.fused.front(), std::string("norm (on the conv's input)"));
            const double err = outputError(g, f, 2);
            QVERIFY2(err < 1e-5, qPrintable(QString("imported %1: %2").arg(imported).arg(err)));
        }
        for (auto [shared, k] : {std::pair{true, 1}, {false, 3}}) {
            FusionReport report;
            const Graph g = build(false, shared, k);
            const Graph f = fuseForRuntime(g, &report);
            QCOMPARE(report.scaleShiftsPrefixed, 0);
            QVERIFY(f.op(f.find("conv1")).kind == OpKind::Conv);
            QVERIFY(outputError(g, f, 2) < 1e-5);
        }
    }

    void sharedReluComputedOnce() {
        Graph g("shared");
        const OpId in = g.addInput("input", {8, 5, 5});
        const OpId x = g.addOp(conv("x", {in}, 8, 3, Activation::None));
        Op pool = simple("pool", OpKind::MaxPool, {x});
        pool.window = {3, 3, 1, 1, 1, 1, 1, 1};
        const OpId p = g.addOp(pool);
        const OpId r1 = g.addOp(reluConv("left", x, 4));
        const OpId r2 = g.addOp(reluConv("right", x, 4));
        g.addOp(simple("cat", OpKind::Concat, {r1, r2, p}));
        g.finalize("shared");
        FusionReport report;
        const Graph f = fuseForRuntime(g, &report);
        QCOMPARE(report.reluShared, 2);
        QCOMPARE(countKind(f, OpKind::Sequential), 0);
        QCOMPARE(countKind(f, OpKind::Activation), 1);
        const Op& left = f.op(f.find("left"));
        QVERIFY(left.kind == OpKind::Conv);
        QVERIFY(f.op(left.inputs.front()).kind == OpKind::Activation);
        QVERIFY(outputError(g, f, 1) < 1e-5);
    }

    // A mixed-kernel conv (MixNet): parts concatenated, then one activation. Each part applies it
    // in its own epilogue; when a part is read elsewhere too, nothing folds.
    void activationAfterConcatFoldsIntoProducers() {
        for (bool shared : {false, true}) {
            Graph g("mixed");
            const OpId in = g.addInput("input", {8, 7, 7});
            const OpId a = g.addOp(conv("k3", {in}, 4, 3, Activation::None));
            const OpId b = g.addOp(conv("k5", {in}, 6, 5, Activation::None));
            const OpId cat = g.addOp(simple("cat", OpKind::Concat, {a, b}));
            const OpId act = g.addOp(simple("silu", OpKind::Activation, {cat}, Activation::Silu));
            const OpId head = g.addOp(conv("head", {act}, 4, 1, Activation::None));
            if (shared) g.addOp(simple("other", OpKind::Add, {b, b}));
            (void)head;
            g.finalize("mixed");
            FusionReport report;
            const Graph f = fuseForRuntime(g, &report);
            QCOMPARE(f.find("silu") < 0, !shared);
            QCOMPARE(f.op(f.find("k3")).activation == Activation::Silu, !shared);
            QCOMPARE(f.op(f.find("k5")).activation == Activation::Silu, !shared);
            QVERIFY(outputError(g, f, 2) < 1e-5);
        }
    }

    void outputsAreNeverFoldedAway() {
        Graph g("tail");
        const OpId in = g.addInput("input", {4, 4, 4});
        const OpId a = g.addOp(conv("a", {in}, 4, 1, Activation::None));
        g.addOp(simple("out", OpKind::Activation, {a}, Activation::Sigmoid));
        g.finalize("tail");
        const Graph f = fuseForRuntime(g);
        QCOMPARE(f.size(), 3);
        QCOMPARE(f.outputs().size(), size_t(1));
        QCOMPARE(f.op(f.outputs().front()).name, std::string("out"));
    }

    void randomGraphsComputeTheSame() {
        int changed = 0;
        for (unsigned seed = 1; seed <= 150; ++seed) {
            std::mt19937 rng(seed);
            testing::RandomGraphOptions o;
            o.units = 6 + int(seed % 14);
            o.maxFanIn = 3;
            const Graph g = testing::randomGraph(rng, o);
            FusionReport report;
            const Graph f = fuseForRuntime(g, &report);
            changed += report.changed();
            QVERIFY(f.size() <= g.size() + 4);
            validateSchedule(f, sequentialSchedule(f));
            const double err = outputError(g, f, 1 + int(seed % 2));
            if (!(err < 1e-5)) QFAIL(qPrintable(QString("seed %1: error %2").arg(seed).arg(err)));
            // The rewrite is idempotent: nothing is left to fold.
            FusionReport again;
            const Graph twice = fuseForRuntime(f, &again);
            QCOMPARE(twice.size(), f.size());
            QCOMPARE(twice.contentHash(), f.contentHash());
        }
        QVERIFY2(changed > 50, qPrintable(QString::number(changed)));
    }

    void gpuFusionPatternsOnCpu() {
        const Graph g = gputest::fusionPatternGraph();
        FusionReport report;
        const Graph f = fuseForRuntime(g, &report);
        qInfo("%s", report.summary().c_str());
        QVERIFY(report.residualsFolded >= 5 && report.activationsFolded >= 2 && report.reluShared >= 2);
        QCOMPARE(countKind(f, OpKind::Add), 0);
        QVERIFY(outputError(g, f, 2) < 1e-5);
    }

    void bundledNetworks_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("numeric");
        QTest::newRow("squeezenet") << "squeezenet" << true;
        QTest::newRow("inception_v3") << "inception_v3" << false;
        QTest::newRow("randwire") << "randwire" << false;
        QTest::newRow("nasnet") << "nasnet" << false;
    }
    void bundledNetworks() {
        QFETCH(QString, name);
        QFETCH(bool, numeric);
        const Graph g = *buildBundledModel(name.toStdString());
        FusionReport report;
        const Graph f = fuseForRuntime(g, &report);
        qInfo("%s: %s", qPrintable(name), report.summary().c_str());
        QCOMPARE(f.outputs().size(), g.outputs().size());
        validateSchedule(f, sequentialSchedule(f));
        if (name == "nasnet") {
            // Every branch sum of a cell rides in a producer's epilogue, and each cell output's
            // ReLU is computed once for the two cells that read it.
            QVERIFY(report.residualsFolded > 100);
            QVERIFY(report.reluShared > 30);
            // Sums left are those whose addends are read elsewhere too (reduction cells).
            int sums = 0;
            for (const Op& op : f.ops())
                for (const auto& term : inputTerms(op)) sums += term.size() > 1;
            QVERIFY2(sums < 12, qPrintable(QString::number(sums)));
        }
        if (numeric) QVERIFY(outputError(g, f, 1) < 1e-4);
    }

    void onnxResNetFoldsEveryAdd() {
        const std::string path = IOSCOPE_SHARED_DIR "/fixtures/onnx/resnet50.onnx";
        if (!std::filesystem::exists(path)) QSKIP("../shared/fixtures/onnx/resnet50.onnx is absent");
#ifndef IOSCOPE_HAVE_ONNX
        QSKIP("built without ONNX import");
#else
        ModelLoadOptions o;
        o.inputOverride = {3, 64, 64};
        o.fuse = false;
        const Graph g = loadModel(path, o);
        FusionReport report;
        const Graph f = fuseForRuntime(g, &report);
        QCOMPARE(countKind(f, OpKind::Add), 0);
        QCOMPARE(countKind(f, OpKind::Activation), 0);
        QCOMPARE(report.residualsFolded, 16);
        QVERIFY(outputError(g, f, 1) < 1e-4);
#endif
    }
};

QTEST_APPLESS_MAIN(TestFusion)
#include "tst_fusion.moc"
