#include "main_window.h"

#include "app_settings.h"
#include "dag_items.h"
#include "dag_view.h"
#include "diff_panel.h"
#include "document.h"
#include "execution_job.h"
#include "execution_panel.h"
#include "find_bar.h"
#include "layout/layout_worker.h"
#include "model_load_job.h"
#include "op_properties_model.h"
#include "run_table_model.h"
#include "schedule_tree_model.h"
#include "search_job.h"
#include "search_panel.h"
#include "selection_model.h"
#include "teaching_panel.h"
#include "timeline_view.h"
#include "width_chart.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QScrollArea>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

// The qrc lives in a static library, so it must be registered explicitly (outside any namespace).
static void initIoscopeResources() {
    Q_INIT_RESOURCE(resources);
}

namespace ioscope::app {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), document_(new Document(this)), selection_(new widgets::SelectionModel(this)),
      loadJob_(new ModelLoadJob(this)), searchJob_(new SearchJob(this)) {
    initIoscopeResources();
    setWindowTitle(tr("ioscope"));
    setWindowIcon(QIcon(QStringLiteral(":/ioscope/ioscope.svg")));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    buildViews();
    buildActions();

    connect(loadJob_, &ModelLoadJob::loaded, this, &MainWindow::onModelLoaded);
    connect(loadJob_, &ModelLoadJob::failed, this, [this](const QString& spec, const QString& message) {
        jobLabel_->clear();
        showError(tr("Cannot open %1").arg(spec), message);
    });
    connect(searchJob_, &SearchJob::runningChanged, searchPanel_, &SearchPanel::setRunning);
    connect(searchJob_, &SearchJob::progressed, searchPanel_, &SearchPanel::showStatus);
    connect(searchJob_, &SearchJob::finished, this, &MainWindow::onSearchFinished);
    connect(searchJob_, &SearchJob::cancelled, this,
            [this] { searchPanel_->showMessage(tr("Search cancelled.")); });
    connect(searchJob_, &SearchJob::failed, this, [this](const QString& message) {
        searchPanel_->showMessage(tr("Search failed."));
        showError(tr("Search failed"), message);
    });
    connect(searchPanel_, &SearchPanel::runRequested, this, &MainWindow::startSearch);
    connect(searchPanel_, &SearchPanel::cancelRequested, this, &MainWindow::cancelSearch);
    connect(searchPanel_, &SearchPanel::runActivated, document_, &Document::setCurrentRun);
    connect(document_, &Document::currentRunChanged, this, &MainWindow::onCurrentRunChanged);
    connect(document_, &Document::runUpdated, this, [this](int id) {
        if (id == document_->currentRunId()) refreshRunOverlays(); // e.g. its measurements arrived
        rebuildTimelineLanes();
    });
    connect(selection_, &widgets::SelectionModel::selectionChanged, this, &MainWindow::onSelectionChanged);
    connect(dag_, &widgets::DagView::layoutStarted, this, [this] { jobLabel_->setText(tr("Laying out…")); });
    connect(dag_, &widgets::DagView::layoutFinished, this, [this](double s) {
        layoutBusy_ = false;
        jobLabel_->setText(tr("Layout %1 s").arg(s, 0, 'f', 2));
    });
    connect(dag_, &widgets::DagView::layoutFailed, this, [this](const QString& message) {
        layoutBusy_ = false;
        jobLabel_->setText(tr("Layout failed"));
        showError(tr("Layout failed"), message);
    });
    connect(searchJob_, &SearchJob::runningChanged, this, &MainWindow::updateActions);
    connect(document_, &Document::modelChanged, this, &MainWindow::updateActions);
    connect(document_, &Document::currentRunChanged, this, &MainWindow::updateActions);
    connect(selection_, &widgets::SelectionModel::selectionChanged, this, &MainWindow::updateActions);
    restoreSettings();
    updateActions();
}

MainWindow::~MainWindow() = default;

