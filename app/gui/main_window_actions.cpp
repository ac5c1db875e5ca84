// MainWindow: menus, keyboard shortcuts, settings, recent files, drag and drop, exports.
#include "main_window.h"

#include "action_icons.h"
#include "app_settings.h"
#include "dag_view.h"
#include "document.h"
#include "exporter.h"
#include "find_bar.h"
#include "models/model_registry.h"
#include "qt_text.h"
#include "search_job.h"
#include "search_panel.h"
#include "selection_model.h"
#include "timeline_view.h"

#include <algorithm>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QKeySequence>
#include <QMenuBar>
#include <QMimeData>
#include <QScreen>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>

namespace ioscope::app {

void MainWindow::buildActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open model file…"), this, &MainWindow::openFileDialog);
    open->setShortcut(QKeySequence::Open);
    QMenu* bundled = file->addMenu(tr("Open &bundled network"));
    for (const std::string& name : bundledModelNames()) {
        const QString n = qs(name);
        bundled->addAction(n, this, [this, n] { openModel(n); });
    }
    recentMenu_ = file->addMenu(tr("Open &recent"));
    file->addSeparator();
    QAction* exportAction = file->addAction(tr("&Export…"), this, &MainWindow::exportDialog);
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    QMenu* exports = file->addMenu(tr("Export as"));
    for (const ExportKind& k : exportKinds())
        exports->addAction(k.title, this, [this, id = k.id] { exportTo(id); })->setData(k.id);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    buildEditing(menuBar()->addMenu(tr("&Edit")));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    viewMenu_ = view;
    QAction* find = view->addAction(tr("&Find ops…"), findBar_, &widgets::FindBar::activate);
    find->setShortcut(QKeySequence::Find);
    QAction* fit = view->addAction(tr("Fit DAG to window"), dag_, &widgets::DagView::fitToWindow);
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    QAction* zoomSel = view->addAction(tr("Zoom to selection"), dag_, &widgets::DagView::zoomToSelection);
    zoomSel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    QAction* lr = view->addAction(tr("Left to right layout"));
    lr->setCheckable(true);
    connect(lr, &QAction::toggled, dag_, [this](bool on) {
        layoutBusy_ = true;
        dag_->setDirection(on ? layout::Direction::LeftToRight : layout::Direction::TopToBottom);
    });
    QAction* antichain = view->addAction(tr("Highlight the width (maximum antichain)"));
    antichain->setCheckable(true);
    connect(antichain, &QAction::toggled, dag_, &widgets::DagView::setAntichainVisible);
    QAction* blocks = view->addAction(tr("Block outlines"));
    blocks->setCheckable(true);
    blocks->setChecked(dag_->blocksVisible());
    connect(blocks, &QAction::toggled, dag_, [this](bool on) {
        layoutBusy_ = true;
        dag_->setBlocksVisible(on);
    });
    QAction* overview = view->addAction(tr("Overview"));
    overview->setCheckable(true);
    overview->setChecked(dag_->overviewVisible());
    connect(overview, &QAction::toggled, dag_, &widgets::DagView::setOverviewVisible);
    QAction* legend = view->addAction(tr("Colour legend"));
    legend->setCheckable(true);
    legend->setChecked(dag_->legendVisible());
    legend->setToolTip(tr("The op kind colours in the corner of the DAG (hide it when it covers nodes)"));
    connect(legend, &QAction::toggled, dag_, &widgets::DagView::setLegendVisible);
    QAction* critical = view->addAction(tr("Critical path"));
    critical->setObjectName(QStringLiteral("criticalPathAction"));
    critical->setCheckable(true);
    critical->setChecked(dag_->criticalPathVisible());
    critical->setToolTip(tr("Outline the current schedule's critical path in the DAG and mark each lane's "
                            "critical ops in the timeline; tooltips give every op's slack"));
    connect(critical, &QAction::toggled, this, &MainWindow::setCriticalPathVisible);
    QAction* shapes = view->addAction(tr("Tensor shapes on edges"));
    shapes->setObjectName(QStringLiteral("edgeShapesAction"));
    shapes->setCheckable(true);
    shapes->setChecked(dag_->edgeShapesVisible());
    shapes->setToolTip(
        tr("Label each edge with the tensor it carries (C×H×W), once zoomed in enough to read"));
    connect(shapes, &QAction::toggled, dag_, &widgets::DagView::setEdgeShapesVisible);
    QMenu* colourBy = view->addMenu(tr("Colour the DAG by"));
    auto* colourGroup = new QActionGroup(this);
    for (DagColouring c : {DagColouring::Kind, DagColouring::PredictedTime, DagColouring::StageShare,
                           DagColouring::MeasuredTime, DagColouring::Slack}) {
        QAction* a = colourBy->addAction(toDisplayString(c));
        a->setCheckable(true);
        a->setChecked(c == dagColouring_);
        a->setData(int(c));
        colourGroup->addAction(a);
        colouringActions_.push_back(a);
        connect(a, &QAction::triggered, this, [this, c] { setDagColouring(c); });
    }
    QAction* present = view->addAction(tr("&Presentation mode"));
    present->setCheckable(true);
    present->setShortcut(QKeySequence(Qt::Key_F11));
    connect(present, &QAction::toggled, this, &MainWindow::setPresentationMode);
    view->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());

    QMenu* search = menuBar()->addMenu(tr("&Search"));
    QAction* run = search->addAction(tr("&Run search"), this, &MainWindow::startSearch);
    run->setShortcut(QKeySequence(Qt::Key_F5));
    QAction* cancel = search->addAction(tr("&Cancel search"), this, &MainWindow::cancelSearch);
    cancel->setShortcut(QKeySequence(Qt::Key_Escape));
    cancel->setShortcutContext(Qt::WindowShortcut);
    runAction_ = run;
    cancelAction_ = cancel;
    exportAction_ = exportAction;
    exportMenu_ = exports;

    QMenu* play = menuBar()->addMenu(tr("&Playback"));
    QAction* toggle = play->addAction(tr("Play / pause"), timeline_, &widgets::TimelineView::togglePlay);
    toggle->setShortcuts({QKeySequence(Qt::Key_Space)});
    QAction* next = play->addAction(tr("Next stage"), timeline_, &widgets::TimelineView::stepNextStage);
    next->setShortcuts({QKeySequence(Qt::Key_Period), QKeySequence(Qt::Key_Right)});
    QAction* prev =
        play->addAction(tr("Previous stage"), timeline_, &widgets::TimelineView::stepPreviousStage);
    prev->setShortcuts({QKeySequence(Qt::Key_Comma), QKeySequence(Qt::Key_Left)});
    QAction* rewind = play->addAction(tr("Rewind"), timeline_, &widgets::TimelineView::rewind);
    rewind->setShortcut(QKeySequence(Qt::Key_Home));
    // The menu shortcuts apply where the timeline has focus. Over the DAG the arrow keys pan
    // (DagView) and only Space, '.', ',' and Home drive playback, through twins without arrows.
    for (QAction* a : {toggle, next, prev, rewind}) a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    QWidget* timelinePanel = findChild<QDockWidget*>(QStringLiteral("timelineDock"))->widget();
    for (QAction* a : {toggle, next, prev, rewind}) timelinePanel->addAction(a);
    const std::pair<QAction*, QKeySequence> twins[] = {{toggle, QKeySequence(Qt::Key_Space)},
                                                       {next, QKeySequence(Qt::Key_Period)},
                                                       {prev, QKeySequence(Qt::Key_Comma)},
                                                       {rewind, QKeySequence(Qt::Key_Home)}};
    for (const auto& [action, key] : twins) {
        auto* twin = new QAction(action->text(), centralWidget());
        twin->setShortcut(key);
        twin->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(twin, &QAction::triggered, action, &QAction::trigger);
        centralWidget()->addAction(twin);
    }

    open->setIcon(actionIcon(ActionIcon::Open));
    run->setIcon(actionIcon(ActionIcon::RunSearch));
    cancel->setIcon(actionIcon(ActionIcon::Cancel));
    fit->setIcon(actionIcon(ActionIcon::FitView));
    exportAction->setIcon(actionIcon(ActionIcon::Export));
    present->setIcon(actionIcon(ActionIcon::Presentation));
    find->setIcon(actionIcon(ActionIcon::Find));
    // Short toolbar labels; the menus keep the full names.
    fit->setIconText(tr("Fit DAG"));
    present->setIconText(tr("Present"));

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->setIconSize(QSize(22, 22));
    bar->addAction(open);
    bar->addAction(run);
    bar->addAction(cancel);
    bar->addSeparator();
    bar->addAction(fit);
    bar->addAction(find);
    bar->addSeparator();
    bar->addAction(exportAction);
    bar->addAction(present);
    // Tooltips say what an action does and its shortcut.
    const std::pair<QAction*, QString> tips[] = {
        {open, tr("Open a model JSON or an ONNX file; you can also drop one on the window")},
        {run, tr("Run the search with the Search panel's settings")},
        {cancel, tr("Stop the running search")},
        {fit, tr("Fit the whole DAG in the view")},
        {find, tr("Find ops by name or kind")},
        {exportAction, tr("Export the schedule, a Chrome trace, the DAG, the timeline or a report")},
        {present, tr("Full screen with large fonts, for projection")},
    };
    for (const auto& [action, tip] : tips)
        action->setToolTip(
            QStringLiteral("%1 (%2)").arg(tip, action->shortcut().toString(QKeySequence::NativeText)));
}

