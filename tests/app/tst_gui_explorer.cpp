// The explorer as a daily tool, offscreen on real networks: runs name where they come from and
// say when they cannot be compared, exports draw the document (not the playhead, the lit ops or
// the selection), the Chrome trace holds every run, stage and group rows and width bars select
// their ops, the keyboard does what each view's user expects, and actions that can do nothing
// are off.
#include "dag_items.h"
#include "dag_view.h"
#include "diff_panel.h"
#include "document.h"
#include "exporter.h"
#include "find_bar.h"
#include "main_window.h"
#include "op_properties_model.h"
#include "run_table_model.h"
#include "schedule_tree_model.h"
#include "search_panel.h"
#include "selection_model.h"
#include "timeline_view.h"
#include "width_chart.h"

#include <QAction>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSet>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeView>
#include <QUndoStack>
#include <QtTest>

using namespace ioscope;
using namespace ioscope::app;

class TestGuiExplorer : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void lanesAndRowsNameTheirOrigin();
    void otherCostModelIsMarkedNotComparable();
    void timelineExportsDrawTheDocument();
    void dagExportsDrawTheDocument();
    void chromeTraceHoldsEveryRun();
    void stageAndGroupRowsSelectTheirOps();
    void widthBarSelectsItsLevel();
    void escClosesTheFindBar();
    void arrowsInTheDagPan();
    void zoomToSelectionShowsTheOps();
    void actionsThatCanDoNothingAreOff();
    void propertiesHintAndConsumers();
    void presentationModeRestoresGeometry();
    void editsMakeAnEditedRunAndUndo();
    void compareColoursTheDagAndAlignsTheTimeline();
    void unsavedEditsAskBeforeTheyAreLost();
    void newModelRestartsRunNumbersAndReadout();
    void cleanupTestCase();

  private:
    QImage render(const QString& kind);
    std::unique_ptr<MainWindow> window_;
    QTemporaryDir dir_;
};

void TestGuiExplorer::initTestCase() {
    QStandardPaths::setTestModeEnabled(true); // keep the user's settings out of it
    window_ = std::make_unique<MainWindow>();
    window_->setQuietErrors(true);
    window_->resize(1280, 720);
    window_->show();
    window_->openModel(QStringLiteral("squeezenet"));
    QVERIFY(window_->waitUntilIdle(120000));
    QVERIFY(window_->document()->currentRun());
}

void TestGuiExplorer::lanesAndRowsNameTheirOrigin() {
    const auto& lanes = window_->timeline()->lanes();
    QCOMPARE(lanes.size(), size_t(3));
    const ScheduleRun& ios = *window_->document()->currentRun();
    QCOMPARE(ios.scheduler, SchedulerKind::Ios);
    // Scheduler, parameters, cost model, batch and precision on the lane and in the table.
    QVERIFY2(lanes[0].detail.contains(QStringLiteral("r=3 s=8")), qPrintable(lanes[0].detail));
    QVERIFY(lanes[0].detail.contains(QStringLiteral("sim:H100")));
    QVERIFY(lanes[0].detail.contains(QStringLiteral("b1 fp32")));
    QVERIFY(lanes[1].detail.contains(QStringLiteral("streams")));
    for (const auto& lane : lanes) QVERIFY2(lane.notComparable.isEmpty(), qPrintable(lane.name));
    RunTableModel* table = window_->runTableModel();
    const int row = table->rowOfRun(ios.id);
    QCOMPARE(table->data(table->index(row, RunTableModel::ParametersColumn)).toString(),
             QStringLiteral("both r=3 s=8"));
    QVERIFY(table->data(table->index(row, RunTableModel::CostColumn)).toString().contains("b1 fp32"));
    // A search that kept a baseline says so in its name.
    ScheduleRun kept = ios;
    kept.origin = "wavefront";
    QCOMPARE(kept.label(), QStringLiteral("IOS #%1 (wavefront kept)").arg(ios.id));
}