QDockWidget* MainWindow::addDock(const QString& title, const QString& objectName, QWidget* widget,
                                 Qt::DockWidgetArea area) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(objectName); // saveState() needs names
    dock->setWidget(widget);
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::buildViews() {
    // Centre: find bar over the DAG.
    layoutWorker_ = std::make_shared<layout::LayoutWorker>();
    dag_ = new widgets::DagView(layoutWorker_, this);
    dag_->setSelectionModel(selection_);
    findBar_ = new widgets::FindBar(this);
    findBar_->attach(dag_);
    findBar_->hide();
    auto* centre = new QWidget(this);
    auto* centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    centreLayout->setSpacing(0);
    centreLayout->addWidget(findBar_);
    centreLayout->addWidget(dag_, 1);
    setCentralWidget(centre);

    // Width: the value and the profile.
    auto* widthPanel = new QWidget(this);
    widthLabel_ = new QLabel(widthPanel);
    widthLabel_->setWordWrap(true);
    widthChart_ = new widgets::WidthChart(widthPanel);
    widthChart_->setSelectionModel(selection_); // a bar selects its level's ops
    widthChart_->setToolTip(
        tr("How many ops could run at once along the topological order (wavefront levels); "
           "the dashed line is the width, the maximum antichain"));
    auto* wl = new QVBoxLayout(widthPanel);
    wl->setContentsMargins(4, 2, 4, 2);
    wl->addWidget(widthLabel_);
    wl->addWidget(widthChart_, 1);
    widthChart_->setMinimumHeight(90); // bars and labels stay apart
    addDock(tr("Width"), QStringLiteral("widthDock"), widthPanel, Qt::LeftDockWidgetArea);

    // Schedule table.
    scheduleModel_ = new ScheduleTreeModel(this);
    scheduleView_ = new QTreeView(this);
    scheduleView_->setModel(scheduleModel_);
    scheduleView_->setUniformRowHeights(true);
    scheduleView_->setAlternatingRowColors(true);
    scheduleView_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    scheduleView_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    connect(scheduleView_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        if (syncingSelection_) return;
        // A stage or group row selects all its ops.
        QList<OpId> ops;
        OpId current = -1;
        for (const QModelIndex& i : scheduleView_->selectionModel()->selectedRows())
            for (OpId op : scheduleModel_->opsAt(i))
                if (!ops.contains(op)) ops << op;
        if (const OpId op = scheduleModel_->opAt(scheduleView_->currentIndex()); op >= 0 && ops.contains(op))
            current = op;
        else if (!ops.isEmpty())
            current = ops.front();
        syncingSelection_ = true;
        selection_->selectOps(ops, current);
        syncingSelection_ = false;
    });
    addDock(tr("Schedule"), QStringLiteral("scheduleDock"), scheduleView_, Qt::LeftDockWidgetArea);

    // Properties of the selected op.
    propertiesModel_ = new OpPropertiesModel(this);
    propertiesView_ = new QTableView(this);
    propertiesView_->setModel(propertiesModel_);
    propertiesView_->verticalHeader()->hide();
    propertiesView_->horizontalHeader()->setStretchLastSection(true);
    propertiesView_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    propertiesView_->setWordWrap(true);
    // Empty, the dock says how to fill it.
    propertiesStack_ = new QStackedWidget(this);
    auto* hint = new QLabel(tr("Select an op in the DAG, the timeline or the schedule to see its shapes, "
                               "cost, producers and consumers here."),
                            propertiesStack_);
    hint->setObjectName(QStringLiteral("propertiesHint"));
    hint->setWordWrap(true);
    hint->setAlignment(Qt::AlignCenter);
    hint->setMargin(12);
    hint->setForegroundRole(QPalette::PlaceholderText);
    propertiesStack_->addWidget(hint);
    propertiesStack_->addWidget(propertiesView_);
    addDock(tr("Properties"), QStringLiteral("propertiesDock"), propertiesStack_, Qt::RightDockWidgetArea);

    // Search and results.
    runTable_ = new RunTableModel(document_, this);
    searchPanel_ = new SearchPanel(runTable_, *gpu_, this);
    auto* searchDock =
        addDock(tr("Search"), QStringLiteral("searchDock"), searchPanel_, Qt::RightDockWidgetArea);

    // Execution.
    executionPanel_ = new ExecutionPanel(document_, gpu_, this);
    auto* execDock =
        addDock(tr("Execution"), QStringLiteral("executionDock"), executionPanel_, Qt::RightDockWidgetArea);
    tabifyDockWidget(searchDock, execDock);
    // A measured kernel selects the op it ran for, and a selected op outlines its kernels.
    executionPanel_->kernelTimeline()->setSelectionModel(selection_);
    // Compare two runs.
    diffPanel_ = new DiffPanel(document_, this);
    auto* diffDock =
        addDock(tr("Compare"), QStringLiteral("compareDock"), diffPanel_, Qt::RightDockWidgetArea);
    tabifyDockWidget(execDock, diffDock);
    connect(diffPanel_, &DiffPanel::diffChanged, this, &MainWindow::applyDiff);
    searchDock->raise();

    // Timeline and teaching at the bottom.
    auto* timelineDock = addDock(tr("Timeline"), QStringLiteral("timelineDock"), buildTimelinePanel(),
                                 Qt::BottomDockWidgetArea);
    teachingPanel_ = new TeachingPanel(document_, selection_, dag_, this);
    auto* teachDock =
        addDock(tr("Teaching"), QStringLiteral("teachingDock"), teachingPanel_, Qt::BottomDockWidgetArea);
    tabifyDockWidget(timelineDock, teachDock);
    timelineDock->raise();

    // The right column (properties, search with its results table) runs down to the status bar,
    // so the results keep room for several runs; the timeline spans the rest of the width.
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    resize(1500, 950);
    applyDefaultDockSizes();

    factsLabel_ = new QLabel(tr("No model open"), this);
    jobLabel_ = new QLabel(this);
    statusBar()->addWidget(factsLabel_, 1);
    statusBar()->addPermanentWidget(jobLabel_);
}

