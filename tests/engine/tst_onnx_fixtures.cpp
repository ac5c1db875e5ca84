// The torchvision ONNX fixtures (../shared/fixtures/onnx): op counts after folding, derived
// independently from the file's node types, output shapes, structure-only loading when the
// external weights are missing, and real weights run by the CPU reference executor.
#include <QtTest>

#ifdef IOSCOPE_HAVE_ONNX
#include "exec/cpu_executor.h"
#include "onnx/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

using namespace ioscope;

namespace {

const std::string kFixtures = std::string(IOSCOPE_SHARED_DIR) + "/fixtures/onnx/";

// Scheduling units the file should become, counted from its nodes: every node is one unit
// except Identity (removed) and a Relu whose input comes from a Conv that feeds only it (fused).
struct FileCounts {
    std::map<std::string, int> nodes;
    int fusedRelus = 0;
    int expectedUnits = 0;
};

FileCounts countNodes(const std::string& file) {
    onnx::ModelProto model;
    std::ifstream in(file, std::ios::binary);
    if (!model.ParseFromIstream(&in)) throw std::runtime_error("cannot parse " + file);
    const auto& graph = model.graph();
    std::map<std::string, std::string> producerType;
    std::map<std::string, int> uses;
    for (const auto& node : graph.node()) {
        for (const auto& out : node.output()) producerType[out] = node.op_type();
        for (const auto& i : node.input()) ++uses[i];
    }
    for (const auto& out : graph.output()) ++uses[out.name()];
    FileCounts c;
    for (const auto& node : graph.node()) {
        ++c.nodes[node.op_type()];
        if (node.op_type() == "Relu" && producerType[node.input(0)] == "Conv" && uses[node.input(0)] == 1)
            ++c.fusedRelus;
    }
    for (const auto& [type, n] : c.nodes)
        if (type != "Identity") c.expectedUnits += n;
    c.expectedUnits -= c.fusedRelus;
    return c;
}

int count(const Graph& g, OpKind kind) {
    int n = 0;
    for (OpId u : g.units()) n += g.op(u).kind == kind;
    return n;
}

} // namespace

class TestOnnxFixtures : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        if (!std::filesystem::is_directory(kFixtures))
            QSKIP("no ONNX fixtures (IOSCOPE_SHARED_DIR/fixtures/onnx)");
    }

    void structureOnly_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("units");
        QTest::addColumn<int>("convs");
        QTest::addColumn<int>("concats");
        QTest::addColumn<int>("pools");
        QTest::addColumn<int>("input");
        QTest::addColumn<int>(
            "pads"); // explicit Pad ops the import adds (none since ceil-mode max pools take end padding)
        // Expected figures as measured; each is cross-checked against the file's own nodes below.
        QTest::newRow("squeezenet1_1") << "squeezenet1_1.onnx" << 39 << 26 << 8 << 4 << 224 << 0;
        QTest::newRow("inception_v3") << "inception_v3.onnx" << 121 << 94 << 11 << 14 << 299 << 0;
        QTest::newRow("googlenet") << "googlenet.onnx" << 82 << 57 << 9 << 14 << 224 << 0;
        QTest::newRow("resnet50") << "resnet50.onnx" << 89 << 53 << 0 << 2 << 224 << 0;
    }
    void structureOnly() {
        QFETCH(QString, file);
        QFETCH(int, units);
        QFETCH(int, convs);
        QFETCH(int, concats);
        QFETCH(int, pools);
        QFETCH(int, input);
        QFETCH(int, pads);
        const std::string path = kFixtures + file.toStdString();
        FileCounts expected = countNodes(path);
        std::vector<std::string> notes;
        ModelLoadOptions options;
        options.notes = &notes;
        const Graph g = importOnnx(path, options);

        QCOMPARE(count(g, OpKind::Pad), pads);
        QCOMPARE(int(g.units().size()), expected.expectedUnits + pads);
        QCOMPARE(int(g.units().size()), units);
        QCOMPARE(count(g, OpKind::Conv), expected.nodes["Conv"]);
        QCOMPARE(count(g, OpKind::Conv), convs);
        QCOMPARE(count(g, OpKind::Concat), concats);
        QCOMPARE(count(g, OpKind::MaxPool) + count(g, OpKind::AvgPool) + count(g, OpKind::GlobalAvgPool),
                 pools);
        QCOMPARE(count(g, OpKind::MaxPool), expected.nodes["MaxPool"]);
        QCOMPARE(count(g, OpKind::AvgPool), expected.nodes["AveragePool"]);
        QCOMPARE(count(g, OpKind::Add), expected.nodes["Add"]);
        QCOMPARE(count(g, OpKind::FullyConnected), expected.nodes["Gemm"]);
        QCOMPARE(count(g, OpKind::Activation), expected.nodes["Relu"] - expected.fusedRelus);
        QCOMPARE(g.op(0).out, (Shape{3, input, input}));
        QCOMPARE(int(g.outputs().size()), 1);
        QCOMPARE(g.op(g.outputs()[0]).out, (Shape{1000, 1, 1}));

        // The external weight file is not shipped: structure only, said so, no weights.
        QVERIFY(!notes.empty());
        QVERIFY(notes[0].find("structure only") != std::string::npos);
        for (OpId u : g.units()) QVERIFY(!g.op(u).weights);
    }

    void withWeightsLoadsRealWeights() {
        const std::string path = kFixtures + "squeezenet1_1.with-weights.onnx";
        std::vector<std::string> notes;
        ModelLoadOptions options;
        options.notes = &notes;
        const Graph g = importOnnx(path, options);
        QVERIFY2(notes.empty(), notes.empty() ? "" : notes[0].c_str());
        QCOMPARE(int(g.units().size()), countNodes(path).expectedUnits);
        for (OpId u : g.units()) {
            const Op& op = g.op(u);
            if (op.kind != OpKind::Conv) continue;
            QVERIFY(op.weights);
            const size_t kernel = size_t(op.outChannels) * size_t(op.in.c / op.groups) *
                                  size_t(op.window.kh) * size_t(op.window.kw);
            QCOMPARE(op.weights->kernel.size(), kernel);
            QCOMPARE(op.weights->bias.size(), size_t(op.outChannels));
            QVERIFY(op.activation == Activation::Relu);
        }
    }

    void withWeightsRunsOnTheCpuReference() {
        const Graph g = importOnnx(kFixtures + "squeezenet1_1.with-weights.onnx");
        const auto inputs = seededInputs(g, 1, 11);
        // Every weighted op carries the file's weights, so the weight seed must not matter.
        const Tensor a = CpuExecutor(g, 1).run(sequentialSchedule(g), inputs).outputs.front();
        const Tensor b = CpuExecutor(g, 2).run(sequentialSchedule(g), inputs).outputs.front();
        QCOMPARE(a.shape(), (Shape{1000, 1, 1}));
        for (float v : a.data) QVERIFY(std::isfinite(v));
        QCOMPARE(maxAbsDiff(a, b), 0.0);
        float lo = a.data[0], hi = a.data[0];
        for (float v : a.data) lo = std::min(lo, v), hi = std::max(hi, v);
        QVERIFY(hi > lo); // not a constant vector
    }
};

QTEST_GUILESS_MAIN(TestOnnxFixtures)
#else
class TestOnnxFixtures : public QObject {
    Q_OBJECT
  private slots:
    void skipped() { QSKIP("built without ONNX support"); }
};
QTEST_GUILESS_MAIN(TestOnnxFixtures)
#endif
#include "tst_onnx_fixtures.moc"
