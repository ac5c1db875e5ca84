// Model JSON v1: save(load(save(g))) is byte-identical to save(g) for the bundled networks and
// random graphs, loading restores the same structure, and sum terms survive the trip.
#include "engine/random_graphs.h"
#include "graph/ensemble.h"
#include "graph/op_metrics.h"
#include "io/model_json.h"
#include "models/model_registry.h"
#include "schedule/schedule.h"
#include "schedule/schedule_json.h"
#include "util/errors.h"

#include <QtTest>

using namespace ioscope;

namespace {

void checkRoundTrip(const Graph& g) {
    const std::string first = modelToJson(g);
    const Graph loaded = modelFromJson(first, "roundtrip.json");
    QCOMPARE(modelToJson(loaded), first);
    QCOMPARE(loaded.contentHash(), g.contentHash());
    QCOMPARE(loaded.size(), g.size());
    for (OpId i = 0; i < g.size(); ++i) {
        QCOMPARE(loaded.op(i).out, g.op(i).out);
        QCOMPARE(loaded.op(i).sumTerms, g.op(i).sumTerms);
        QCOMPARE(opMetrics(loaded.op(i)).flops, opMetrics(g.op(i)).flops);
    }
}

} // namespace

class TestModelJson : public QObject {
    Q_OBJECT
  private slots:
    void bundledNetworks_data() {
        QTest::addColumn<QString>("name");
        for (const auto& n : bundledModelNames()) QTest::newRow(n.c_str()) << QString::fromStdString(n);
    }
    void bundledNetworks() {
        QFETCH(QString, name);
        checkRoundTrip(*buildBundledModel(name.toStdString()));
    }

    void randomGraphs() {
        std::mt19937 rng(2024);
        for (int trial = 0; trial < 100; ++trial) {
            testing::RandomGraphOptions o;
            o.units = std::uniform_int_distribution<int>(1, 30)(rng);
            o.inputs = std::uniform_int_distribution<int>(1, 3)(rng);
            checkRoundTrip(testing::randomGraph(rng, o));
            if (QTest::currentTestFailed()) return;
        }
    }

