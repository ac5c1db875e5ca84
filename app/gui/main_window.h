#pragma once
// The explorer's main window: the DAG in the centre; docks for the width profile, the timeline
// (with playback), the schedule table, the properties of the selected op, the search panel,
// the execution panel and the teaching view. One SelectionModel is shared by every view.
#include "dag_colouring.h"
#include "gpu/gpu_context.h"
#include "schedule_run.h"

#include <QMainWindow>
#include <QStringList>

#include <functional>

#include <memory>

class QAction;
class QLabel;
class QMenu;
class QStackedWidget;
class QTableView;
class QUndoStack;
class QTreeView;
class QDockWidget;
class QDoubleSpinBox;

namespace ioscope::layout {
class LayoutWorker;
}

namespace ioscope::widgets {
class DagView;
class FindBar;
class SelectionModel;
class TimelineView;
class WidthChart;
} // namespace ioscope::widgets

namespace ioscope::app {

class DiffPanel;
class Document;
struct EditResult;
class ExecutionPanel;
class ModelLoadJob;
class OpPropertiesModel;
class RunTableModel;
class ScheduleTreeModel;
class SearchJob;
class SearchPanel;
class TeachingPanel;
struct LoadedModel;
struct SearchStatus;

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    Document* document() const { return document_; }
    widgets::SelectionModel* selection() const { return selection_; }
    widgets::DagView* dagView() const { return dag_; }
    widgets::TimelineView* timeline() const { return timeline_; }
    QTreeView* scheduleView() const { return scheduleView_; }
    ScheduleTreeModel* scheduleModel() const { return scheduleModel_; }
    OpPropertiesModel* propertiesModel() const { return propertiesModel_; }
    RunTableModel* runTableModel() const { return runTable_; }
    SearchPanel* searchPanel() const { return searchPanel_; }
    SearchJob* searchJob() const { return searchJob_; }
    // The window's GPU context: searches, edits and executions all run on it.
    GpuContext& gpu() const { return *gpu_; }
    ExecutionPanel* executionPanel() const { return executionPanel_; }
    DiffPanel* diffPanel() const { return diffPanel_; }
    ModelLoadJob* loadJob() const { return loadJob_; }

    // Errors appear in a non-modal dialog (the window stays usable) unless quiet (headless).
    void setQuietErrors(bool quiet) { quietErrors_ = quiet; }
    bool isBusy() const; // a load, search or layout is running
    // Processes events until nothing is running (headless modes, tests). False on timeout.
    bool waitUntilIdle(int timeoutMs);

    bool presentationMode() const { return presentation_; }

    // What the DAG's fills show (View → Colour the DAG by); a Compare diff overrides it.
    DagColouring dagColouring() const { return dagColouring_; }
    void setDagColouring(DagColouring colouring);
    // View → Critical path: drawn in the DAG and on every schedule lane of the timeline.
    void setCriticalPathVisible(bool on);

    // Schedule edits on the current run (main_window_edit.cpp): validated, evaluated with the
    // run's cost model, undoable. The first edit of a searched run copies it to an Edited run.
    void editMoveOp(OpId op, int toStage, int toGroup, bool newStage);
    void editMoveGroup(int stage, int group, int toStage);
    void editMergeStages(int stage);
    void editSplitStage(int stage);
    QUndoStack* undoStack() const { return undoStack_; }
    // Edited runs changed since they were last exported as schedule JSON (ids, oldest first).
    QList<int> unsavedEditedRuns() const;
    // Before unsaved edits would be lost (closing the window, opening another model) the user
    // is asked: Save (export each as schedule JSON), Discard or Cancel (keep everything). True
    // when the action may go on. A quiet (headless) window with no prompt set has no one to ask.
    enum class UnsavedChoice { Save, Discard, Cancel };
    bool resolveUnsavedEdits(const QString& action);
    // Tests answer the dialogs without a modal loop: the question (with the runs' names), and
    // where to save a file (an empty path cancels).
    void setUnsavedEditsPrompt(std::function<UnsavedChoice(const QString& question)> prompt) {
        unsavedPrompt_ = std::move(prompt);
    }
    void setSavePathPrompt(
        std::function<QString(const QString& title, const QString& suggested, const QString& filter)>
            prompt) {
        savePathPrompt_ = std::move(prompt);
    }
    // Undo/redo: puts `schedule` into Edited run `runId` and re-evaluates it.
    void setEditedSchedule(int runId, const Schedule& schedule);

  public slots:
    void openModel(const QString& spec); // a bundled name, a model JSON or an ONNX file
    void startSearch();
    void cancelSearch();
    void setPresentationMode(bool on);

