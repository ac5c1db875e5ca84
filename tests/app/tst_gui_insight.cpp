// What the explorer shows beyond the schedule itself, offscreen on SqueezeNet: the critical path
// and slack in the DAG, the timeline and the properties; heat maps with their legend; tensor
// shapes on edges; kernels linked to ops; the Compare dock's default pair; and closing the
// window in the middle of a search.
#include "app_settings.h"
#include "dag_colouring.h"
#include "dag_items.h"
#include "dag_view.h"
#include "diff_panel.h"
#include "document.h"
#include "main_window.h"
#include "op_colors.h"
#include "op_properties_model.h"
#include "run_diff.h"
#include "sched/schedule_slack.h"
#include "search_job.h"
#include "search_panel.h"
#include "selection_model.h"
#include "timeline_view.h"

#include <QAction>
#include <QElapsedTimer>
#include <QFile>
#include <QGraphicsScene>
#include <QLockFile>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <cmath>

using namespace ioscope;
using namespace ioscope::app;

namespace {
// Found once: a QSettings made while the file's lock is held waits for it.
QString settingsFile() {
    static const QString file = QSettings(QStringLiteral("ioscope"), QStringLiteral("ioscope")).fileName();
    return file;
}
QByteArray settingsOnDisk() {
    QFile f(settingsFile());
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
} // namespace

class TestGuiInsight : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void compareStartsWithTwoDistinctRuns();
    void criticalPathInDagAndTimeline();
    void heatMapsColourByValueWithALegend();
    void edgesCarryTensorShapes();
    void measuredKernelsGiveOpTimes();
    void compareFollowsAnEditToItsSource();
    void searchProgressPastTheCountShowsTheTimeLimit();
    void closingMidSearchStopsTheWorkers();
    void viewOptionsPersist();
    void settingsBatchIsOneWrite();
    void settingsWritesNeverWaitForTheDisk();
    void unchangedSettingsWriteNothing();
    void cleanupTestCase();

  private:
    QTemporaryDir home_;
    std::unique_ptr<MainWindow> window_;
};

void TestGuiInsight::initTestCase() {
    // Settings of its own: closing the window saves them, and other suites read theirs.
    QVERIFY(home_.isValid());
    qputenv("HOME", home_.path().toLocal8Bit());
    QStandardPaths::setTestModeEnabled(true);
    window_ = std::make_unique<MainWindow>();
    window_->setQuietErrors(true);
    window_->resize(1280, 720);
    window_->show();
    window_->openModel(QStringLiteral("squeezenet"));
    QVERIFY(window_->waitUntilIdle(120000));
    QVERIFY(window_->document()->currentRun());
}

void TestGuiInsight::compareStartsWithTwoDistinctRuns() {
    Document* doc = window_->document();
    QVERIFY(doc->runs().size() >= 2); // IOS with its wavefront and sequential baselines
    DiffPanel* diff = window_->diffPanel();
    QVERIFY(diff->beforeRunId() > 0 && diff->afterRunId() > 0);
    QVERIFY(diff->beforeRunId() != diff->afterRunId());
    QCOMPARE(diff->afterRunId(), doc->currentRunId());
    // The before run is the fastest comparable other schedule.
    const ScheduleRun* before = doc->run(diff->beforeRunId());
    for (const ScheduleRun& r : doc->runs())
        if (r.id != doc->currentRunId() && r.schedule != doc->currentRun()->schedule)
            QVERIFY(before->latencyMs <= r.latencyMs);

    // The pure rule: fewer than two runs give no pair; one run is never compared with itself.
    std::deque<ScheduleRun> runs;
    QCOMPARE(defaultDiffPair(runs, -1), std::make_pair(-1, -1));
    runs.push_back(doc->runs().front());
    QCOMPARE(defaultDiffPair(runs, runs.front().id), std::make_pair(-1, -1));
    runs.push_back(doc->runs()[1]);
    const auto pair = defaultDiffPair(runs, -1);
    QCOMPARE(pair.second, runs.back().id); // no current run: the newest
    QCOMPARE(pair.first, runs.front().id);
}