QWidget* MainWindow::buildTimelinePanel() {
    auto* panel = new QWidget(this);
    timeline_ = new widgets::TimelineView(panel);
    timeline_->setSelectionModel(selection_);
    connect(timeline_, &widgets::TimelineView::runningOpsChanged, dag_, &widgets::DagView::setRunningOps);
    // While playing, keep the lit ops in sight so viewers can follow the schedule in the DAG.
    connect(timeline_, &widgets::TimelineView::runningOpsChanged, this, [this](const QList<OpId>& ops) {
        if (!timeline_->isPlaying() || ops.isEmpty()) return;
        dag_->revealOps(ops); // clear of the legend and the overview
    });

    auto makeButton = [panel](const QString& text, const QString& tip) {
        auto* b = new QToolButton(panel);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        return b;
    };
    auto* rewind = makeButton(tr("Rewind"), tr("Rewind (Home)"));
    auto* back = makeButton(tr("Previous stage"), tr("Previous stage (Left or ,)"));
    auto* play = makeButton(tr("Play"), tr("Play / pause (Space)"));
    auto* next = makeButton(tr("Next stage"), tr("Next stage (Right or .)"));
    rewind->setIcon(style()->standardIcon(QStyle::SP_MediaSkipBackward));
    back->setIcon(style()->standardIcon(QStyle::SP_MediaSeekBackward));
    play->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    next->setIcon(style()->standardIcon(QStyle::SP_MediaSeekForward));
    for (QToolButton* b : {rewind, back, play, next}) b->setToolButtonStyle(Qt::ToolButtonIconOnly);
    auto* fit = makeButton(tr("Fit"), tr("Fit the whole timeline"));
    connect(rewind, &QToolButton::clicked, timeline_, &widgets::TimelineView::rewind);
    connect(back, &QToolButton::clicked, timeline_, &widgets::TimelineView::stepPreviousStage);
    connect(play, &QToolButton::clicked, timeline_, &widgets::TimelineView::togglePlay);
    connect(next, &QToolButton::clicked, timeline_, &widgets::TimelineView::stepNextStage);
    connect(fit, &QToolButton::clicked, timeline_, &widgets::TimelineView::fitToWindow);
    connect(timeline_, &widgets::TimelineView::playingChanged, play, [this, play](bool playing) {
        play->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    });
    speed_ = new QDoubleSpinBox(panel);
    speed_->setRange(0.1, 16);
    speed_->setValue(1);
    speed_->setSingleStep(0.25);
    speed_->setSuffix(QStringLiteral("×"));
    speed_->setToolTip(tr("Playback speed"));
    connect(speed_, &QDoubleSpinBox::valueChanged, timeline_, &widgets::TimelineView::setSpeed);
    auto* where = new QLabel(panel);
    where->setObjectName(QStringLiteral("playheadReadout"));
    // In the axis' unit; empty when there is nothing to play (a new model clears the lanes).
    connect(timeline_, &widgets::TimelineView::playheadMoved, where, [this, where](double ms) {
        if (timeline_->lanes().empty()) {
            where->clear();
            return;
        }
        const int stage = timeline_->stageAt(timeline_->activeLane(), ms);
        const QString at = widgets::formatDurationMs(ms);
        where->setText(stage >= 0 ? tr("%1 · stage %2").arg(at).arg(stage + 1) : at);
    });

    auto* controls = new QHBoxLayout;
    for (QWidget* w : {static_cast<QWidget*>(rewind), static_cast<QWidget*>(back),
                       static_cast<QWidget*>(play), static_cast<QWidget*>(next)})
        controls->addWidget(w);
    controls->addWidget(new QLabel(tr("Speed"), panel));
    controls->addWidget(speed_);
    controls->addWidget(fit);
    controls->addSpacing(12);
    controls->addWidget(where, 1);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(controls);
    // Many groups (NasNet's wavefront) need more rows than the dock has room for: the timeline
    // keeps a readable minimum row height and the dock scrolls vertically instead of cutting lanes.
    auto* scroll = new QScrollArea(panel);
    scroll->setObjectName(QStringLiteral("timelineScroll"));
    scroll->setWidget(timeline_);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // the timeline scrolls time itself
    layout->addWidget(scroll, 1);
    return panel;
}

