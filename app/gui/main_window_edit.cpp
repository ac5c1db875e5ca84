// MainWindow: editing the current schedule by hand. Edits come from the schedule table (drag and
// drop, context menu) and the Edit menu; each is validated (refused with the reason), evaluated
// at once with the run's cost model and undoable. The first edit of a searched run makes an
// "Edited" run from it, so the original stays for comparison.
#include "main_window.h"

#include "document.h"
#include "qt_text.h"
#include "schedule_edit.h"
#include "schedule_tree_model.h"
#include "search_work.h"
#include "selection_model.h"

#include <QAction>
#include <QMenu>
#include <QMessageBox>
#include <QStatusBar>
#include <QTreeView>
#include <QUndoCommand>
#include <QUndoStack>

namespace ioscope::app {
namespace {

// One edit of run `runId`: its schedule before and after. Undo and redo re-evaluate.
class ScheduleEditCommand : public QUndoCommand {
  public:
    ScheduleEditCommand(MainWindow* window, int runId, Schedule before, Schedule after, const QString& text)
        : QUndoCommand(text), window_(window), runId_(runId), before_(std::move(before)),
          after_(std::move(after)) {}
    void undo() override {
        window_->setEditedSchedule(runId_, before_);
        say(MainWindow::tr("Undone"));
    }
    void redo() override {
        window_->setEditedSchedule(runId_, after_);
        if (pushed_) say(MainWindow::tr("Redone")); // the first time, the edit itself says it
        pushed_ = true;
    }

