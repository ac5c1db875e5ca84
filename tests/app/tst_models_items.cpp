// The explorer's item models under QAbstractItemModelTester, on a real network and a real
// search (simulated H100): schedule tree, results table, op properties, teaching steps.
#include "document.h"
#include "loaded_model.h"
#include "op_properties_model.h"
#include "run_table_model.h"
#include "schedule_tree_model.h"
#include "search_work.h"
#include "teaching_steps.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace ioscope;
using namespace ioscope::app;

class TestModelsItems : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void scheduleTree();
    void scheduleTreeFindsEveryOp();
    void runTable();
    void opProperties();
    void teachingSteps();

  private:
    LoadedModel model_;
    std::vector<ScheduleRun> runs_;
};

void TestModelsItems::initTestCase() {
    model_ = loadAndAnalyze(QStringLiteral("squeezenet"));
    QVERIFY(model_.graph);
    SearchRequest request; // IOS on sim:H100 with baselines
    GpuContext gpu;
    runs_ = runSearch(*model_.graph, request, gpu, {}, nullptr);
    QCOMPARE(runs_.size(), size_t(3));
    for (const ScheduleRun& r : runs_) {
        QCOMPARE(r.stageLatencyMs.size(), r.schedule.stages.size());
        QVERIFY(r.latencyMs > 0);
    }
}

void TestModelsItems::scheduleTree() {
    ScheduleTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRun(model_.graph.get(), &runs_[0]);
    QCOMPARE(model.rowCount(), int(runs_[0].schedule.stages.size()));
    const QModelIndex stage0 = model.index(0, 0);
    QCOMPARE(model.rowCount(stage0), int(runs_[0].schedule.stages[0].groups.size()));
    const QModelIndex group0 = model.index(0, 0, stage0);
    QCOMPARE(model.parent(group0), stage0);
    const QModelIndex op0 = model.index(0, 0, group0);
    QCOMPARE(model.parent(op0), group0);
    QCOMPARE(model.opAt(op0), runs_[0].schedule.stages[0].groups[0][0]);
    model.setRun(model_.graph.get(), &runs_[2]); // sequential: one op per stage
    QCOMPARE(model.rowCount(), model_.facts.units);
    model.setRun(nullptr, nullptr);
    QCOMPARE(model.rowCount(), 0);
}

void TestModelsItems::scheduleTreeFindsEveryOp() {
    ScheduleTreeModel model;
    model.setRun(model_.graph.get(), &runs_[0]);
    for (OpId op : model_.graph->units()) {
        const QModelIndex i = model.indexOfOp(op);
        QVERIFY2(i.isValid(), model_.graph->op(op).name.c_str());
        QCOMPARE(model.opAt(i), op);
        QCOMPARE(i.data(ScheduleTreeModel::OpIdRole).toInt(), op);
    }
}

void TestModelsItems::runTable() {
    Document doc;
    RunTableModel model(&doc);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    doc.setModel(model_);
    for (const ScheduleRun& r : runs_) doc.addRun(r);
    QCOMPARE(model.rowCount(), 3);
    const ScheduleRun* seq = doc.latestOf(SchedulerKind::Sequential);
    QVERIFY(seq);
    QCOMPARE(model.speedupOverSequential(*seq), 1.0);
    const ScheduleRun* ios = doc.latestOf(SchedulerKind::Ios);
    QVERIFY(model.speedupOverSequential(*ios) >= 1.0); // the DP is never worse than sequential
    ExecutionResult measured;
    measured.medianMs = 1.5;
    doc.setMeasured(ios->id, measured);
    QVERIFY(model.data(model.index(model.rowOfRun(ios->id), RunTableModel::MeasuredColumn))
                .toString()
                .contains("ms"));
    doc.clearRuns();
    QCOMPARE(model.rowCount(), 0);
}

void TestModelsItems::opProperties() {
    OpPropertiesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const Graph& g = *model_.graph;
    OpId conv = -1;
    for (OpId id : g.units())
        if (g.op(id).kind == OpKind::Conv) conv = id;
    QVERIFY(conv >= 0);
    model.setOp(&g, conv, &runs_[0]);
    QVERIFY(model.rowCount() >= 8);
    QStringList keys;
    for (int r = 0; r < model.rowCount(); ++r) keys << model.data(model.index(r, 0)).toString();
    for (const char* k :
         {"Kind", "Output shape", "FLOPs (batch 1)", "Bytes moved", "Parameters", "Predicted alone"})
        QVERIFY2(keys.contains(QString::fromLatin1(k)), k);
    model.setOp(&g, -1, nullptr);
    QCOMPARE(model.rowCount(), 0);
}

void TestModelsItems::teachingSteps() {
    QVERIFY(!model_.blocks.empty());
    TeachingStepsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const ScheduleRun& ios = runs_[0];
    double total = 0;
    int decisions = 0;
    for (const Block& b : model_.blocks) {
        const auto steps = replayDecisions(ios, b.ops);
        QVERIFY(!steps.empty());
        // The first decision holds the whole block; each later one holds what is left.
        QCOMPARE(steps.front().remaining.size(), b.ops.size());
        for (size_t i = 1; i < steps.size(); ++i)
            QCOMPARE(steps[i].remaining.size(),
                     steps[i - 1].remaining.size() - size_t(steps[i - 1].ending.opCount()));
        QCOMPARE(size_t(steps.back().ending.opCount()), steps.back().remaining.size());
        total += steps.front().costOfRemainingMs;
        decisions += int(steps.size());
        model.setSteps(model_.graph.get(), steps);
        QCOMPARE(model.rowCount(), int(steps.size()));
    }
    // Blocks' costs add up to the schedule's predicted latency; every stage is one decision.
    QCOMPARE(decisions, int(ios.schedule.stages.size()));
    QVERIFY(qAbs(total - ios.latencyMs) < 1e-6 * ios.latencyMs + 1e-9);
}

QTEST_MAIN(TestModelsItems)
#include "tst_models_items.moc"