void TestGuiInsight::criticalPathInDagAndTimeline() {
    Document* doc = window_->document();
    const Graph* g = doc->graph();
    const ScheduleRun* run = doc->currentRun();
    const ScheduleSlack slack = scheduleSlack(*g, run->predicted);
    QVERIFY(!slack.criticalPath.empty());
    widgets::DagView* dag = window_->dagView();
    QVERIFY(dag->criticalPathVisible());
    const QSet<OpId> expected(slack.criticalPath.begin(), slack.criticalPath.end());
    QCOMPARE(dag->criticalOps(), expected);
    for (OpId op : g->units()) QCOMPARE(dag->nodeItem(op)->state().critical, expected.contains(op));
    int criticalEdges = 0;
    for (QGraphicsItem* item : dag->scene()->items())
        if (auto* e = qgraphicsitem_cast<widgets::DagEdgeItem*>(item)) {
            QCOMPARE(e->critical(), slack.pathEdge(e->from(), e->to()));
            criticalEdges += e->critical();
        }
    QVERIFY(criticalEdges > 0); // the path follows DAG edges where it can
    // The op tooltip gives the slack; off-path ops name theirs.
    OpId slackOp = -1;
    for (OpId op : g->units())
        if (slack.slackMs[size_t(op)] > 0) slackOp = op;
    QVERIFY(slackOp >= 0);
    QVERIFY(dag->nodeItem(slackOp)->toolTip().contains(QStringLiteral("slack")));
    QVERIFY(dag->nodeItem(slack.criticalPath.front())->toolTip().contains(QStringLiteral("critical path")));
    // The current run's lane marks the same ops; every box carries its slack.
    const auto& lane = window_->timeline()->lanes().front();
    QCOMPARE(lane.name, run->label());
    for (const auto& box : lane.boxes) {
        QCOMPARE(box.critical, slack.onPath(box.op));
        QCOMPARE(box.slackMs, slack.slackMs[size_t(box.op)]);
    }
    // Properties name the slack.
    window_->selection()->selectOp(slackOp);
    bool slackRow = false;
    for (int r = 0; r < window_->propertiesModel()->rowCount(); ++r)
        slackRow |= window_->propertiesModel()->index(r, 0).data().toString() == QStringLiteral("Slack");
    QVERIFY(slackRow);
    // View → Critical path off clears both views.
    auto* action = window_->findChild<QAction*>(QStringLiteral("criticalPathAction"));
    QVERIFY(action);
    action->setChecked(false);
    QVERIFY(dag->criticalOps().isEmpty());
    QVERIFY(!dag->nodeItem(slack.criticalPath.front())->state().critical);
    for (const auto& box : window_->timeline()->lanes().front().boxes) QVERIFY(!box.critical);
    action->setChecked(true);
    QCOMPARE(dag->criticalOps(), expected);
}