void TestGuiExplorer::otherCostModelIsMarkedNotComparable() {
    Document* doc = window_->document();
    const int before = int(doc->runs().size());
    SearchRequest request = window_->searchPanel()->request();
    request.costSpec = QStringLiteral("sim:V100");
    request.withBaselines = false;
    request.scheduler = SchedulerKind::Sequential;
    window_->searchPanel()->setRequest(request);
    window_->startSearch();
    QVERIFY(window_->waitUntilIdle(120000));
    QCOMPARE(int(doc->runs().size()), before + 1);
    // The new run leads; the H100 lanes are marked, with the reason.
    const auto& lanes = window_->timeline()->lanes();
    QVERIFY(lanes[0].detail.contains(QStringLiteral("sim:V100")));
    int marked = 0;
    for (size_t i = 1; i < lanes.size(); ++i)
        if (lanes[i].notComparable.contains(QStringLiteral("sim:H100, not sim:V100"))) ++marked;
    QVERIFY2(marked >= 2, qPrintable(QString::number(marked)));
    RunTableModel* table = window_->runTableModel();
    const int firstRow = table->rowOfRun(doc->runs().front().id);
    QVERIFY(table->data(table->index(firstRow, RunTableModel::CostColumn)).toString().startsWith("≠"));
    // Back to the IOS run on H100 for the other tests.
    request.costSpec = QStringLiteral("sim:H100");
    request.scheduler = SchedulerKind::Ios;
    request.withBaselines = true;
    window_->searchPanel()->setRequest(request);
    doc->setCurrentRun(doc->runs().front().id);
}

QImage TestGuiExplorer::render(const QString& kind) {
    Exporter exporter(window_->document(), window_->dagView(), window_->timeline());
    const QString path = dir_.filePath(QStringLiteral("x-%1.png").arg(kind));
    QString error;
    if (!exporter.write(kind, path, &error)) qWarning("%s", qPrintable(error));
    return QImage(path);
}

void TestGuiExplorer::timelineExportsDrawTheDocument() {
    widgets::TimelineView* timeline = window_->timeline();
    timeline->rewind();
    window_->selection()->clear();
    const QImage clean = render(QStringLiteral("timeline-png"));
    QVERIFY(!clean.isNull());
    // Playhead mid-run, ops lit, another lane active, an op selected: the export is the same.
    timeline->setActiveLane(1);
    timeline->setPlayheadMs(timeline->lanes()[1].durationMs / 2);
    QVERIFY(!timeline->runningOps(1).isEmpty());
    window_->selection()->selectOp(window_->document()->graph()->units().at(3));
    const QImage busy = render(QStringLiteral("timeline-png"));
    QCOMPARE(busy.size(), clean.size());
    QVERIFY(busy == clean);
    timeline->setActiveLane(0);
    timeline->rewind();
}

void TestGuiExplorer::dagExportsDrawTheDocument() {
    widgets::DagView* dag = window_->dagView();
    window_->selection()->clear();
    dag->setRunningOps({});
    const QImage clean = render(QStringLiteral("dag-png"));
    QVERIFY(!clean.isNull());
    const QList<OpId> some{window_->document()->graph()->units().at(2),
                           window_->document()->graph()->units().at(4)};
    dag->setRunningOps(some);
    window_->selection()->selectOps(some, some.front());
    dag->find(QStringLiteral("fire"));
    const QImage busy = render(QStringLiteral("dag-png"));
    QVERIFY(busy == clean);
    // ... and the screen keeps its state.
    QVERIFY(dag->nodeItem(some.front())->state().running);
    QVERIFY(dag->nodeItem(some.front())->state().selected);
    dag->clearFind();
    dag->setRunningOps({});
    window_->selection()->clear();
}

