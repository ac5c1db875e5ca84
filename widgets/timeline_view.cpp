#include "timeline_view.h"

#include "export_utils.h"
#include "op_tooltip.h"
#include "selection_model.h"
#include "timeline_painter.h"
#include "util/errors.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QTimer>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace ioscope::widgets {

TimelineView::TimelineView(QWidget* parent) : QWidget(parent), timer_(new QTimer(this)) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    timer_->setInterval(30);
    connect(timer_, &QTimer::timeout, this, &TimelineView::tick);
    setSelectionModel(nullptr);
    mapping_ = TimelineMapping(1, std::max(2.0, double(width())), timelineHeaderWidth({}, font()));
}

void TimelineView::setSelectionModel(SelectionModel* selection) {
    selection_ = bindSelection(this, selection_, selection, ownSelection_, [this] {
        selection_ = nullptr; // already destroyed: nothing to disconnect
        setSelectionModel(nullptr);
    });
    connect(selection_, &SelectionModel::selectionChanged, this, qOverload<>(&QWidget::update));
    connect(selection_, &SelectionModel::hoveredChanged, this, qOverload<>(&QWidget::update));
    update();
}

void TimelineView::setGraph(std::shared_ptr<const Graph> graph) {
    graph_ = std::move(graph);
    clearLanes();
}

void TimelineView::clearLanes() {
    lanes_.clear();
    activeLane_ = 0;
    pause();
    playheadMs_ = 0;
    lanesChanged();
    emit playheadMoved(0); // readouts forget the old model's position
}

int TimelineView::addLane(TimelineLane lane) {
    lanes_.push_back(std::move(lane));
    lanesChanged();
    return static_cast<int>(lanes_.size()) - 1;
}

int TimelineView::addScheduleLane(const QString& name, const Schedule& schedule,
                                  const std::vector<double>& stageLatencyMs) {
    if (!graph_) throw InputError("timeline: setGraph() must come before addScheduleLane()");
    return addLane(scheduleLane(*graph_, schedule, stageLatencyMs, name));
}

int TimelineView::addKernelLane(const QString& name, const std::vector<KernelRecord>& kernels) {
    return addLane(kernelLane(kernels, name));
}

double TimelineView::durationMs() const {
    double d = 0;
    for (const auto& lane : lanes_) d = std::max(d, lane.durationMs);
    return d;
}

QSize TimelineView::sizeHint() const {
    const double laneMin = timelineMinLaneHeight(font());
    return {900, std::max(320, static_cast<int>(std::ceil(timelineHeightFor(lanes_, 14, laneMin))))};
}

QSize TimelineView::minimumSizeHint() const {
    return {300, minimumHeight()};
}

TimelineGeometry TimelineView::laneGeometry() const {
    return timelineGeometry(lanes_, size(), mapping_.leftMargin(), timelineMinLaneHeight(font()));
}

void TimelineView::updateMinimumHeight() {
    // An explicit minimum (not only the hint): a QScrollArea host resizes to it and scrolls.
    const double laneMin = timelineMinLaneHeight(font());
    setMinimumHeight(std::max(
        120, static_cast<int>(std::ceil(timelineHeightFor(lanes_, kTimelineMinRowHeight, laneMin)))));
}

void TimelineView::lanesChanged() {
    updateMinimumHeight();
    const double duration = durationMs();
    mapping_ = TimelineMapping(duration > 0 ? duration : 1, std::max(2.0, double(width())), headerWidth());
    playheadMs_ = std::clamp(playheadMs_, 0.0, duration);
    emitRunningOps();
    update();
}

void TimelineView::setActiveLane(int lane) {
    if (lane < 0 || lane >= static_cast<int>(lanes_.size()) || lane == activeLane_) return;
    activeLane_ = lane;
    emit activeLaneChanged(lane);
    emitRunningOps();
    update();
}

void TimelineView::setPlaybackSeconds(double seconds) {
    playbackSeconds_ = std::max(0.5, seconds);
}

QList<OpId> TimelineView::runningOps(int lane) const {
    QList<OpId> ops;
    if (lane < 0 || lane >= static_cast<int>(lanes_.size())) return ops;
    for (const auto& box : lanes_[static_cast<size_t>(lane)].boxes)
        if (box.op >= 0 && playheadMs_ >= box.startMs && playheadMs_ < box.endMs) ops.push_back(box.op);
    std::sort(ops.begin(), ops.end());
    return ops;
}