bool MainWindow::isBusy() const {
    return loadJob_->isRunning() || searchJob_->isRunning() || layoutBusy_ ||
           executionPanel_->job()->isRunning();
}

bool MainWindow::waitUntilIdle(int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    while (isBusy()) {
        if (clock.elapsed() > timeoutMs) return false;
        // Sleep until something happens (a job posts its result) instead of spinning: the
        // workers need the CPU. The timer bounds each wait.
        QTimer::singleShot(100, this, [] {});
        QApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    QApplication::processEvents();
    return true;
}

void MainWindow::applyDefaultDockSizes() {
    auto dock = [this](const char* name) { return findChild<QDockWidget*>(QLatin1String(name)); };
    QDockWidget* width = dock("widthDock");
    QDockWidget* schedule = dock("scheduleDock");
    QDockWidget* search = dock("searchDock");
    QDockWidget* properties = dock("propertiesDock");
    QDockWidget* timeline = dock("timelineDock");
    if (!width || !schedule || !search || !properties || !timeline) return;
    // The DAG keeps about half the width and 60% of the height; the side columns take what
    // their tables need, within bounds (a 1280x720 laptop to a 4K screen).
    const int w = this->width(), h = centralWidget()->height() + timeline->height();
    const int left = std::clamp(w * 22 / 100, 250, 420);
    const int right = std::clamp(w * 27 / 100, 320, 560);
    resizeDocks({width, search}, {left, right}, Qt::Horizontal);
    const int columnH = std::max(300, h);
    resizeDocks({width, schedule}, {std::clamp(columnH * 30 / 100, 150, 260), columnH}, Qt::Vertical);
    resizeDocks({properties, search}, {std::clamp(columnH * 30 / 100, 150, 280), columnH}, Qt::Vertical);
    resizeDocks({timeline}, {std::clamp(h * 34 / 100, 190, 420)}, Qt::Vertical);
}

void MainWindow::resizeEvent(QResizeEvent* event) {
    QMainWindow::resizeEvent(event);
    if (defaultDockSizes_ && !presentation_) applyDefaultDockSizes();
    if (presentation_) applyPresentationDockSizes();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!resolveUnsavedEdits(tr("close the window"))) { // Cancel: everything stays as it was
        event->ignore();
        return;
    }
    // Every worker stops now, while the window goes away: the process exits once the event
    // loop ends instead of waiting for a search, a load or a GPU run to finish.
    searchJob_->cancel();
    loadJob_->cancel();
    executionPanel_->cancel();
    // The settings are read while the window is up; their write (one, on the settings' own
    // thread) syncs to disk, which on a disk busy with a build takes seconds: main waits for it
    // once the window is gone.
    saveSettings();
    hide();
    QMainWindow::closeEvent(event);
}

} // namespace ioscope::app