void MainWindow::updateActions() {
    const bool model = document_->hasModel();
    const bool searching = searchJob_->isRunning();
    runAction_->setEnabled(model && !searching);
    cancelAction_->setEnabled(searching);
    exportAction_->setEnabled(model);
    exportMenu_->setEnabled(model);
    // Schedule exports need a run; the others only the model.
    const bool run = document_->currentRun() != nullptr;
    for (QAction* a : exportMenu_->actions()) {
        const QString id = a->data().toString();
        a->setEnabled(
            model && (run || !(id == QLatin1String("schedule-json") || id == QLatin1String("chrome-trace"))));
    }
    searchPanel_->setRunEnabled(model);
    const bool editable = run && selection_->currentOp() >= 0;
    for (QAction* a : editActions_) a->setEnabled(editable);
}

void MainWindow::openFileDialog() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Open model"), AppSettings::lastDirectory(),
                                                      tr("Models (*.json *.onnx);;All files (*)"));
    if (file.isEmpty()) return;
    AppSettings::setLastDirectory(QFileInfo(file).absolutePath());
    openModel(file);
}

void MainWindow::addRecent(const QString& spec) {
    recent_.removeAll(spec);
    recent_.prepend(spec);
    while (recent_.size() > 10) recent_.removeLast();
    {
        const AppSettings::Batch batch; // one file write, on the settings' thread
        AppSettings::setRecentModels(recent_);
        AppSettings::setLastModel(spec);
    }
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    for (const QString& spec : recent_) recentMenu_->addAction(spec, this, [this, spec] { openModel(spec); });
    recentMenu_->setEnabled(!recent_.isEmpty());
}

