// Chrome trace export: valid Trace Event JSON with stage and op events on the right rows,
// timings that add up to the predicted latency, and the measured-kernel process when given.
#include "engine/scheduler_test_support.h"
#include "pipeline/chrome_trace.h"
#include "sched/scheduler.h"

#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

using namespace ioscope;
using namespace ioscope::testing;

class TestChromeTrace : public QObject {
    Q_OBJECT
  private slots:
    void predictedTimeline();
    void traceEvents();
};

namespace {

Graph graph() {
    Graph g("trace");
    const OpId in = g.addInput("in", Shape{8, 8, 8});
    const OpId a = g.addOp(convOp("a", in, 1));
    const OpId b = g.addOp(convOp("b", in, 3));
    const OpId c = g.addOp(convOp("c", b, 3));
    g.addOp(addOp("sum", {a, c}));
    g.finalize();
    return g;
}

// a | b c, then sum; and a merge variant.
Schedule schedule() {
    return Schedule{{Stage{Strategy::Concurrent, {{1}, {2, 3}}}, Stage{Strategy::Concurrent, {{4}}}}};
}

} // namespace

void TestChromeTrace::predictedTimeline() {
    const Graph g = graph();
    TestCostModel cost;
    const PredictedTimeline t = predictTimeline(g, schedule(), cost, {});
    QCOMPARE(t.stages.size(), size_t(2));
    QCOMPARE(t.lanes, 2);
    QVERIFY(std::abs(t.totalMs - predictLatencyMs(g, schedule(), cost, {})) < 1e-12);
    const TimelineStage& s0 = t.stages[0];
    QCOMPARE(s0.ops.size(), size_t(3));
    // The two-op group is the busiest: it spans the stage, b then c.
    QCOMPARE(s0.ops[1].op, 2);
    QCOMPARE(s0.ops[2].op, 3);
    QCOMPARE(s0.ops[1].startMs, s0.startMs);
    QVERIFY(std::abs(s0.ops[2].endMs - s0.endMs) < 1e-12);
    QCOMPARE(s0.ops[1].endMs, s0.ops[2].startMs);
    QVERIFY(s0.ops[0].endMs < s0.endMs);
    QCOMPARE(t.stages[1].startMs, s0.endMs);
}

void TestChromeTrace::traceEvents() {
    const Graph g = graph();
    TestCostModel cost;
    const Schedule s = schedule();
    const std::vector<KernelRecord> kernels = {{"conv_a", 0.0, 0.01, 0, 0, 1},
                                               {"conv_b", 0.0, 0.02, 1, 0}}; // conv_a ran op a
    TraceSources sources;
    sources.predictedLabel = "predicted: test";
    sources.measured = &kernels;
    QTemporaryDir dir;
    const std::string path = dir.filePath("t.json").toStdString();
    saveChromeTrace(path, chromeTraceJson(g, s, predictTimeline(g, s, cost, {}), sources));
    QFile f(QString::fromStdString(path));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto j = nlohmann::json::parse(f.readAll().toStdString());
    QVERIFY(j["traceEvents"].is_array());
    int stages = 0, ops = 0, kernelEvents = 0, names = 0;
    for (const auto& e : j["traceEvents"]) {
        QVERIFY(e.contains("ph") && e.contains("pid") && e.contains("tid") && e.contains("name"));
        if (e["ph"] == "M") {
            ++names;
            continue;
        }
        QCOMPARE(e["ph"].get<std::string>(), std::string("X"));
        QVERIFY(e["dur"].get<double>() >= 0);
        if (e["cat"] == "stage") {
            ++stages;
            QCOMPARE(e["tid"].get<int>(), 0);
            QVERIFY(e["args"].contains("groups"));
        } else if (e["cat"] == "op") {
            ++ops;
            QVERIFY(e["tid"].get<int>() >= 1);
            QVERIFY(e["args"].contains("kind") && e["args"].contains("gflops") &&
                    e["args"].contains("output"));
            if (e["name"] == "c") QCOMPARE(e["tid"].get<int>(), 2);
        } else if (e["cat"] == "kernel") {
            ++kernelEvents;
            QCOMPARE(e["pid"].get<int>(), 2);
            // The op a kernel ran for, where the runtime recorded it.
            QCOMPARE(e["args"].value("op", std::string()), std::string(e["name"] == "conv_a" ? "a" : ""));
        }
    }
    QCOMPARE(stages, 2);
    QCOMPARE(ops, 4);
    QCOMPARE(kernelEvents, 2);
    QVERIFY(names >= 5);

    // A merge stage is one slice naming its ops.
    const Schedule merged{{Stage{Strategy::Merge, {{1, 2}}}, Stage{Strategy::Concurrent, {{3}}},
                           Stage{Strategy::Concurrent, {{4}}}}};
    const auto m = nlohmann::json::parse(chromeTraceJson(g, merged, predictTimeline(g, merged, cost, {})));
    bool found = false;
    for (const auto& e : m["traceEvents"])
        if (e["ph"] == "X" && e["name"] == "merged a+b") found = e["args"]["ops"].size() == 2;
    QVERIFY(found);
}

QTEST_APPLESS_MAIN(TestChromeTrace)
#include "tst_chrome_trace.moc"