int TimelineView::stageAt(int lane, double ms) const {
    if (lane < 0 || lane >= static_cast<int>(lanes_.size())) return -1;
    for (const auto& band : lanes_[static_cast<size_t>(lane)].stages)
        if (ms >= band.startMs && ms < band.endMs) return band.stage;
    return -1;
}

QList<OpId> TimelineView::highlightedOps() const {
    QSet<OpId> present;
    for (const auto& lane : lanes_)
        for (const auto& box : lane.boxes)
            if (box.op >= 0 && selection_->isSelected(box.op)) present.insert(box.op);
    QList<OpId> out(present.begin(), present.end());
    std::sort(out.begin(), out.end());
    return out;
}

std::pair<int, int> TimelineView::boxAt(QPointF pos) const {
    const TimelineGeometry geo = laneGeometry();
    for (size_t li = 0; li < lanes_.size(); ++li) {
        if (!geo.lanes[li].contains(pos)) continue;
        const auto& boxes = lanes_[li].boxes;
        for (size_t bi = 0; bi < boxes.size(); ++bi)
            if (timelineBoxRect(geo, mapping_, static_cast<int>(li), boxes[bi])
                    .adjusted(-1, 0, 1, 0)
                    .contains(pos))
                return {static_cast<int>(li), static_cast<int>(bi)};
    }
    return {-1, -1};
}

double TimelineView::headerWidth() const {
    // Lane captions (presentation fonts make them 1.6x wider) get up to 30% of a wide view, at
    // least the 320 px that keeps the plot wide on a laptop.
    return timelineHeaderWidth(lanes_, font(), nullptr, std::max(320.0, width() * 0.3));
}

void TimelineView::paintWhole(QPainter& painter, QSize size) const {
    // The header fits the names in the painter's font: a PDF or SVG device measures text in its
    // own units, so the widget's margin would elide the lane names there.
    TimelineMapping whole(
        durationMs() > 0 ? durationMs() : 1, std::max(2.0, double(size.width())),
        timelineHeaderWidth(lanes_, painter.font(), painter.device(), std::max(320.0, size.width() * 0.3)));
    // The document, not the screen: no playhead, lit ops, active-lane marker or selection.
    TimelinePaintState state;
    state.activeLane = -1;
    state.showPlayhead = false;
    paintTimeline(painter, size, lanes_, whole, state);
}

static QSize exportSize(const TimelineView& view, QSize size) {
    if (size.width() <= 0) size.setWidth(1600);
    if (size.height() <= 0) {
        int rows = 0;
        for (const auto& lane : view.lanes()) rows += std::max(1, lane.subLanes);
        size.setHeight(std::max(view.height(), static_cast<int>(kTimelineAxisHeight) + rows * 16 +
                                                   static_cast<int>(view.lanes().size()) * 16));
    }
    return size;
}

bool TimelineView::exportSvg(const QString& path, QSize size, QString* error) const {
    size = exportSize(*this, size);
    return savePaintingSvg(
        path, size, tr("ioscope timeline"), [&](QPainter& p) { paintWhole(p, size); }, error);
}

bool TimelineView::exportPng(const QString& path, QSize size, double scale, QString* error) const {
    size = exportSize(*this, size);
    return savePaintingPng(
        path, size, scale, [&](QPainter& p) { paintWhole(p, size); }, error);
}

// ---- playback ----

void TimelineView::play() {
    if (lanes_.empty() || playing_) return;
    if (playheadMs_ >= durationMs()) playheadMs_ = 0;
    playing_ = true;
    clock_.start();
    timer_->start();
    emit playingChanged(true);
}

void TimelineView::pause() {
    if (!playing_) return;
    playing_ = false;
    timer_->stop();
    emit playingChanged(false);
}

void TimelineView::togglePlay() {
    playing_ ? pause() : play();
}

void TimelineView::rewind() {
    setPlayheadMs(0);
}

void TimelineView::tick() {
    const double seconds = clock_.restart() / 1000.0;
    const double next = playheadMs_ + seconds * speed_ * durationMs() / playbackSeconds_;
    setPlayheadMs(next);
    if (next >= durationMs()) pause();
}

void TimelineView::setSpeed(double speed) {
    speed_ = std::clamp(speed, 0.1, 16.0);
}

void TimelineView::setPlayheadMs(double ms) {
    ms = std::clamp(ms, 0.0, durationMs());
    if (ms == playheadMs_) return;
    playheadMs_ = ms;
    if (playing_) mapping_.ensureVisible(ms);
    emit playheadMoved(ms);
    emitRunningOps();
    update();
}