void MainWindow::restoreSettings() {
    recent_ = AppSettings::recentModels();
    rebuildRecentMenu();
    searchPanel_->setRequest(AppSettings::searchRequest());
    const QByteArray geometry = AppSettings::windowGeometry();
    if (geometry.isEmpty() || !restoreGeometry(geometry)) resize(1500, 950);
    // A restored layout is the user's: docks keep their sizes from then on.
    defaultDockSizes_ = !restoreState(AppSettings::windowState());
    // DAG view options, through their actions so the menu shows them.
    if (auto* a = findChild<QAction*>(QStringLiteral("criticalPathAction")))
        a->setChecked(AppSettings::viewOption(QStringLiteral("critical_path"), true).toBool());
    if (auto* a = findChild<QAction*>(QStringLiteral("edgeShapesAction")))
        a->setChecked(AppSettings::viewOption(QStringLiteral("edge_shapes"), true).toBool());
    const int colouring = AppSettings::viewOption(QStringLiteral("colouring"), 0).toInt();
    if (colouring >= int(DagColouring::Kind) && colouring <= int(DagColouring::Slack))
        setDagColouring(DagColouring(colouring));
}

void MainWindow::saveSettings() {
    const AppSettings::Batch batch; // one file write (synced to disk) instead of one per setting
    // In presentation mode the window is full screen with docks stepped aside: what is kept is
    // the layout it returns to.
    AppSettings::setWindowGeometry(presentation_ ? normalGeometry_ : saveGeometry());
    AppSettings::setWindowState(presentation_ ? normalDockState_ : saveState());
    AppSettings::setSearchRequest(searchPanel_->request());
    AppSettings::setViewOption(QStringLiteral("critical_path"), dag_->criticalPathVisible());
    AppSettings::setViewOption(QStringLiteral("edge_shapes"), dag_->edgeShapesVisible());
    AppSettings::setViewOption(QStringLiteral("colouring"), int(dagColouring_));
}