void TestGuiInsight::heatMapsColourByValueWithALegend() {
    Document* doc = window_->document();
    const Graph* g = doc->graph();
    const ScheduleRun* run = doc->currentRun();
    widgets::DagView* dag = window_->dagView();
    window_->setDagColouring(DagColouring::PredictedTime);
    // The slowest op alone is the hottest; a faster one is cooler.
    OpId slowest = g->units().front(), fastest = slowest;
    for (OpId op : g->units()) {
        if (run->opLatencyMs[size_t(op)] > run->opLatencyMs[size_t(slowest)]) slowest = op;
        if (run->opLatencyMs[size_t(op)] < run->opLatencyMs[size_t(fastest)]) fastest = op;
    }
    QCOMPARE(dag->nodeItem(slowest)->tint(), widgets::heatColor(1.0));
    QCOMPARE(dag->nodeItem(fastest)->tint(), widgets::heatColor(0.0));
    const DagHeat heat = dagHeat(DagColouring::PredictedTime, *g, run);
    QVERIFY(heat.legend.size() >= 6);
    QVERIFY(!heat.legend.front().second.isValid()); // a heading
    QVERIFY(heat.legend.front().first.contains(QStringLiteral("Predicted")));

    // Share of the stage: an op alone in a stage that takes time takes all of it; ops of free
    // stages (concats) have no share.
    window_->setDagColouring(DagColouring::StageShare);
    int alone = 0;
    for (size_t k = 0; k < run->schedule.stages.size(); ++k) {
        const Stage& st = run->schedule.stages[k];
        if (st.groups.size() != 1 || st.groups.front().size() != 1) continue;
        const QColor tint = dag->nodeItem(st.groups.front().front())->tint();
        if (run->stageLatencyMs[k] > 0) {
            QCOMPARE(tint, widgets::heatColor(1.0));
            ++alone;
        } else {
            QVERIFY(tint != widgets::heatColor(1.0) && tint.isValid());
        }
    }
    QVERIFY(alone > 0);

    // Slack: the critical path is the hottest.
    window_->setDagColouring(DagColouring::Slack);
    const ScheduleSlack slack = scheduleSlack(*g, run->predicted);
    for (OpId op : slack.criticalPath) QCOMPARE(dag->nodeItem(op)->tint(), widgets::heatColor(1.0));

    // Measured without measurements: nothing to colour, kind colours stay, and it says why.
    const DagHeat none = dagHeat(DagColouring::MeasuredTime, *g, run);
    QVERIFY(none.tints.empty());
    QVERIFY(!none.unavailable.isEmpty());
    window_->setDagColouring(DagColouring::Kind);
    QVERIFY(!dag->nodeItem(slowest)->tint().isValid());
}

void TestGuiInsight::edgesCarryTensorShapes() {
    widgets::DagView* dag = window_->dagView();
    const Graph* g = window_->document()->graph();
    int labelled = 0;
    for (QGraphicsItem* item : dag->scene()->items())
        if (auto* e = qgraphicsitem_cast<widgets::DagEdgeItem*>(item)) {
            const Shape& out = g->op(e->from()).out;
            QCOMPARE(e->label(), QStringLiteral("%1×%2×%3").arg(out.c).arg(out.h).arg(out.w));
            QVERIFY(!e->labelRect().isEmpty());
            QVERIFY(e->boundingRect().contains(e->labelRect()));
            ++labelled;
        }
    QCOMPARE(labelled, dag->edgeItemCount());
    dag->setEdgeShapesVisible(false);
    for (QGraphicsItem* item : dag->scene()->items())
        if (auto* e = qgraphicsitem_cast<widgets::DagEdgeItem*>(item)) QVERIFY(!e->labelVisible());
    dag->setEdgeShapesVisible(true);
}

void TestGuiInsight::measuredKernelsGiveOpTimes() {
    // Synthetic measurements (no GPU here) with kernels the runtime linked to ops.
    Document* doc = window_->document();
    const Graph* g = doc->graph();
    const ScheduleRun* run = doc->currentRun();
    ExecutionResult result;
    result.device = "synthetic";
    result.medianMs = run->latencyMs;
    double t = 0;
    for (OpId op : g->units()) {
        result.kernels.push_back({"kernel_" + g->op(op).name, t, t + 0.01, 0, 0, op});
        t += 0.01;
    }
    const OpId first = g->units().front();
    result.kernels.push_back({"extra", t, t + 0.02, 0, 0, first}); // a second kernel of one op
    doc->setMeasured(run->id, result);
    window_->selection()->selectOp(first);
    bool measuredRow = false;
    for (int r = 0; r < window_->propertiesModel()->rowCount(); ++r)
        if (window_->propertiesModel()->index(r, 0).data().toString() == QStringLiteral("Measured kernels"))
            measuredRow =
                window_->propertiesModel()->index(r, 1).data().toString().contains(QStringLiteral("30"));
    QVERIFY(measuredRow); // 0.01 + 0.02 ms = 30 µs
    QVERIFY(window_->dagView()->nodeItem(first)->toolTip().contains(QStringLiteral("measured")));
    window_->setDagColouring(DagColouring::MeasuredTime);
    QCOMPARE(window_->dagView()->nodeItem(first)->tint(), widgets::heatColor(1.0)); // the longest
    window_->setDagColouring(DagColouring::Kind);
}