void TimelineView::stepNextStage() {
    pause();
    if (activeLane_ >= static_cast<int>(lanes_.size())) return;
    for (const auto& band : lanes_[static_cast<size_t>(activeLane_)].stages)
        if (band.startMs > playheadMs_ + 1e-9 && band.endMs > band.startMs) {
            setPlayheadMs(band.startMs);
            mapping_.ensureVisible(band.startMs);
            return;
        }
    setPlayheadMs(durationMs());
}

void TimelineView::stepPreviousStage() {
    pause();
    if (activeLane_ >= static_cast<int>(lanes_.size())) return;
    const auto& stages = lanes_[static_cast<size_t>(activeLane_)].stages;
    for (auto it = stages.rbegin(); it != stages.rend(); ++it)
        if (it->startMs < playheadMs_ - 1e-9 && it->endMs > it->startMs) {
            setPlayheadMs(it->startMs);
            mapping_.ensureVisible(it->startMs);
            update();
            return;
        }
    setPlayheadMs(0);
}

void TimelineView::emitRunningOps() {
    QList<OpId> ops = runningOps(activeLane_);
    if (ops == lastRunning_) return;
    lastRunning_ = ops;
    emit runningOpsChanged(ops);
}

void TimelineView::fitToWindow() {
    mapping_.fit();
    update();
}

void TimelineView::zoomBy(double factor) {
    mapping_.zoomAt(factor, mapping_.toPixel(playheadMs_));
    update();
}

// ---- painting and input ----

void TimelineView::setEmptyText(const QString& text) {
    emptyText_ = text;
    update();
}

void TimelineView::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    TimelinePaintState state;
    state.activeLane = activeLane_;
    state.playheadMs = playheadMs_;
    state.selected = selection_->selectedOps();
    state.hovered = selection_->hoveredOp();
    if (lanes_.empty()) {
        painter.fillRect(rect(), Qt::white);
        painter.setPen(QColor(0x75, 0x75, 0x75));
        painter.drawText(rect(), Qt::AlignCenter, emptyText_);
        return;
    }
    paintTimeline(painter, size(), lanes_, mapping_, state);
}

void TimelineView::resizeEvent(QResizeEvent*) {
    const double fitScale = (mapping_.viewportWidth() - mapping_.leftMargin()) / mapping_.durationMs();
    const bool fitted = mapping_.pixelsPerMs() <= fitScale * 1.0001;
    mapping_.setViewportWidth(std::max(2.0, double(width())), headerWidth());
    if (fitted) mapping_.fit();
}

void TimelineView::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange) { // presentation mode: the header grows with the font
        updateMinimumHeight();
        resizeEvent(nullptr);
        update();
    }
}

void TimelineView::wheelEvent(QWheelEvent* event) {
    const double x = event->position().x();
    if (event->modifiers() & Qt::ControlModifier)
        mapping_.zoomAt(std::pow(1.0015, event->angleDelta().y()), x);
    else
        mapping_.scrollByPixels(
            -(event->angleDelta().x() ? event->angleDelta().x() : event->angleDelta().y()) / 2.0);
    update();
    event->accept();
}

void TimelineView::mousePressEvent(QMouseEvent* event) {
    const QPointF pos = event->position();
    pressPos_ = lastMouse_ = pos;
    if (event->button() != Qt::LeftButton) return;
    if (pos.y() < kTimelineAxisHeight && pos.x() >= mapping_.leftMargin()) {
        drag_ = Drag::Playhead;
        setPlayheadMs(mapping_.toMs(pos.x()));
        return;
    }
    if (pos.x() < mapping_.leftMargin()) {
        const TimelineGeometry geo = laneGeometry();
        for (size_t li = 0; li < geo.lanes.size(); ++li)
            if (pos.y() >= geo.lanes[li].top() && pos.y() <= geo.lanes[li].bottom())
                setActiveLane(static_cast<int>(li));
        return;
    }
    const auto [lane, box] = boxAt(pos);
    if (lane >= 0) {
        const OpId op = lanes_[static_cast<size_t>(lane)].boxes[static_cast<size_t>(box)].op;
        if (op >= 0) {
            if (event->modifiers() & (Qt::ControlModifier | Qt::ShiftModifier))
                selection_->toggleOp(op);
            else
                selection_->selectOp(op);
        }
        return;
    }
    drag_ = Drag::Pan;
}