  signals:
    void modelOpened(const QString& source);
    // Emitted with the message the dialog shows ("FILE: what is wrong, where").
    void errorShown(const QString& message);
    void searchFinished(int runId);
    void editRefused(const QString& message); // "Move x refused: why" (also in the status bar)

  protected:
    void closeEvent(QCloseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    // main_window.cpp: views and docks
    void buildViews();
    QDockWidget* addDock(const QString& title, const QString& objectName, QWidget* widget,
                         Qt::DockWidgetArea area);
    QWidget* buildTimelinePanel();
    // main_window_actions.cpp: menus, shortcuts, settings, recent files, exports
    void buildActions();
    void rebuildRecentMenu();
    void addRecent(const QString& spec);
    void restoreSettings();
    void saveSettings();
    void openFileDialog();
    void exportDialog();
    bool exportTo(const QString& kind); // false when cancelled or failed
    // main_window_model.cpp: model, runs and selection wiring
    void onModelLoaded(const LoadedModel& model);
    void onSearchFinished(const std::vector<ScheduleRun>& runs);
    void onCurrentRunChanged();
    void onSelectionChanged();
    void rebuildTimelineLanes();
    void applyDiff();          // the Compare panel's pick: DAG colours and timeline lanes
    void refreshRunOverlays(); // the current run's times, slack and heat map on the DAG
    void applyDagColours();    // the diff's colours, else the heat map of dagColouring_, else kinds
    void updateStatusFacts();
    void showError(const QString& title, const QString& message);
    void updateActions(); // enabled only when they can do something
    void buildEditing(QMenu* menu);
    void applyEdit(const EditResult& result, const QString& what);
    // Dock sizes in proportion to the window (1280x720 up to 4K) while no layout was restored.
    void applyDefaultDockSizes();
    void applyPresentationDockSizes();

    // The window's GPU state (opened on first use; switches from the environment), shared with its jobs'
    // worker threads so a run in flight keeps it alive.
    std::shared_ptr<GpuContext> gpu_ = std::make_shared<GpuContext>(gpuOptionsFromEnvironment());
    Document* document_;
    widgets::SelectionModel* selection_;
    ModelLoadJob* loadJob_;
    SearchJob* searchJob_;
    // The window's Graphviz worker, passed to its views (shared: a view may outlive the window's
    // members while Qt deletes the children).
    std::shared_ptr<layout::LayoutWorker> layoutWorker_;
    widgets::DagView* dag_ = nullptr;
    widgets::FindBar* findBar_ = nullptr;
    widgets::WidthChart* widthChart_ = nullptr;
    QLabel* widthLabel_ = nullptr;
    widgets::TimelineView* timeline_ = nullptr;
    QDoubleSpinBox* speed_ = nullptr;
    QTreeView* scheduleView_ = nullptr;
    ScheduleTreeModel* scheduleModel_ = nullptr;
    QTableView* propertiesView_ = nullptr;
    QStackedWidget* propertiesStack_ = nullptr; // the table, or a hint while nothing is selected
    OpPropertiesModel* propertiesModel_ = nullptr;
    RunTableModel* runTable_ = nullptr;
    SearchPanel* searchPanel_ = nullptr;
    ExecutionPanel* executionPanel_ = nullptr;
    DiffPanel* diffPanel_ = nullptr;
    TeachingPanel* teachingPanel_ = nullptr;
    QUndoStack* undoStack_ = nullptr;
    QList<int> unsavedRuns_; // edited runs not exported since their last edit
    std::function<UnsavedChoice(const QString&)> unsavedPrompt_;
    std::function<QString(const QString&, const QString&, const QString&)> savePathPrompt_;
    QList<QAction*> editActions_;
    QAction* runAction_ = nullptr;
    QAction* cancelAction_ = nullptr;
    QAction* exportAction_ = nullptr;
    QMenu* exportMenu_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    QLabel* factsLabel_ = nullptr;
    QLabel* jobLabel_ = nullptr;
    QStringList recent_;
    QString pendingSpec_;
    bool quietErrors_ = false;
    bool presentation_ = false;
    DagColouring dagColouring_ = DagColouring::Kind;
    QList<QAction*> colouringActions_;
    bool defaultDockSizes_ = true; // no saved layout: docks follow the window's size
    QByteArray normalDockState_;   // the dock layout to return to after presentation mode
    QByteArray normalGeometry_;    // and the window geometry (maximized or not)
    bool syncingSelection_ = false;
    bool layoutBusy_ = false;
    qreal normalFontSize_ = 0;
};

} // namespace ioscope::app