    void fileRoundTrip() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("squeezenet.json").toStdString();
        const Graph g = buildSqueezeNet();
        saveModelFile(g, path);
        QCOMPARE(loadModelFile(path).contentHash(), g.contentHash());
    }

    // An ensemble saved and reloaded is the same model: every op keeps the weight key it had alone
    // (inputs too), so the hash, and a schedule written for it, survive the trip.
    void ensembleRoundTrip() {
        const Graph a = loadModel("squeezenet"), b = loadModel("inception_v3");
        const Graph e = buildEnsemble({{"squeezenet", &a}, {"inception_v3", &b}});
        checkRoundTrip(e);
        QTemporaryDir dir;
        const std::string path = dir.filePath("ensemble.json").toStdString();
        saveModelFile(e, path);
        const Graph reloaded = loadModel(path); // fused again on load: must change nothing
        QCOMPARE(reloaded.contentHash(), e.contentHash());
        QCOMPARE(reloaded.members(), e.members());
        const Schedule sequential = sequentialSchedule(e);
        const std::string schedule = scheduleToJson(e, makeScheduleDocument(e, sequential));
        const ScheduleDocument back = scheduleFromJson(reloaded, schedule, "ensemble-schedule.json");
        QCOMPARE(back.schedule.stages.size(), sequential.stages.size());
    }

    void sumTermsAreValidated() {
        const std::string base = R"({"format": "ioscope-model", "version": 1, "name": "t", "ops": [
            {"name": "in", "kind": "input", "shape": [4, 8, 8]},
            {"name": "a", "kind": "activation", "inputs": ["in"]},
            {"name": "b", "kind": "activation", "inputs": ["in"]},
            {"name": "c", "kind": "identity", "inputs": ["a", "b", "in"], "combine": "concat", "sum_terms": TERMS}]})";
        auto load = [&](const std::string& terms) {
            std::string text = base;
            text.replace(text.find("TERMS"), 5, terms);
            return modelFromJson(text, "t.json");
        };
        QCOMPARE(load("[2, 1]").op(3).out, (Shape{8, 8, 8}));
        QCOMPARE(load("[1, 1, 1]").op(3).out, (Shape{12, 8, 8}));
        QCOMPARE(load("[3]").op(3).out, (Shape{4, 8, 8}));
        QVERIFY_THROWS_EXCEPTION(InputError, load("[2, 2]"));
        QVERIFY_THROWS_EXCEPTION(InputError, load("[0, 3]"));
        QVERIFY_THROWS_EXCEPTION(InputError, load("[]"));
        QVERIFY_THROWS_EXCEPTION(InputError, load("\"2\""));
    }

    // A pool's end padding (ONNX's ceil_mode, uneven pads) survives the trip, sets the output
    // size, and is refused with count_include_pad or on other kinds.
    void endPaddingOfPools() {
        const std::string base = R"({"format": "ioscope-model", "version": 1, "name": "t", "ops": [
            {"name": "in", "kind": "input", "shape": [2, 8, 8]},
            {"name": "p", "kind": "KIND", "inputs": ["in"], "kernel": 3, "stride": 2, "padding": 0,
             "end_padding": [1, -1]EXTRA}]})";
        auto load = [&](const std::string& kind, const std::string& extra) {
            std::string text = base;
            text.replace(text.find("KIND"), 4, kind);
            text.replace(text.find("EXTRA"), 5, extra);
            return modelFromJson(text, "t.json");
        };
        const Graph g = load("avgpool", "");
        QCOMPARE(g.op(1).window.eh, 1);
        QCOMPARE(g.op(1).window.ew, -1);
        QCOMPARE(g.op(1).out, (Shape{2, 4, 3}));
        checkRoundTrip(g);
        QVERIFY_THROWS_EXCEPTION(InputError, load("avgpool", R"(, "count_include_pad": true)"));
        QCOMPARE(load("maxpool", "").op(1).out, (Shape{2, 4, 3}));
        checkRoundTrip(load("maxpool", ""));
        QVERIFY_THROWS_EXCEPTION(InputError, load("conv2d", R"(, "out_channels": 4)"));
    }

    // End padding at its edges: each refusal names the file and the op (or the JSON path); the
    // legal extremes infer the right size without overflow.
    void endPaddingEdges_data() {
        QTest::addColumn<QString>("pool");
        QTest::addColumn<QString>("error"); // empty: accepted
        QTest::addColumn<int>("height");    // the output height when accepted
        auto row = [](const char* tag, const char* pool, const char* error, int height = 0) {
            QTest::newRow(tag) << QString::fromUtf8(pool) << QString::fromUtf8(error) << height;
        };
        row("above the limit", R"("kernel": 2, "end_padding": [65537, 0])",
            "ops[1].end_padding[0]: expected an integer in -65536..65536");
        row("below the limit", R"("kernel": 2, "end_padding": -65537)",
            "ops[1].end_padding: expected an integer in -65536..65536");
        row("2^63", R"("kernel": 2, "end_padding": [9223372036854775808, 0])",
            "ops[1].end_padding[0]: expected an integer");
        row("1e400", R"("kernel": 2, "end_padding": [1e400, 0])", "t.json");
        row("fraction", R"("kernel": 2, "end_padding": [0.5, 0])",
            "ops[1].end_padding[0]: expected an integer, found number");
        row("three values", R"("kernel": 2, "end_padding": [1, 1, 1])",
            "ops[1].end_padding: expected two integers");
        row("not below the kernel", R"("kernel": 2, "end_padding": [2, 0])",
            "op 'p' (maxpool): end padding leaves a window outside the input");
        row("the limit", R"("kernel": 2, "end_padding": 65536)",
            "op 'p' (maxpool): end padding leaves a window outside the input");
        row("the limit, wide stride", R"("kernel": 3, "stride": 65536, "end_padding": 65530)", "", 1);
        row("padded input below the kernel", R"("kernel": 3, "end_padding": [-7, 0])",
            "op 'p' (maxpool): kernel 3x3 is larger than the padded input");
        row("the negative limit", R"("kernel": 1, "end_padding": -65536)",
            "op 'p' (maxpool): kernel 1x1 is larger than the padded input");
        row("extent above int", R"("kernel": 65536, "dilation": 65536, "end_padding": 65536)",
            "op 'p' (maxpool): kernel 65536x65536 is larger than the padded input");
        row("begin and end at the limits",
            R"("kernel": 65536, "stride": 65536, "padding": 32768, "end_padding": -65536)",
            "op 'p' (maxpool): kernel 65536x65536 is larger than the padded input");
        row("window wholly in the end padding", R"("kernel": 3, "stride": 4, "end_padding": 3)",
            "op 'p' (maxpool): end padding leaves a window outside the input");
        row("negative, legal", R"("kernel": 2, "stride": 2, "end_padding": -1)", "", 3);
        row("ceil overhang", R"("kernel": 3, "stride": 2, "end_padding": 1)", "", 4);
        row("on a conv", R"("kernel": 3, "end_padding": 1, "kind": "conv2d", "out_channels": 2)",
            "op 'p' (conv2d): end padding applies to pools only");
    }
    void endPaddingEdges() {
        QFETCH(QString, pool);
        QFETCH(QString, error);
        QFETCH(int, height);
        for (const char* kind : {"maxpool", "avgpool"}) {
            QString text = QStringLiteral(R"({"format": "ioscope-model", "version": 1, "name": "t", "ops": [
                {"name": "in", "kind": "input", "shape": [2, 8, 8]},
                {"name": "p", "inputs": ["in"], POOL, "kind": "KIND"}]})");
            text.replace("POOL", pool).replace("KIND", kind);
            if (pool.contains("\"kind\"")) text.replace(QStringLiteral(", \"kind\": \"") + kind + '"', "");
            QString expected = error;
            expected.replace("maxpool", kind);
            try {
                const Graph g = modelFromJson(text.toStdString(), "t.json");
                QVERIFY2(error.isEmpty(), qPrintable("accepted: " + text));
                QCOMPARE(g.op(1).out.h, height);
                checkRoundTrip(g);
            } catch (const InputError& e) {
                const QString msg = QString::fromUtf8(e.what());
                QVERIFY2(!error.isEmpty() && msg.startsWith("t.json: ") && msg.contains(expected) &&
                             !msg.contains('\n'),
                         e.what());
            }
        }
    }

    void errorsNameTheFileAndPlace() {
        try {
            modelFromJson(R"({"format": "ioscope-model", "version": 1, "name": "t", "ops": [
                {"name": "in", "kind": "input", "shape": [4, 8, 8]},
                {"name": "x", "kind": "warp", "inputs": ["in"]}]})",
                          "bad.json");
            QFAIL("no error");
        } catch (const InputError& e) {
            const QString msg = e.what();
            QVERIFY2(msg.startsWith("bad.json: "), e.what());
            QVERIFY2(msg.contains("ops[1]") && msg.contains("warp"), e.what());
        }
    }
};

QTEST_MAIN(TestModelJson)
#include "tst_model_json.moc"