void TimelineView::mouseMoveEvent(QMouseEvent* event) {
    const QPointF pos = event->position();
    if (drag_ == Drag::Playhead) {
        setPlayheadMs(mapping_.toMs(pos.x()));
    } else if (drag_ == Drag::Pan) {
        mapping_.scrollByPixels(lastMouse_.x() - pos.x());
        update();
    } else {
        const auto [lane, box] = boxAt(pos);
        selection_->setHoveredOp(
            lane >= 0 ? lanes_[static_cast<size_t>(lane)].boxes[static_cast<size_t>(box)].op : -1);
    }
    lastMouse_ = pos;
}

void TimelineView::mouseReleaseEvent(QMouseEvent* event) {
    if (drag_ == Drag::Pan && (event->position() - pressPos_).manhattanLength() < 4) selection_->clear();
    drag_ = Drag::None;
}

void TimelineView::leaveEvent(QEvent*) {
    if (selection_->hoveredOp() >= 0) selection_->setHoveredOp(-1);
}

void TimelineView::keyPressEvent(QKeyEvent* event) {
    switch (event->key()) {
    case Qt::Key_Space:
        togglePlay();
        break;
    case Qt::Key_Right:
        stepNextStage();
        break;
    case Qt::Key_Left:
        stepPreviousStage();
        break;
    case Qt::Key_Home:
        rewind();
        break;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(1.5);
        break;
    case Qt::Key_Minus:
        zoomBy(1 / 1.5);
        break;
    case Qt::Key_F:
        fitToWindow();
        break;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    event->accept();
}

QString TimelineView::tooltipAt(QPointF pos) const {
    if (pos.x() < mapping_.leftMargin()) { // a lane header: what produced it, whether it compares
        const TimelineGeometry geo = laneGeometry();
        for (size_t li = 0; li < lanes_.size(); ++li) {
            if (pos.y() < geo.lanes[li].top() || pos.y() > geo.lanes[li].bottom()) continue;
            const TimelineLane& l = lanes_[li];
            QString html = "<b>" + l.name.toHtmlEscaped() + "</b>";
            if (!l.detail.isEmpty()) html += "<br>" + l.detail.toHtmlEscaped();
            html += "<br>" + laneFacts(l).toHtmlEscaped();
            if (!l.notComparable.isEmpty())
                html += "<br><span style='color:#c62828'>" + l.notComparable.toHtmlEscaped() + "</span>";
            return html;
        }
        return {};
    }
    const auto [lane, index] = boxAt(pos);
    if (lane < 0) return {};
    const TimelineLane& l = lanes_[static_cast<size_t>(lane)];
    const TimelineBox& box = l.boxes[static_cast<size_t>(index)];
    QString html = "<b>" + box.label.toHtmlEscaped() + "</b>";
    const bool hasOp = box.op >= 0 && graph_ && box.op < graph_->size();
    if (hasOp && l.measured) // a kernel the runtime linked to its op
        html += tr("<br>ran for <b>%1</b> (click to select it)")
                    .arg(QString::fromStdString(graph_->op(box.op).name).toHtmlEscaped());
    else if (hasOp)
        html = opTooltipHtml(*graph_, box.op);
    if (box.stage >= 0) {
        html += QString("<br>%1, stage %2").arg(l.name.toHtmlEscaped()).arg(box.stage + 1);
        for (const auto& band : l.stages)
            if (band.stage == box.stage)
                html += QString(" (%1, %2 group%3, %4 ms)")
                            .arg(band.strategy == Strategy::Merge ? "merged" : "concurrent")
                            .arg(band.groups)
                            .arg(band.groups == 1 ? "" : "s")
                            .arg(band.endMs - band.startMs, 0, 'f', 4);
    }
    html += QString("<br>%1 %2 – %3 ms")
                .arg(l.measured ? tr("measured") : tr("predicted"))
                .arg(box.startMs, 0, 'f', 4)
                .arg(box.endMs, 0, 'f', 4);
    if (box.merged) html += tr("<br>part of a merged convolution");
    if (box.critical)
        html += tr("<br><span style='color:#b71c1c'>On the critical path</span> (no slack)");
    else if (box.slackMs > 0)
        html += tr("<br>Slack %1 ms: its group could end that much later without the schedule "
                   "ending later")
                    .arg(box.slackMs, 0, 'f', 4);
    return html;
}

bool TimelineView::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = tooltipAt(help->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace ioscope::widgets