void TestGuiInsight::compareFollowsAnEditToItsSource() {
    Document* doc = window_->document();
    const int baseId = doc->currentRunId();
    const Schedule original = doc->currentRun()->schedule;
    int stage = 0;
    while (stage < int(original.stages.size()) && original.stages[size_t(stage)].groups.size() < 2) ++stage;
    QVERIFY(stage < int(original.stages.size()));
    window_->editSplitStage(stage);
    QCOMPARE(doc->currentRun()->scheduler, SchedulerKind::Edited);
    QCOMPARE(window_->diffPanel()->afterRunId(), doc->currentRunId());
    QCOMPARE(window_->diffPanel()->beforeRunId(), baseId);
    // The split adds a stage only the edited run has: its row's change is its whole time (the
    // change column sums to the total), not blank.
    auto* table = window_->diffPanel()->findChild<QTableWidget*>();
    QVERIFY(table);
    int added = 0;
    for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 1)->text() == QStringLiteral("–")) {
            ++added;
            QVERIFY2(table->item(r, 3)->text().startsWith('+'), qPrintable(table->item(r, 3)->text()));
        }
    QVERIFY(added > 0);
    // Shown, the diff colours the DAG; the critical path's red outlines would read as changes.
    QVERIFY(!window_->dagView()->criticalOps().isEmpty());
    window_->diffPanel()->setActive(true);
    QVERIFY(window_->dagView()->criticalOps().isEmpty());
    QCOMPARE(window_->timeline()->activeLane(), 1);     // the edited (current) run, shown after its source
    QVERIFY(window_->dagView()->criticalPathVisible()); // the setting is kept
    window_->diffPanel()->setActive(false);
    QVERIFY(!window_->dagView()->criticalOps().isEmpty());
    // A pick by the user is kept as runs change.
    window_->diffPanel()->setRuns(doc->runs()[1].id, baseId);
    doc->setCurrentRun(doc->runs()[2].id);
    QCOMPARE(window_->diffPanel()->beforeRunId(), doc->runs()[1].id);
    QCOMPARE(window_->diffPanel()->afterRunId(), baseId);
}

// The bar counts DP states of the estimate; where a wide part's windows and whole-part try visit
// more states than were counted (RandWire r=8 s=16: 102,063 of 39,202), it showed a full bar and
// "~0 s left" for 26 s. Past the count it shows the time left of the limit instead.
void TestGuiInsight::searchProgressPastTheCountShowsTheTimeLimit() {
    SearchPanel* panel = window_->searchPanel();
    auto* bar = panel->findChild<QProgressBar*>();
    QVERIFY(bar);
    const SearchRequest usual = panel->request();
    SearchRequest request = usual;
    request.scheduler = SchedulerKind::Ios;
    request.options.timeLimitSeconds = 60;
    panel->setRequest(request);
    panel->setExpectedStates(900, false);
    panel->setRunning(true);
    SearchStatus status;
    status.progress.fraction = 0.4;
    status.progress.states = 450;
    status.seconds = 3;
    status.statesPerSecond = 150;
    panel->showStatus(status);
    QCOMPARE(bar->value(), 500);
    QVERIFY2(bar->format().contains(QStringLiteral("450 of ~900 states · ~3 s left")),
             qPrintable(bar->format()));
    status.progress.states = 950; // past the count, 15 s into 60
    status.seconds = 15;
    panel->showStatus(status);
    QCOMPARE(bar->value(), 250);
    QVERIFY2(bar->format().contains(QStringLiteral("950 states · ≤ 45 s left")), qPrintable(bar->format()));
    QVERIFY(bar->toolTip().contains(QStringLiteral("Past the 900 states counted")));
    QVERIFY(!bar->format().contains(QStringLiteral("~0 s")));
    panel->setRunning(false);
    panel->setRequest(usual);
}