  private:
    // The status bar names what was undone or redone and the latency now (it kept the edit's
    // own "a → b" message, stale after an undo).
    void say(const QString& verb) {
        if (const ScheduleRun* r = window_->document()->run(runId_))
            window_->statusBar()->showMessage(
                MainWindow::tr("%1: %2 (now %3)").arg(verb, text(), formatMs(r->latencyMs)), 10000);
    }
    MainWindow* window_;
    int runId_;
    Schedule before_, after_;
    bool pushed_ = false;
};

} // namespace

void MainWindow::setEditedSchedule(int runId, const Schedule& schedule) {
    const ScheduleRun* old = document_->run(runId);
    const Graph* g = document_->graph();
    if (!old || !g) return;
    try {
        ScheduleRun run = costSchedule(*g, schedule, SchedulerKind::Edited, old->request, *gpu_, nullptr);
        run.editedFrom = old->editedFrom;
        run.request.scheduler = old->request.scheduler;
        document_->replaceRun(runId, std::move(run));
        if (!unsavedRuns_.contains(runId)) unsavedRuns_ << runId; // an edit, an undo or a redo
        document_->setCurrentRun(runId);
    } catch (const std::exception& e) {
        showError(tr("Cannot evaluate the edited schedule"), QString::fromUtf8(e.what()));
    }
}

QList<int> MainWindow::unsavedEditedRuns() const {
    QList<int> ids;
    for (int id : unsavedRuns_)
        if (document_->run(id)) ids << id;
    return ids;
}

bool MainWindow::resolveUnsavedEdits(const QString& action) {
    const QList<int> ids = unsavedEditedRuns();
    if (ids.isEmpty()) return true;
    if (!unsavedPrompt_ && quietErrors_) return true; // headless: no one made them, no one to ask
    QStringList names;
    for (int id : ids) names << document_->run(id)->label();
    const QString question =
        tr("%1 %2 unsaved edits. Save %3 as schedule JSON before you %4?")
            .arg(names.join(QStringLiteral(", ")), ids.size() == 1 ? tr("has") : tr("have"),
                 ids.size() == 1 ? tr("it") : tr("them"), action);
    UnsavedChoice choice = UnsavedChoice::Cancel;
    if (unsavedPrompt_) {
        choice = unsavedPrompt_(question);
    } else {
        const auto button = QMessageBox::question(
            this, tr("Unsaved schedule edits"), question,
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
        choice = button == QMessageBox::Save      ? UnsavedChoice::Save
                 : button == QMessageBox::Discard ? UnsavedChoice::Discard
                                                  : UnsavedChoice::Cancel;
    }
    if (choice == UnsavedChoice::Cancel) return false;
    if (choice == UnsavedChoice::Discard) {
        unsavedRuns_.clear();
        return true;
    }
    // Save: each edited run in turn, as the current run; a cancelled or failed save keeps the rest.
    const int current = document_->currentRunId();
    for (int id : ids) {
        document_->setCurrentRun(id);
        if (!exportTo(QStringLiteral("schedule-json"))) {
            document_->setCurrentRun(current);
            return false;
        }
    }
    document_->setCurrentRun(current);
    return unsavedEditedRuns().isEmpty();
}

void MainWindow::applyEdit(const EditResult& result, const QString& what) {
    if (!result.ok()) {
        const QString message = tr("%1 refused: %2").arg(what, result.refused);
        statusBar()->showMessage(message, 10000);
        emit editRefused(message);
        return;
    }
    const ScheduleRun* base = document_->currentRun();
    if (!base) return;
    int runId = base->id;
    Schedule before = base->schedule;
    if (base->scheduler != SchedulerKind::Edited) {
        // Edits never change a searched run: they go to a copy, evaluated like any run.
        ScheduleRun copy = *base;
        copy.scheduler = SchedulerKind::Edited;
        copy.editedFrom = base->label();
        copy.measured.reset();
        copy.origin = "ios";
        copy.measuredNote.clear();
        runId = document_->addRun(std::move(copy));
        document_->setCurrentRun(runId);
    }
    const double beforeMs = document_->run(runId)->latencyMs;
    undoStack_->push(new ScheduleEditCommand(this, runId, std::move(before), result.schedule, what));
    if (const ScheduleRun* r = document_->run(runId))
        statusBar()->showMessage(
            tr("%1: %2 → %3 (%4)").arg(what, formatMs(beforeMs), formatMs(r->latencyMs), r->costName()),
            10000);
}

void MainWindow::editMoveOp(OpId op, int toStage, int toGroup, bool newStage) {
    const ScheduleRun* run = document_->currentRun();
    const Graph* g = document_->graph();
    if (!run || !g || op < 0 || op >= g->size()) return;
    const QString name = qs(g->op(op).name);
    const QString what =
        newStage      ? tr("Move %1 to a new stage %2").arg(name).arg(toStage + 1)
        : toGroup < 0 ? tr("Move %1 to a new stream of stage %2").arg(name).arg(toStage + 1)
                      : tr("Move %1 into stage %2, group %3").arg(name).arg(toStage + 1).arg(toGroup + 1);
    applyEdit(moveOp(*g, run->schedule, op, toStage, toGroup, newStage), what);
}

void MainWindow::editMoveGroup(int stage, int group, int toStage) {
    const ScheduleRun* run = document_->currentRun();
    if (!run || !document_->graph()) return;
    applyEdit(moveGroup(*document_->graph(), run->schedule, stage, group, toStage),
              tr("Move group %1 of stage %2 to stage %3").arg(group + 1).arg(stage + 1).arg(toStage + 1));
}

void MainWindow::editMergeStages(int stage) {
    const ScheduleRun* run = document_->currentRun();
    if (!run || !document_->graph()) return;
    applyEdit(mergeStages(*document_->graph(), run->schedule, stage),
              tr("Merge stages %1 and %2").arg(stage + 1).arg(stage + 2));
}

void MainWindow::editSplitStage(int stage) {
    const ScheduleRun* run = document_->currentRun();
    if (!run || !document_->graph()) return;
    applyEdit(splitStage(*document_->graph(), run->schedule, stage), tr("Split stage %1").arg(stage + 1));
}

void MainWindow::buildEditing(QMenu* editMenu) {
    undoStack_ = new QUndoStack(this);
    QAction* undo = undoStack_->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = undoStack_->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    editMenu->addAction(undo);
    editMenu->addAction(redo);
    editMenu->addSeparator();
    // The selected op, by keyboard.
    const auto current = [this] {
        const OpId op = selection_->currentOp();
        const ScheduleRun* run = document_->currentRun();
        return run && op >= 0 ? std::make_pair(op, findOp(run->schedule, op))
                              : std::make_pair(OpId(-1), OpPlace{});
    };
    QAction* earlier = editMenu->addAction(tr("Move op to the previous stage"), this, [this, current] {
        const auto [op, at] = current();
        if (op >= 0) editMoveOp(op, at.stage - 1, -1, false);
    });
    earlier->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Up));
    QAction* later = editMenu->addAction(tr("Move op to the next stage"), this, [this, current] {
        const auto [op, at] = current();
        if (op >= 0) editMoveOp(op, at.stage + 1, -1, false);
    });
    later->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Down));
    QAction* alone = editMenu->addAction(tr("Move op to a stage of its own after"), this, [this, current] {
        const auto [op, at] = current();
        if (op >= 0) editMoveOp(op, at.stage + 1, -1, true);
    });
    alone->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Return));
    QAction* merge = editMenu->addAction(tr("Merge the op's stage with the next"), this, [this, current] {
        const auto [op, at] = current();
        if (op >= 0) editMergeStages(at.stage);
    });
    merge->setShortcut(QKeySequence(Qt::ALT | Qt::Key_M));
    QAction* split =
        editMenu->addAction(tr("Split the op's stage into one stage per stream"), this, [this, current] {
            const auto [op, at] = current();
            if (op >= 0) editSplitStage(at.stage);
        });
    split->setShortcut(QKeySequence(Qt::ALT | Qt::SHIFT | Qt::Key_M));
    editActions_ = {earlier, later, alone, merge, split};

    // The schedule table: drag and drop, and a context menu on each row.
    scheduleView_->setDragEnabled(true);
    scheduleView_->setAcceptDrops(true);
    scheduleView_->setDropIndicatorShown(true);
    scheduleView_->setDragDropMode(QAbstractItemView::DragDrop);
    scheduleView_->setDefaultDropAction(Qt::MoveAction);
    connect(scheduleModel_, &ScheduleTreeModel::moveOpRequested, this,
            [this](OpId op, int stage, int group, bool newStage) {
                // After the drop returns: the edit resets the model the view is still using.
                QMetaObject::invokeMethod(
                    this, [=, this] { editMoveOp(op, stage, group, newStage); }, Qt::QueuedConnection);
            });
    connect(scheduleModel_, &ScheduleTreeModel::moveGroupRequested, this,
            [this](int stage, int group, int to) {
                QMetaObject::invokeMethod(
                    this, [=, this] { editMoveGroup(stage, group, to); }, Qt::QueuedConnection);
            });
    scheduleView_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(scheduleView_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        const QModelIndex index = scheduleView_->indexAt(pos);
        const ScheduleRun* run = document_->currentRun();
        if (!index.isValid() || !run) return;
        const auto [stage, group] = scheduleModel_->placeOf(index);
        const OpId op = scheduleModel_->opAt(index);
        const int stages = int(run->schedule.stages.size());
        QMenu menu;
        if (op >= 0) {
            menu.addAction(tr("Move to the previous stage"), this,
                           [=, this] { editMoveOp(op, stage - 1, -1, false); })
                ->setEnabled(stage > 0);
            menu.addAction(tr("Move to the next stage"), this,
                           [=, this] { editMoveOp(op, stage + 1, -1, false); })
                ->setEnabled(stage + 1 < stages);
            menu.addAction(tr("Move to a new stage before"), this,
                           [=, this] { editMoveOp(op, stage, -1, true); });
            menu.addAction(tr("Move to a new stage after"), this,
                           [=, this] { editMoveOp(op, stage + 1, -1, true); });
            menu.addAction(tr("Move to a new stream of this stage"), this,
                           [=, this] { editMoveOp(op, stage, -1, false); });
        } else if (group >= 0) {
            menu.addAction(tr("Move group to the previous stage"), this,
                           [=, this] { editMoveGroup(stage, group, stage - 1); })
                ->setEnabled(stage > 0);
            menu.addAction(tr("Move group to the next stage"), this,
                           [=, this] { editMoveGroup(stage, group, stage + 1); })
                ->setEnabled(stage + 1 < stages);
        } else {
            menu.addAction(tr("Merge with the next stage"), this, [=, this] { editMergeStages(stage); })
                ->setEnabled(stage + 1 < stages);
            menu.addAction(tr("Split into one stage per stream"), this, [=, this] { editSplitStage(stage); });
        }
        menu.addSeparator();
        menu.addAction(tr("Drag ops and groups onto a stage, a group or between stages to move them"))
            ->setEnabled(false);
        menu.exec(scheduleView_->viewport()->mapToGlobal(pos));
    });
    scheduleView_->setToolTip(tr("Drag an op or a group onto another stage or group to edit the schedule; "
                                 "right-click for more edits (undo: %1)")
                                  .arg(QKeySequence(QKeySequence::Undo).toString(QKeySequence::NativeText)));
}

} // namespace ioscope::app
