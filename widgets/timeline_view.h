#pragma once
// The timeline: one time axis with a lane per schedule (IOS, wavefront, sequential, ...) and
// optionally a measured kernel lane. Stages are bands, concurrent groups sub-lanes, ops boxes
// (merged convs hatched). An animated playhead (play/pause/step stage/speed) reports the ops
// running under it, so the host lights them in the DAG:
//   connect(timeline, &TimelineView::runningOpsChanged, dagView, &DagView::setRunningOps);
// Clicking a box selects its op in the shared SelectionModel; selected ops are outlined.
// Mouse: Ctrl+wheel zooms, wheel/drag scrolls, click/drag on the axis moves the playhead,
// click a lane name to make it the active lane. Keys: Space play/pause, Left/Right step stage,
// Home rewinds, +/- zoom, F fits.
#include "timeline_lanes.h"
#include "timeline_mapping.h"
#include "timeline_painter.h"

#include <QElapsedTimer>
#include <QList>
#include <QSet>
#include <QWidget>

#include <memory>

class QTimer;

namespace ioscope::widgets {

class SelectionModel;

class TimelineView : public QWidget {
    Q_OBJECT
  public:
    explicit TimelineView(QWidget* parent = nullptr);
    // What an empty view says (the schedule timeline asks for a search, a kernel timeline for a run).
    void setEmptyText(const QString& text);

    void setSelectionModel(SelectionModel* selection); // not owned; null = a private one
    SelectionModel* selectionModel() const { return selection_; }
    // The graph the schedule lanes refer to (op names, kinds and FLOPs for boxes and tooltips);
    // clears the lanes.
    void setGraph(std::shared_ptr<const Graph> graph);

    // Lanes. addScheduleLane needs setGraph first and throws InputError on a mismatch.
    void clearLanes();
    int addLane(TimelineLane lane); // returns the lane index
    int addScheduleLane(const QString& name, const Schedule& schedule,
                        const std::vector<double>& stageLatencyMs);
    int addKernelLane(const QString& name, const std::vector<KernelRecord>& kernels);
    const std::vector<TimelineLane>& lanes() const { return lanes_; }
    double durationMs() const; // of the longest lane

    // The lane the step buttons and runningOpsChanged follow (default 0).
    int activeLane() const { return activeLane_; }
    void setActiveLane(int lane);

    // Playhead.
    double playheadMs() const { return playheadMs_; }
    bool isPlaying() const { return playing_; }
    double speed() const { return speed_; }
    // Wall seconds the longest lane takes to play at speed 1 (default 10).
    void setPlaybackSeconds(double seconds);
    // Ops whose box contains the playhead in a lane (none for kernel lanes).
    QList<OpId> runningOps(int lane) const;
    // The stage of a lane under the playhead (-1 outside).
    int stageAt(int lane, double ms) const;

    // Selected ops drawn highlighted (those of the selection present in some lane).
    QList<OpId> highlightedOps() const;
    // The box under a widget position: lane and box index, or {-1, -1}.
    std::pair<int, int> boxAt(QPointF pos) const;

    const TimelineMapping& mapping() const { return mapping_; }
    // Where the lanes and boxes are at the widget's size and font.
    TimelineGeometry laneGeometry() const;

    // Paints the whole duration into `size` (reports, exports); independent of scroll/zoom.
    void paintWhole(QPainter& painter, QSize size) const;
    // Exports at `size` (default: 1600 wide, the widget's height or enough for the lanes).
    bool exportSvg(const QString& path, QSize size = {}, QString* error = nullptr) const;
    bool exportPng(const QString& path, QSize size = {}, double scale = 2.0, QString* error = nullptr) const;

    // The minimum height shows every lane at kTimelineMinRowHeight (a host QScrollArea scrolls
    // when it has less); the hint gives rows room for their labels.
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

  public slots:
    void play();
    void pause();
    void togglePlay();
    void rewind();
    void stepNextStage();
    void stepPreviousStage();
    void setSpeed(double speed); // 0.1 .. 16
    void setPlayheadMs(double ms);
    void fitToWindow();
    void zoomBy(double factor);

  signals:
    void playheadMoved(double ms);
    void runningOpsChanged(const QList<OpId>& ops); // of the active lane
    void playingChanged(bool playing);
    void activeLaneChanged(int lane);

  protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    bool event(QEvent* event) override;

  private:
    double headerWidth() const; // the lanes' caption column in the widget
    void tick();
    void lanesChanged();
    void updateMinimumHeight();
    void emitRunningOps();
    QString tooltipAt(QPointF pos) const;

    std::shared_ptr<const Graph> graph_;
    SelectionModel* selection_ = nullptr;
    SelectionModel* ownSelection_ = nullptr;
    std::vector<TimelineLane> lanes_;
    TimelineMapping mapping_;
    int activeLane_ = 0;
    double playheadMs_ = 0;
    bool playing_ = false;
    double speed_ = 1;
    double playbackSeconds_ = 10;
    QTimer* timer_ = nullptr;
    QElapsedTimer clock_;
    QList<OpId> lastRunning_;
    enum class Drag { None, Playhead, Pan } drag_ = Drag::None;
    QPointF lastMouse_;
    QPointF pressPos_;
    QString emptyText_ = tr("No schedule yet: run a search to see its timeline.");
};

} // namespace ioscope::widgets