void MainWindow::setPresentationMode(bool on) {
    if (on == presentation_) return;
    presentation_ = on;
    QFont font = QApplication::font();
    if (normalFontSize_ <= 0) normalFontSize_ = font.pointSizeF();
    font.setPointSizeF(on ? normalFontSize_ * 1.6 : normalFontSize_);
    QApplication::setFont(font);
    if (on) {
        // A projected screen has room for the DAG and the timeline at 1.6x, not for every dock:
        // the tables and the width chart step aside (the View menu brings them back) and the
        // timeline gets a third of the height. Leaving restores the layout as it was.
        normalDockState_ = saveState();
        normalGeometry_ = saveGeometry(); // with the maximized state, which showNormal() loses
        for (const char* name : {"widthDock", "scheduleDock", "propertiesDock"})
            if (auto* dock = findChild<QDockWidget*>(QLatin1String(name))) dock->hide();
        showFullScreen();
        // The sizes are set again once the full-screen geometry and the enlarged fonts have
        // landed (resizeEvent; the window manager resizes later): set now, the search column
        // kept the width its normal-size text asked for ("IOS (dynami" at 1280x720).
        applyPresentationDockSizes();
        QTimer::singleShot(0, this, [this] { applyPresentationDockSizes(); });
    } else {
        showNormal();
        if (!normalGeometry_.isEmpty()) restoreGeometry(normalGeometry_);
        if (!normalDockState_.isEmpty()) restoreState(normalDockState_);
    }
}

void MainWindow::applyPresentationDockSizes() {
    if (!presentation_) return;
    // The DAG and the timeline get the room: the timeline a third of the height, the search
    // column what its enlarged form asks for, at least a fifth of the width and at most a third.
    auto* timelineDock = findChild<QDockWidget*>(QStringLiteral("timelineDock"));
    auto* searchDock = findChild<QDockWidget*>(QStringLiteral("searchDock"));
    const QSize screen = this->screen() ? this->screen()->size() : size();
    if (timelineDock)
        resizeDocks({timelineDock}, {std::max(screen.height() / 3, timeline_->minimumHeight() + 80)},
                    Qt::Vertical);
    if (searchDock && searchDock->isVisible()) {
        QWidget* form = searchDock->widget();
        if (form) form->ensurePolished();
        const int wanted = form ? form->sizeHint().width() + 24 : 0;
        resizeDocks({searchDock}, {std::min(screen.width() / 3, std::max({280, screen.width() / 5, wanted}))},
                    Qt::Horizontal);
    }
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile()) return;
    event->acceptProposedAction();
    openModel(urls.front().toLocalFile());
}

void MainWindow::exportDialog() {
    QStringList titles;
    for (const ExportKind& k : exportKinds()) titles << k.title;
    bool ok = false;
    const QString choice =
        QInputDialog::getItem(this, tr("Export"), tr("What to export"), titles, 0, false, &ok);
    if (!ok) return;
    for (const ExportKind& k : exportKinds())
        if (k.title == choice) exportTo(k.id);
}

bool MainWindow::exportTo(const QString& id) {
    const ExportKind* kind = findExportKind(id);
    if (!kind) return false;
    const QString suggested =
        QDir(AppSettings::lastDirectory())
            .filePath((document_->hasModel() ? document_->model().displayName : tr("ioscope")) +
                      kind->suffix);
    const QString path = savePathPrompt_
                             ? savePathPrompt_(kind->title, suggested, kind->filter)
                             : QFileDialog::getSaveFileName(this, kind->title, suggested, kind->filter);
    if (path.isEmpty()) return false;
    AppSettings::setLastDirectory(QFileInfo(path).absolutePath());
    Exporter exporter(document_, dag_, timeline_);
    QString error;
    if (!exporter.write(id, path, &error)) {
        showError(tr("Export failed"), error);
        return false;
    }
    statusBar()->showMessage(tr("Wrote %1").arg(path), 6000);
    if (id == QLatin1String("schedule-json")) unsavedRuns_.removeAll(document_->currentRunId()); // saved
    return true;
}

} // namespace ioscope::app