void TestGuiInsight::closingMidSearchStopsTheWorkers() {
    // A search that takes many seconds (RandWire, r=8 s=16): closing the window cancels it and
    // its worker ends, so the process can exit once the window is gone.
    window_->openModel(QStringLiteral("randwire"));
    QVERIFY(window_->waitUntilIdle(180000));
    const SearchRequest usual = window_->searchPanel()->request();
    SearchRequest request = usual;
    request.options.maxGroupSize = 8;
    request.options.maxGroups = 16;
    window_->searchPanel()->setRequest(request);
    window_->startSearch();
    window_->searchPanel()->setRequest(usual); // what closing saves
    QTRY_VERIFY(window_->searchJob()->isRunning());
    QTest::qWait(300);
    QVERIFY(window_->searchJob()->isRunning()); // still searching
    QElapsedTimer clock;
    clock.start();
    window_->close();
    QVERIFY(!window_->isVisible());
    QVERIFY(!window_->searchJob()->isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(!window_->searchJob()->workersBusy(), 5000);
    // Generous for a loaded 2-core machine; the worker returns in ~10 ms.
    QVERIFY2(clock.elapsed() < 500, qPrintable(QString::number(clock.elapsed())));
}

void TestGuiInsight::viewOptionsPersist() {
    {
        MainWindow w;
        w.setDagColouring(DagColouring::Slack);
        w.findChild<QAction*>(QStringLiteral("criticalPathAction"))->setChecked(false);
        w.findChild<QAction*>(QStringLiteral("edgeShapesAction"))->setChecked(false);
        w.show();
        w.close();
    }
    MainWindow again;
    QCOMPARE(again.dagColouring(), DagColouring::Slack);
    QVERIFY(!again.dagView()->criticalPathVisible());
    QVERIFY(!again.dagView()->edgeShapesVisible());
    QVERIFY(!again.findChild<QAction*>(QStringLiteral("criticalPathAction"))->isChecked());
}

// Closing saves the settings in one batch: one file write, synced to disk, instead of one per
// setting (the exit waited for six of them).
void TestGuiInsight::settingsBatchIsOneWrite() {
    AppSettings::waitForWrites();
    {
        const AppSettings::Batch batch;
        AppSettings::setLastDirectory(QStringLiteral("/batched/dir"));
        {
            const AppSettings::Batch nested; // joins the outer one
            AppSettings::setViewOption(QStringLiteral("probe"), 7);
        }
        QCOMPARE(AppSettings::lastDirectory(), QStringLiteral("/batched/dir")); // read back at once
        QCOMPARE(AppSettings::viewOption(QStringLiteral("probe"), 0).toInt(), 7);
        AppSettings::waitForWrites();
        QVERIFY(!settingsOnDisk().contains("/batched/dir")); // not handed over yet
        QVERIFY(!settingsOnDisk().contains("probe=7"));
    }
    AppSettings::waitForWrites();
    const QByteArray written = settingsOnDisk();
    QVERIFY(written.contains("/batched/dir"));
    QVERIFY(written.contains("probe=7"));
    AppSettings::setLastDirectory(QStringLiteral("/alone")); // a setter on its own is one write
    AppSettings::waitForWrites();
    QVERIFY(settingsOnDisk().contains("/alone"));
}

// Settings reach the disk on a thread of their own: while the file cannot be written (its lock
// held here, as a disk busy with a build holds up the sync for seconds), a setter returns at
// once, the value reads back at once, a model opened in the window lands in the recent list, and
// the file gets every change, the latest last, once the lock is free.
void TestGuiInsight::settingsWritesNeverWaitForTheDisk() {
    AppSettings::waitForWrites();
    QLockFile lock(settingsFile() + QStringLiteral(".lock")); // the path found before the lock
    QVERIFY(lock.tryLock(1000));
    QElapsedTimer clock;
    clock.start();
    AppSettings::setLastDirectory(QStringLiteral("/first"));
    AppSettings::setLastDirectory(QStringLiteral("/second"));
    QCOMPARE(AppSettings::lastDirectory(), QStringLiteral("/second"));
    {
        MainWindow w;
        QSignalSpy loaded(&w, &MainWindow::modelOpened);
        w.openModel(QStringLiteral("squeezenet"));
        QVERIFY(loaded.wait(30000));
        QCOMPARE(AppSettings::lastModel(), QStringLiteral("squeezenet"));
        QCOMPARE(AppSettings::recentModels().value(0), QStringLiteral("squeezenet"));
        w.show();
        w.close();
        QVERIFY(!w.isVisible());
    }
    const qint64 elapsedMs = clock.elapsed();
    QVERIFY2(elapsedMs < 20000, qPrintable(QStringLiteral("%1 ms").arg(elapsedMs))); // not waiting forever
    QThread::msleep(200); // the writer is stuck on the lock meanwhile
    QVERIFY(!settingsOnDisk().contains("/second"));
    lock.unlock();
    AppSettings::waitForWrites();
    const QByteArray written = settingsOnDisk();
    QVERIFY(written.contains("/second"));
    QVERIFY(!written.contains("/first"));
    QCOMPARE(QSettings(QStringLiteral("ioscope"), QStringLiteral("ioscope")).value("models/last").toString(),
             QStringLiteral("squeezenet"));
}

// A setting given its current value writes nothing: closing the window with nothing changed
// does not wait for a disk sync (seconds on a disk busy with a build). A comment line appended
// to the file stays until something really changes.
void TestGuiInsight::unchangedSettingsWriteNothing() {
    const QString file = settingsFile();
    const QByteArray geometry = QByteArray::fromHex("01d9d0cb00ff80");
    SearchRequest request;
    request.options.maxGroups = 20; // beyond the old cap of 16: kept as set
    {
        const AppSettings::Batch batch;
        AppSettings::setWindowGeometry(geometry);
        AppSettings::setRecentModels({QStringLiteral("randwire"), QStringLiteral("nasnet")});
        AppSettings::setSearchRequest(request);
        AppSettings::setViewOption(QStringLiteral("edge_shapes"), true);
    }
    AppSettings::waitForWrites();
    QFile f(file);
    QVERIFY(f.open(QIODevice::Append));
    f.write("; untouched\n");
    f.close();
    {
        const AppSettings::Batch batch; // the same values again
        AppSettings::setWindowGeometry(geometry);
        AppSettings::setRecentModels({QStringLiteral("randwire"), QStringLiteral("nasnet")});
        AppSettings::setSearchRequest(request);
        AppSettings::setViewOption(QStringLiteral("edge_shapes"), true);
    }
    AppSettings::waitForWrites();
    QVERIFY(settingsOnDisk().contains("; untouched"));
    QCOMPARE(AppSettings::searchRequest().options.maxGroups, 20);
    AppSettings::setViewOption(QStringLiteral("edge_shapes"), false); // a change is written
    AppSettings::waitForWrites();
    QVERIFY(!settingsOnDisk().contains("; untouched"));
    QCOMPARE(AppSettings::viewOption(QStringLiteral("edge_shapes"), true).toBool(), false);
}

void TestGuiInsight::cleanupTestCase() {
    window_.reset();
}

QTEST_MAIN(TestGuiInsight)
#include "tst_gui_insight.moc"