void TestGuiExplorer::chromeTraceHoldsEveryRun() {
    Exporter exporter(window_->document(), window_->dagView(), window_->timeline());
    const QString path = dir_.filePath(QStringLiteral("all.trace.json"));
    QString error;
    QVERIFY2(exporter.write(QStringLiteral("chrome-trace"), path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonArray events = QJsonDocument::fromJson(file.readAll()).object().value("traceEvents").toArray();
    QSet<QString> processes;
    QSet<int> pidsWithOps;
    for (const QJsonValue& v : events) {
        const QJsonObject e = v.toObject();
        if (e.value("name").toString() == QLatin1String("process_name"))
            processes.insert(e.value("args").toObject().value("name").toString());
        if (e.value("cat").toString() == QLatin1String("op")) pidsWithOps.insert(e.value("pid").toInt());
    }
    const auto& runs = window_->document()->runs();
    QCOMPARE(pidsWithOps.size(), qsizetype(runs.size()));
    for (const ScheduleRun& r : runs) {
        bool named = false;
        for (const QString& p : processes) named |= p.startsWith(r.label() + QStringLiteral(" predicted"));
        QVERIFY2(named, qPrintable(r.label()));
    }
}

void TestGuiExplorer::stageAndGroupRowsSelectTheirOps() {
    QTreeView* view = window_->scheduleView();
    ScheduleTreeModel* model = window_->scheduleModel();
    const ScheduleRun* run = window_->document()->currentRun();
    int stage = 0; // a stage of several ops
    while (run->schedule.stages[size_t(stage)].opCount() < 2) ++stage;
    view->selectionModel()->select(model->index(stage, 0),
                                   QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(window_->selection()->selectedList().size(),
             qsizetype(run->schedule.stages[size_t(stage)].opCount()));
    const QModelIndex group = model->index(0, 0, model->index(stage, 0));
    view->selectionModel()->select(group, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(window_->selection()->selectedList().size(),
             qsizetype(run->schedule.stages[size_t(stage)].groups[0].size()));
    // Selecting an op elsewhere shows it with its stage row.
    const OpId last = run->schedule.stages.back().groups.back().back();
    window_->selection()->selectOp(last);
    QApplication::processEvents();
    const QModelIndex op = model->indexOfOp(last);
    const QRect viewport = view->viewport()->rect();
    QVERIFY(viewport.intersects(view->visualRect(op)));
    QVERIFY(viewport.intersects(view->visualRect(op.parent().parent())));
    window_->selection()->clear();
}

void TestGuiExplorer::widthBarSelectsItsLevel() {
    auto* chart = window_->findChild<widgets::WidthChart*>();
    QVERIFY(chart);
    QCOMPARE(chart->selectionModel(), window_->selection());
    const int level = chart->maxLevel();
    QVERIFY(!chart->levelOps(level).isEmpty());
    window_->selection()->clear();
    QTest::mouseClick(chart, Qt::LeftButton, {}, chart->barCentre(level).toPoint());
    QCOMPARE(window_->selection()->selectedList().size(), chart->levelOps(level).size());
    window_->selection()->clear();
}

void TestGuiExplorer::escClosesTheFindBar() {
    auto* bar = window_->findChild<widgets::FindBar*>();
    QVERIFY(bar);
    window_->activateWindow();
    bar->activate();
    QVERIFY(bar->isVisible());
    auto* edit = bar->findChild<QLineEdit*>();
    QVERIFY(edit);
    edit->setFocus();
    QTest::keyClick(edit, Qt::Key_Escape);
    QVERIFY(!bar->isVisible());
}

void TestGuiExplorer::arrowsInTheDagPan() {
    widgets::DagView* dag = window_->dagView();
    widgets::TimelineView* timeline = window_->timeline();
    dag->zoomBy(4); // something to pan over
    dag->setFocus();
    timeline->rewind();
    const int before = dag->horizontalScrollBar()->value();
    QTest::keyClick(dag, Qt::Key_Right);
    QCOMPARE(timeline->playheadMs(), 0.0); // the timeline did not step
    QVERIFY(dag->horizontalScrollBar()->value() > before);
    QTest::keyClick(dag, Qt::Key_Period); // '.' still steps from the DAG
    QVERIFY(timeline->playheadMs() > 0);
    timeline->rewind();
    dag->fitToWindow();
}

void TestGuiExplorer::zoomToSelectionShowsTheOps() {
    widgets::DagView* dag = window_->dagView();
    dag->fitToWindow();
    const double fitted = dag->transform().m11();
    const auto& units = window_->document()->graph()->units();
    const OpId op = units.at(units.size() - 2);
    window_->selection()->selectOp(op);
    dag->zoomToSelection();
    QVERIFY(dag->transform().m11() > fitted);
    const QRectF visible = dag->mapToScene(dag->viewport()->rect()).boundingRect();
    QVERIFY(visible.contains(dag->nodeItem(op)->sceneBoundingRect()));
    window_->selection()->clear();
    dag->fitToWindow();
}

void TestGuiExplorer::actionsThatCanDoNothingAreOff() {
    QAction* cancel = nullptr;
    QAction* run = nullptr;
    for (QAction* a : window_->findChildren<QAction*>()) {
        if (a->text() == QLatin1String("&Cancel search")) cancel = a;
        if (a->text() == QLatin1String("&Run search")) run = a;
    }
    QVERIFY(cancel && run);
    QVERIFY(!cancel->isEnabled()); // nothing is running
    QVERIFY(run->isEnabled());
    MainWindow empty;
    for (QAction* a : empty.findChildren<QAction*>()) {
        if (a->text() == QLatin1String("&Run search") || a->text() == QLatin1String("&Export…"))
            QVERIFY2(!a->isEnabled(), qPrintable(a->text())); // no model yet
    }
}

void TestGuiExplorer::propertiesHintAndConsumers() {
    window_->selection()->clear();
    QApplication::processEvents();
    auto* hint = window_->findChild<QLabel*>(QStringLiteral("propertiesHint"));
    QVERIFY(hint);
    QVERIFY(hint->isVisible());
    const OpId op = window_->document()->graph()->units().at(1);
    window_->selection()->selectOp(op);
    QApplication::processEvents();
    QVERIFY(!hint->isVisible());
    bool consumers = false;
    for (int r = 0; r < window_->propertiesModel()->rowCount(); ++r)
        consumers |= window_->propertiesModel()->index(r, 0).data().toString() == QLatin1String("Consumers");
    QVERIFY(consumers);
    window_->selection()->clear();
}

void TestGuiExplorer::presentationModeRestoresGeometry() {
    const QRect before = window_->geometry();
    window_->setPresentationMode(true);
    QApplication::processEvents();
    window_->setPresentationMode(false);
    QApplication::processEvents();
    // Back to the normal size, not full screen (the offscreen platform may differ by a frame pixel or two).
    QVERIFY2(std::abs(window_->width() - before.width()) <= 4 &&
                 std::abs(window_->height() - before.height()) <= 4,
             qPrintable(QStringLiteral("%1x%2").arg(window_->width()).arg(window_->height())));
}

void TestGuiExplorer::editsMakeAnEditedRunAndUndo() {
    Document* doc = window_->document();
    const ScheduleRun* base = doc->currentRun();
    QVERIFY(base && base->scheduler == SchedulerKind::Ios);
    const int baseId = base->id;
    const Schedule original = base->schedule;
    int stage = 0; // a stage of several streams
    while (original.stages[size_t(stage)].groups.size() < 2) ++stage;
    const size_t runsBefore = doc->runs().size();
    window_->editSplitStage(stage);
    QCOMPARE(doc->runs().size(), runsBefore + 1);
    const ScheduleRun* edited = doc->currentRun();
    QCOMPARE(edited->scheduler, SchedulerKind::Edited);
    QCOMPARE(edited->editedFrom, doc->run(baseId)->label());
    QCOMPARE(edited->schedule.stages.size(),
             original.stages.size() + original.stages[size_t(stage)].groups.size() - 1);
    QCOMPARE(edited->stageLatencyMs.size(), edited->schedule.stages.size()); // evaluated at once
    QVERIFY(edited->latencyMs > 0);
    QCOMPARE(doc->run(baseId)->schedule, original); // the searched run is untouched
    const int editedId = edited->id;
    const size_t splitStages = edited->schedule.stages.size();
    // Undo puts the original schedule back into the edited run; redo splits again.
    window_->undoStack()->undo();
    QCOMPARE(doc->run(editedId)->schedule, original);
    // The status bar says so (it kept the edit's "a → b" message before).
    QVERIFY2(window_->statusBar()->currentMessage().startsWith(QStringLiteral("Undone: Split stage")),
             qPrintable(window_->statusBar()->currentMessage()));
    window_->undoStack()->redo();
    QCOMPARE(doc->run(editedId)->schedule.stages.size(), splitStages);
    QVERIFY2(window_->statusBar()->currentMessage().startsWith(QStringLiteral("Redone: Split stage")),
             qPrintable(window_->statusBar()->currentMessage()));
    // An invalid edit is refused with the reason, and nothing changes.
    QSignalSpy refused(window_.get(), &MainWindow::editRefused);
    const Schedule now = doc->run(editedId)->schedule;
    const OpId last = now.stages.back().groups.front().front();
    window_->editMoveOp(last, 0, -1, true); // the last op first: its producers come later
    QCOMPARE(refused.size(), 1);
    QVERIFY(!refused.front().front().toString().isEmpty());
    QCOMPARE(doc->run(editedId)->schedule, now);
    // The edited run has its own lane, named after its origin.
    bool lane = false;
    for (const auto& l : window_->timeline()->lanes()) lane |= l.detail.contains(QStringLiteral("from IOS"));
    QVERIFY(lane);
}

void TestGuiExplorer::compareColoursTheDagAndAlignsTheTimeline() {
    Document* doc = window_->document();
    const ScheduleRun* edited = doc->currentRun();
    QCOMPARE(edited->scheduler, SchedulerKind::Edited);
    const ScheduleRun* base = nullptr;
    for (const ScheduleRun& r : doc->runs())
        if (r.label() == edited->editedFrom) base = &r;
    QVERIFY(base);
    DiffPanel* diff = window_->diffPanel();
    diff->setRuns(base->id, edited->id);
    diff->setActive(true);
    QVERIFY(diff->isActive());
    QVERIFY(diff->diff().stream + diff->diff().stage > 0);
    QCOMPARE(diff->table()->rowCount(),
             int(std::max(base->schedule.stages.size(), edited->schedule.stages.size())));
    // Just the two runs on the timeline, before over after.
    QCOMPARE(window_->timeline()->lanes().size(), size_t(2));
    QCOMPARE(window_->timeline()->lanes()[0].name, base->label());
    // Ops coloured by their change.
    int tinted = 0;
    for (OpId op : doc->graph()->units()) {
        const QColor tint = window_->dagView()->nodeItem(op)->tint();
        QVERIFY(tint.isValid());
        if (tint != DiffPanel::colorFor(OpChange::Same)) ++tinted;
    }
    QCOMPARE(tinted, diff->diff().stream + diff->diff().stage);
    diff->setActive(false);
    QVERIFY(!window_->dagView()->nodeItem(doc->graph()->units().front())->tint().isValid());
    QVERIFY(window_->timeline()->lanes().size() > 2);
}

// After an edit, closing the window or opening another model asks Save / Discard / Cancel; the
// answers are injected (no modal loop). Cancel keeps everything; Save writes schedule JSON.
void TestGuiExplorer::unsavedEditsAskBeforeTheyAreLost() {
    Document* doc = window_->document();
    const QList<int> unsaved = window_->unsavedEditedRuns();
    QCOMPARE(unsaved.size(), 1); // the edited run of editsMakeAnEditedRunAndUndo
    const int editedId = unsaved.front();
    const QString editedLabel = doc->run(editedId)->label();
    QStringList questions;
    MainWindow::UnsavedChoice answer = MainWindow::UnsavedChoice::Cancel;
    window_->setUnsavedEditsPrompt([&](const QString& q) {
        questions << q;
        return answer;
    });
    QStringList savePaths{QString()}; // the first save dialog is cancelled
    window_->setSavePathPrompt([&](const QString&, const QString&, const QString& filter) {
        [&] { QVERIFY(filter.contains(QStringLiteral("json"))); }();
        return savePaths.isEmpty() ? QString() : savePaths.takeFirst();
    });

    // Cancel: the model, its runs and the edits stay; the window stays open.
    const size_t runs = doc->runs().size();
    window_->openModel(QStringLiteral("inception_v3"));
    QCOMPARE(questions.size(), 1);
    QVERIFY2(questions.front().contains(editedLabel), qPrintable(questions.front()));
    QVERIFY(!window_->isBusy());
    QCOMPARE(doc->model().source, QStringLiteral("squeezenet"));
    QCOMPARE(doc->runs().size(), runs);
    QVERIFY(!window_->close());
    QVERIFY(window_->isVisible());
    QCOMPARE(questions.size(), 2);
    QCOMPARE(window_->unsavedEditedRuns(), unsaved);

    // Save, but the file dialog is cancelled: nothing is lost either.
    answer = MainWindow::UnsavedChoice::Save;
    QVERIFY(!window_->close());
    QVERIFY(window_->isVisible());
    QCOMPARE(window_->unsavedEditedRuns(), unsaved);

    // Save to a file: the edited schedule is written, and the window may close.
    const QString path = dir_.filePath(QStringLiteral("edited.json"));
    savePaths = {path};
    const int current = doc->currentRunId();
    QVERIFY(window_->resolveUnsavedEdits(QStringLiteral("close the window")));
    QVERIFY(window_->unsavedEditedRuns().isEmpty());
    QCOMPARE(doc->currentRunId(), current); // the current run is back
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    QCOMPARE(json.value(QStringLiteral("stages")).toArray().size(),
             qsizetype(doc->run(editedId)->schedule.stages.size()));
    // Nothing unsaved: no question.
    const qsizetype asked = questions.size();
    QVERIFY(window_->resolveUnsavedEdits(QStringLiteral("close the window")));
    QCOMPARE(questions.size(), asked);

    // An undo is an edit too; Discard lets the action go on.
    window_->undoStack()->undo();
    QCOMPARE(window_->unsavedEditedRuns(), unsaved);
    answer = MainWindow::UnsavedChoice::Discard;
    QVERIFY(window_->resolveUnsavedEdits(QStringLiteral("open inception_v3")));
    QCOMPARE(questions.size(), asked + 1);
    QVERIFY(window_->unsavedEditedRuns().isEmpty());
    window_->undoStack()->redo(); // as the next tests expect it
    window_->setUnsavedEditsPrompt([](const QString&) { return MainWindow::UnsavedChoice::Discard; });
    window_->setSavePathPrompt({});
}

void TestGuiExplorer::newModelRestartsRunNumbersAndReadout() {
    auto* readout = window_->findChild<QLabel*>(QStringLiteral("playheadReadout"));
    QVERIFY(readout);
    window_->timeline()->setPlayheadMs(window_->timeline()->durationMs() / 2);
    QVERIFY(!readout->text().isEmpty());
    window_->openModel(QStringLiteral("inception_v3"));
    QVERIFY(window_->waitUntilIdle(180000));
    QCOMPARE(window_->document()->runs().front().id, 1);
    QVERIFY2(readout->text().isEmpty() || readout->text().startsWith(QStringLiteral("0")),
             qPrintable(readout->text()));
    // The readout uses the axis' unit: µs below a millisecond.
    window_->timeline()->setPlayheadMs(0.5);
    QVERIFY2(readout->text().contains(QStringLiteral("µs")), qPrintable(readout->text()));
}

void TestGuiExplorer::cleanupTestCase() {
    window_.reset();
}

QTEST_MAIN(TestGuiExplorer)
#include "tst_gui_explorer.moc"
