// MainWindow: opening models, running searches and keeping every view on the same run and
// the same selection.
#include "main_window.h"

#include "dag_view.h"
#include "diff_panel.h"
#include "document.h"
#include "model_load_job.h"
#include "op_properties_model.h"
#include "qt_text.h"
#include "sched/schedule_slack.h"
#include "schedule_tree_model.h"
#include "search_job.h"
#include "search_panel.h"
#include "selection_model.h"
#include "timeline_view.h"
#include "width_chart.h"

#include <QAction>
#include <QLabel>
#include <QMessageBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTreeView>
#include <QUndoStack>

namespace ioscope::app {

void MainWindow::openModel(const QString& spec) {
    if (spec.trimmed().isEmpty()) return;
    if (!resolveUnsavedEdits(tr("open %1").arg(spec))) return; // Cancel keeps the model and its edits
    searchJob_->cancel();
    pendingSpec_ = spec;
    jobLabel_->setText(tr("Opening %1…").arg(spec));
    loadJob_->start(spec);
}

void MainWindow::onModelLoaded(const LoadedModel& model) {
    selection_->clear();
    timeline_->clearLanes();
    document_->setModel(model);
    // The edits and their undo history belonged to the old model's runs.
    undoStack_->clear();
    unsavedRuns_.clear();
    const ModelFacts& f = model.facts;
    setWindowTitle(tr("%1 — ioscope").arg(model.displayName));
    addRecent(model.source);

    layoutBusy_ = true;
    // The views draw the analysis the load job did off the GUI thread (loaded_model.h).
    dag_->setGraph(model.graph, model.outlinedBlocks);
    dag_->setAntichain(f.width.antichain);
    timeline_->setGraph(model.graph);
    widthChart_->setAnalysis(f.widthProfile, f.width.width, f.unitLevel); // bar clicks select a level
    // One short line (a 1280x720 dock has room for little more); the antichain in the tooltip.
    QStringList names;
    for (OpId id : f.width.antichain) names << qs(model.graph->op(id).name);
    widthLabel_->setToolTip(tr("Maximum antichain (ops that could all run at once): %1.\n"
                               "View → Highlight the width outlines them in the DAG; click a bar to select "
                               "its level's ops.")
                                .arg(names.join(QStringLiteral(", "))));
    widthLabel_->setText(
        tr("<b>Width %1</b> · critical path %2").arg(f.width.width).arg(formatFlops(f.criticalPath.flops)));
    updateStatusFacts();
    for (const QString& note : model.notes) statusBar()->showMessage(note, 8000);
    emit modelOpened(model.source);
    // Every model opens with a default search so the timeline has something to show.
    startSearch();
}

void MainWindow::updateStatusFacts() {
    if (!document_->hasModel()) {
        factsLabel_->setText(tr("No model open"));
        return;
    }
    const LoadedModel& m = document_->model();
    QString text = tr("%1 · %2 ops · %3 edges · width %4 · %5 · %6 · %7 params")
                       .arg(m.displayName)
                       .arg(m.facts.units)
                       .arg(m.facts.edges)
                       .arg(m.facts.width.width)
                       .arg(m.blocks.size() == 1 ? tr("1 block") : tr("%1 blocks").arg(m.blocks.size()))
                       .arg(formatFlops(m.facts.flops))
                       .arg(QLocale().toString(qlonglong(m.facts.params)));
    if (const ScheduleRun* r = document_->currentRun())
        text += tr(" · %1: %2 in %3")
                    .arg(r->label(), formatMs(r->latencyMs),
                         countOf(qsizetype(r->schedule.stages.size()), tr("stage"), tr("stages")));
    factsLabel_->setText(text);
}

void MainWindow::startSearch() {
    if (!document_->hasModel()) return;
    const SearchRequest request = searchPanel_->request();
    if (request.scheduler == SchedulerKind::Ios) {
        // Counting states is cheap up to a cap (well under a second at 200k).
        try {
            const SearchSizeEstimate size = estimateSearchSize(*document_->graph(), request.options, 200'000);
            searchPanel_->setExpectedStates(size.states, size.capped);
        } catch (const std::exception&) {
            searchPanel_->setExpectedStates(0, false); // the search reports the problem itself
        }
    }
    searchJob_->start(document_->model().graph, request, gpu_);
}

void MainWindow::cancelSearch() {
    searchJob_->cancel();
}

void MainWindow::onSearchFinished(const std::vector<ScheduleRun>& runs) {
    int first = -1;
    for (const ScheduleRun& r : runs) {
        const int id = document_->addRun(r);
        if (first < 0) first = id;
    }
    document_->setCurrentRun(first);
    searchPanel_->selectRun(first);
    if (const ScheduleRun* r = document_->run(first))
        searchPanel_->showMessage(
            tr("%1: %2 in %3, %L4 states, %5 s%6%7")
                .arg(r->label(), formatMs(r->latencyMs),
                     countOf(qsizetype(r->schedule.stages.size()), tr("stage"), tr("stages")))
                .arg(r->stats.states)
                .arg(r->stats.seconds, 0, 'f', 2)
                .arg(r->stats.complete
                         ? QString()
                         : QStringLiteral("\n") +
                               qs(timeLimitNote(r->stats, r->request.options.timeLimitSeconds)) +
                               tr(" (not exact)"))
                .arg(r->origin == "ios" ? QString()
                     : r->measuredNote.empty()
                         ? tr("\nThe %1 schedule was predicted faster and is kept").arg(qs(r->origin))
                         : tr("\nThe %1 schedule measured faster and is kept: %2")
                               .arg(qs(r->origin), qs(r->measuredNote))));
    rebuildTimelineLanes();
    emit searchFinished(first);
}

void MainWindow::onCurrentRunChanged() {
    const ScheduleRun* run = document_->currentRun();
    scheduleModel_->setRun(document_->graph(), run);
    scheduleView_->expandToDepth(0);
    refreshRunOverlays();
    searchPanel_->selectRun(run ? run->id : -1);
    onSelectionChanged();
    updateStatusFacts();
    rebuildTimelineLanes();
}

void MainWindow::refreshRunOverlays() {
    const ScheduleRun* run = document_->currentRun();
    if (run) {
        // Measured per-op times where the runtime linked kernels to ops (KernelRecord::op).
        dag_->setOpTimes(run->opLatencyMs, run->measured ? widgets::kernelOpTimes(run->measured->kernels,
                                                                                  document_->graph()->size())
                                                         : std::vector<double>{});
        dag_->setScheduleSlack(scheduleSlack(*document_->graph(), run->predicted));
    } else {
        dag_->clearScheduleSlack();
    }
    applyDagColours();
}

void MainWindow::rebuildTimelineLanes() {
    timeline_->clearLanes();
    const Graph* g = document_->graph();
    if (!g) return;
    // Comparing: the two runs, before over after. Else the current run first (it drives the DAG
    // lighting), then the newest run of each other kind.
    std::vector<const ScheduleRun*> shown;
    if (diffPanel_ && diffPanel_->isActive()) {
        shown = {document_->run(diffPanel_->beforeRunId()), document_->run(diffPanel_->afterRunId())};
        std::erase(shown, nullptr);
    } else {
        if (const ScheduleRun* cur = document_->currentRun()) shown.push_back(cur);
        std::vector<SchedulerKind> kinds = allSchedulerKinds();
        kinds.push_back(SchedulerKind::Edited);
        for (SchedulerKind k : kinds) {
            const ScheduleRun* r = document_->latestOf(k);
            if (r && std::find(shown.begin(), shown.end(), r) == shown.end()) shown.push_back(r);
        }
    }
    try {
        for (const ScheduleRun* r : shown) {
            widgets::TimelineLane lane =
                widgets::scheduleLane(*g, r->schedule, r->stageLatencyMs, r->label());
            lane.detail = r->detail();
            if (dag_->criticalPathVisible()) widgets::markCriticalPath(lane, scheduleSlack(*g, r->predicted));
            if (const QString why = whyNotComparable(*r, *shown.front()); !why.isEmpty())
                lane.notComparable = tr("Not comparable with %1: %2").arg(shown.front()->label(), why);
            timeline_->addLane(std::move(lane));
        }
        for (const ScheduleRun* r : shown)
            if (r->measured && !r->measured->kernels.empty())
                timeline_->addKernelLane(tr("%1 measured").arg(r->label()), r->measured->kernels);
    } catch (const std::exception& e) {
        statusBar()->showMessage(tr("Timeline: %1").arg(QString::fromUtf8(e.what())), 8000);
    }
    // The current run drives the playhead and the DAG lighting, also where a diff shows it second.
    const auto current = std::find(shown.begin(), shown.end(), document_->currentRun());
    timeline_->setActiveLane(current == shown.end() ? 0 : int(current - shown.begin()));
    timeline_->fitToWindow();
}

void MainWindow::applyDiff() {
    applyDagColours();
    rebuildTimelineLanes();
}

void MainWindow::applyDagColours() {
    const Graph* g = document_->graph();
    std::vector<QColor> tints;
    std::vector<std::pair<QString, QColor>> legend;
    if (g && diffPanel_->isActive()) {
        const RunDiff& d = diffPanel_->diff();
        tints.resize(d.change.size());
        for (size_t i = 0; i < d.change.size(); ++i)
            if (d.change[i] != OpChange::Absent) tints[i] = DiffPanel::colorFor(d.change[i]);
        legend = {{tr("Change"), QColor()},
                  {tr("same place"), DiffPanel::colorFor(OpChange::Same)},
                  {tr("other stream"), DiffPanel::colorFor(OpChange::Stream)},
                  {tr("other stage"), DiffPanel::colorFor(OpChange::Stage)}};
    } else if (g && dagColouring_ != DagColouring::Kind) {
        DagHeat heat = dagHeat(dagColouring_, *g, document_->currentRun());
        if (!heat.unavailable.isEmpty())
            statusBar()->showMessage(
                tr("Colour by %1: %2").arg(toDisplayString(dagColouring_), heat.unavailable), 8000);
        tints = std::move(heat.tints);
        legend = std::move(heat.legend);
    }
    dag_->setOpTints(tints);
    dag_->setColorLegend(legend);
    // Red there means "other stage": the critical path's red outlines would read as changes.
    dag_->setCriticalPathHidden(g && diffPanel_->isActive());
}

void MainWindow::setDagColouring(DagColouring colouring) {
    dagColouring_ = colouring;
    for (QAction* a : colouringActions_) a->setChecked(a->data().toInt() == int(colouring));
    applyDagColours();
}

void MainWindow::setCriticalPathVisible(bool on) {
    dag_->setCriticalPathVisible(on);
    rebuildTimelineLanes();
}

void MainWindow::onSelectionChanged() {
    const Graph* g = document_->graph();
    propertiesModel_->setOp(g, selection_->currentOp(), document_->currentRun());
    propertiesStack_->setCurrentIndex(propertiesModel_->rowCount() > 0 ? 1 : 0);
    if (syncingSelection_) return;
    // Mirror the shared selection into the schedule table without echoing back.
    syncingSelection_ = true;
    auto* sm = scheduleView_->selectionModel();
    QItemSelection sel;
    QModelIndex current;
    for (OpId op : selection_->selectedList()) {
        const QModelIndex i = scheduleModel_->indexOfOp(op);
        if (!i.isValid()) continue;
        sel.select(i, i.siblingAtColumn(ScheduleTreeModel::ColumnCount - 1));
        if (op == selection_->currentOp()) current = i;
    }
    sm->select(sel, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (current.isValid()) {
        sm->setCurrentIndex(current, QItemSelectionModel::NoUpdate);
        // Keep the op's stage and group rows in sight with it: the stage row at the top when
        // the op then still shows, else the op in the middle.
        scheduleView_->scrollTo(current);
        const QModelIndex stage = current.parent().parent();
        const int span = scheduleView_->visualRect(current).bottom() - scheduleView_->visualRect(stage).top();
        if (stage.isValid() && span < scheduleView_->viewport()->height())
            scheduleView_->scrollTo(stage, QAbstractItemView::PositionAtTop);
        else
            scheduleView_->scrollTo(current, QAbstractItemView::PositionAtCenter);
    }
    syncingSelection_ = false;
}

void MainWindow::showError(const QString& title, const QString& message) {
    emit errorShown(message);
    if (quietErrors_) return;
    // Non-modal: the window stays usable while the message is up.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->setWindowModality(Qt::NonModal);
    box->show();
}

} // namespace ioscope::app
