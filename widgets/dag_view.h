#pragma once
// The operator DAG view: a QGraphicsView over a scene built from a Graphviz layout computed on
// a serialized LayoutWorker the window passes in (the window never waits for Graphviz).
//
// Typical use:
//   auto* view = new DagView(layoutWorker, parent);  // a std::shared_ptr<layout::LayoutWorker>
//   view->setSelectionModel(selection);           // shared with the timeline and the table
//   view->setGraph(graph);                        // lays out asynchronously; layoutFinished() follows
//   connect(timeline, &TimelineView::runningOpsChanged, view, &DagView::setRunningOps);
// Keys: Ctrl+wheel or +/- zoom, drag or WASD/arrows pan, F or 0 fits. Ctrl+F belongs to the host
// (show a FindBar and connect it with FindBar::attach(view)).
#include "graph/graph.h"
#include "layout/graph_layout.h"
#include "sched/schedule_slack.h"

#include <QGraphicsView>
#include <QList>
#include <QSet>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace ioscope::layout {
class LayoutWorker;
}

namespace ioscope::widgets {

class DagNodeItem;
class DagEdgeItem;
class DagOverview;
class SelectionModel;
struct DagLayoutRelay;

class DagView : public QGraphicsView {
    Q_OBJECT
  public:
    // Layouts run on `worker` (shared with other views of the window); without one the view
    // starts its own.
    explicit DagView(std::shared_ptr<layout::LayoutWorker> worker, QWidget* parent = nullptr);
    explicit DagView(QWidget* parent = nullptr);
    ~DagView() override;

    // The shared selection (not owned). Without one the view keeps a private selection.
    void setSelectionModel(SelectionModel* selection);
    SelectionModel* selectionModel() const { return selection_; }

    // Shows a graph (null clears) with the blocks to outline; an ensemble (Graph::members())
    // outlines its member networks instead, each named after it (each a list of ops; from the
    // model's analysis, app/gui/loaded_model.h: the view computes no analysis of its own, and
    // does not link the analysis module). The layout runs on the LayoutWorker; until it arrives
    // the view shows "Laying out…". Antichain, times and running ops are reset.
    void setGraph(std::shared_ptr<const Graph> graph, std::vector<std::vector<OpId>> blocks = {});
    std::shared_ptr<const Graph> graph() const { return graph_; }
    // Shows a graph with a layout computed elsewhere (reports, tests); synchronous.
    void setGraphWithLayout(std::shared_ptr<const Graph> graph, const layout::GraphLayout& layout);

    layout::Direction direction() const { return direction_; }
    bool blocksVisible() const { return blocksVisible_; }
    bool inputsVisible() const { return inputsVisible_; }
    bool antichainVisible() const { return antichainVisible_; }
    bool overviewVisible() const { return overviewVisible_; }
    bool legendVisible() const { return legendVisible_; }
    // Visible overlays can be collapsed to small tabs (click the legend, or the overview's "–";
    // click a tab to expand). Until the user chooses, they collapse by themselves when they
    // would cover too much of a small view (1280x720, presentation fonts).
    bool legendCollapsed() const;
    bool overviewCollapsed() const;
    void setLegendCollapsed(bool collapsed);
    void setOverviewCollapsed(bool collapsed);
    // Where the overlays are in viewport coordinates (empty when hidden): the legend or its tab,
    // the overview's tab when collapsed.
    QRectF legendRect() const;
    QRectF overviewTabRect() const;
    bool followRunningOps() const { return followRunning_; }

    // True once a layout for the current graph is shown; the layout's figures.
    bool hasLayout() const { return hasLayout_; }
    const layout::GraphLayout& currentLayout() const { return layout_; }
    // Processes events until the pending layout is shown or failed (headless reports, tests).
    bool waitForLayout(int timeoutMs = 30000);

    // The maximum antichain to highlight (the model's analysis: maximumAntichain); nothing is
    // highlighted until one is given.
    void setAntichain(const std::vector<OpId>& ops);
    const QSet<OpId>& antichain() const { return antichain_; }

    // Per-op times shown in tooltips, indexed by OpId (empty, NaN or negative entries: unknown).
    void setOpTimes(const std::vector<double>& predictedMs, const std::vector<double>& measuredMs = {});

    // Find: ops whose name or kind contains `text` (case-insensitive) are highlighted; returns
    // the number of matches. findNext/findPrevious centre on a match and select it.
    int find(const QString& text);
    void findNext();
    void findPrevious();
    void clearFind();
    const QList<OpId>& findMatches() const { return matches_; }
    int currentFindIndex() const { return matchIndex_; }

    const QSet<OpId>& runningOps() const { return running_; }

    // Fills that replace the kind colours (a diff colours ops by change), indexed by OpId;
    // empty restores the kind colours. Exports draw them too: they are the document's content.
    void setOpTints(const std::vector<QColor>& tints);
    // What the legend lists while tints are shown (a heat map's scale: a title, then value
    // ranges and their colours; an entry with an invalid colour is a heading). Empty: the kinds.
    void setColorLegend(const std::vector<std::pair<QString, QColor>>& entries);

    // The current schedule's critical path and each op's slack (sched/schedule_slack.h):
    // path ops outlined red and the edges between them drawn red when the path is shown; slack
    // in the tooltips. Cleared by setGraph.
    void setScheduleSlack(const ScheduleSlack& slack);
    void clearScheduleSlack();
    bool criticalPathVisible() const { return criticalVisible_; }
    // Ops drawn as on the critical path (empty when hidden or unknown).
    QSet<OpId> criticalOps() const;

    // Edge labels: the tensor each edge carries (C×H×W), shown once zoomed in enough to read.
    bool edgeShapesVisible() const { return edgeShapesVisible_; }

    // Item lookup (tests, the app's "show in DAG").
    DagNodeItem* nodeItem(OpId op) const;
    int nodeItemCount() const;
    int edgeItemCount() const;
    int blockItemCount() const;

    // Exports the whole scene (not just the visible part); atomic writes. Exports draw the
    // document, not the screen: no selection, hover, lit ops or find matches, and every label
    // at any scale (vector output stays legible when zoomed or printed).
    bool exportSvg(const QString& path, QString* error = nullptr);
    bool exportPng(const QString& path, double scale = 2.0, QString* error = nullptr);
    // Paints the whole DAG (or `source`, in scene coordinates) into `target` keeping its aspect
    // (reports, PDF pages), as the exports do.
    void paintWhole(QPainter& painter, const QRectF& target, const QRectF& source = {});
    // The scene rectangle the exports draw.
    QRectF documentRect() const;

  public slots:
    void setDirection(layout::Direction direction); // re-lays out
    void setBlocksVisible(bool on);                 // block (ensembles: member) outlines (re-lays out)
    void setInputsVisible(bool on);                 // draw Input ops (re-lays out)
    void setAntichainVisible(bool on);
    void setOverviewVisible(bool on);
    void setLegendVisible(bool on); // op kind colours, top left (exports include it only when on)
    void setCriticalPathVisible(bool on);
    // While an overlay colours the ops by something else (the Compare diff), the critical path's
    // red outlines and edges would read as part of it: hidden, the setting above kept.
    void setCriticalPathHidden(bool hidden);
    void setEdgeShapesVisible(bool on);
    void setFollowRunningOps(bool on);          // scroll so the ops lit by the playhead stay in view
    void setRunningOps(const QList<OpId>& ops); // lit by the playhead; empty clears
    void fitToWindow();
    void zoomToSelection(); // fits the selected ops (the current one when alone) in the view
    void zoomBy(double factor);
    void centerOnOp(OpId op);
    // Scrolls so `ops` show clear of the overlays (legend, overview), if they do not already.
    void revealOps(const QList<OpId>& ops);

  signals:
    void layoutStarted();
    void layoutFinished(double seconds);
    void layoutFailed(const QString& message);
    void findResultChanged(int currentIndex, int count); // currentIndex -1 when none
    void zoomChanged(double scale);

  protected:
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;
    void drawForeground(QPainter* painter, const QRectF& rect) override;
    void changeEvent(QEvent* event) override;

  private:
    friend struct DagLayoutRelay;
    void requestLayout(bool keepScene = false);
    void onLayoutReady(quint64 generation, std::shared_ptr<const layout::GraphLayout> layout,
                       const QString& error);
    void buildScene(const layout::GraphLayout& layout);
    layout::LayoutOptions layoutOptions() const;
    QString nodeTitle(OpId op) const; // the node's title before eliding
    QString tooltipFor(OpId op) const;
    void refreshTooltips();
    void refreshStates();
    // Runs `paint` with the scene in document state (see exportSvg), then restores the screen.
    void withDocumentState(const std::function<void()>& paint);
    void placeOverview();
    void gotoMatch(int index);
    void paintLegend(QPainter& painter, QPointF topLeft) const;
    QSizeF legendSize() const;
    std::vector<std::pair<QString, QColor>> legendEntries() const;
    QSizeF tabSize(const QString& text) const;
    void paintTab(QPainter& painter, const QRectF& rect, const QString& text) const;
    // Bottom margin that keeps an item clear of the overlays (follow the lit ops).
    int overlayMargin() const;
    // The first view of a new scene: all of it, or, where that is too small to read, readable at
    // the first input (dag_view_navigation.cpp).
    void showStart();
    bool showsCriticalPath() const { return criticalVisible_ && !criticalHidden_ && slack_; }

    std::shared_ptr<const Graph> graph_;
    SelectionModel* selection_ = nullptr;
    SelectionModel* ownSelection_ = nullptr;
    layout::Direction direction_ = layout::Direction::TopToBottom;
    bool blocksVisible_ = true;
    bool inputsVisible_ = true;
    bool antichainVisible_ = false;
    bool overviewVisible_ = true;
    bool legendVisible_ = true;
    bool followRunning_ = false;
    bool documentState_ = false;       // while exporting
    int legendCollapsedChoice_ = -1;   // -1: automatic; else the user's choice
    int overviewCollapsedChoice_ = -1; // -1: automatic
    bool hasLayout_ = false;
    bool layoutPending_ = false;
    QString layoutError_;
    quint64 generation_ = 0;
    std::shared_ptr<layout::LayoutWorker> worker_;
    std::shared_ptr<DagLayoutRelay> relay_;
    layout::GraphLayout layout_;
    std::vector<std::vector<OpId>> blocks_;
    std::vector<DagNodeItem*> nodes_; // by OpId; null when not drawn
    std::vector<DagEdgeItem*> edges_;
    int blockItems_ = 0;
    QSet<OpId> antichain_;
    QSet<OpId> running_;
    QList<OpId> matches_;
    int matchIndex_ = -1;
    std::vector<double> predictedMs_, measuredMs_;
    std::vector<QColor> tints_;
    std::vector<std::pair<QString, QColor>> colorLegend_;
    std::optional<ScheduleSlack> slack_;
    bool criticalVisible_ = true;
    bool criticalHidden_ = false;
    bool edgeShapesVisible_ = true;
    DagOverview* overview_ = nullptr;
    QPoint pressPos_;
};

} // namespace ioscope::widgets
