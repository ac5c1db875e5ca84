#include "dag_view.h"

#include "dag_items.h"
#include "dag_overview.h"
#include "export_utils.h"
#include "layout/layout_worker.h"
#include "op_colors.h"
#include "op_labels.h"
#include "op_tooltip.h"
#include "selection_model.h"
#include "util/tsan_handoff.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFontMetricsF>
#include <QKeyEvent>
#include <QScrollBar>
#include <QThread>
#include <QWheelEvent>

#include <cmath>
#include <mutex>

namespace ioscope::widgets {

// Hands layouts from the worker thread to the view while the view lives; the view clears
// `view` (under the mutex) when it goes away, so no callback ever reaches a dead view.
struct DagLayoutRelay {
    std::mutex mutex;
    DagView* view = nullptr;
};

namespace {

// Longer labels are elided in the middle. In characters, not pixels, so presentation mode's
// larger font widens the nodes instead of cutting more of each name.
constexpr double kMaxLabelChars = 24;

bool known(const std::vector<double>& v, OpId op) {
    return op >= 0 && static_cast<size_t>(op) < v.size() && std::isfinite(v[static_cast<size_t>(op)]) &&
           v[static_cast<size_t>(op)] >= 0;
}

} // namespace

DagView::DagView(QWidget* parent) : DagView(std::make_shared<layout::LayoutWorker>(), parent) {}

DagView::DagView(std::shared_ptr<layout::LayoutWorker> worker, QWidget* parent)
    : QGraphicsView(parent), worker_(std::move(worker)), relay_(std::make_shared<DagLayoutRelay>()) {
    relay_->view = this;
    auto* scene = new QGraphicsScene(this);
    scene->setBackgroundBrush(Qt::white);
    scene->setItemIndexMethod(QGraphicsScene::BspTreeIndex);
    setScene(scene);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setFocusPolicy(Qt::StrongFocus);
    setSelectionModel(nullptr);
    overview_ = new DagOverview(this);
    overview_->hide();
    connect(overview_, &DagOverview::collapseRequested, this, [this] { setOverviewCollapsed(true); });
}

DagView::~DagView() {
    {
        std::lock_guard lock(relay_->mutex);
        relay_->view = nullptr;
    }
    worker_->cancel(this);
}

void DagView::setSelectionModel(SelectionModel* selection) {
    selection_ = bindSelection(this, selection_, selection, ownSelection_, [this] {
        selection_ = nullptr; // already destroyed: nothing to disconnect
        setSelectionModel(nullptr);
    });
    connect(selection_, &SelectionModel::selectionChanged, this, &DagView::refreshStates);
    connect(selection_, &SelectionModel::hoveredChanged, this, &DagView::refreshStates);
    for (DagNodeItem* item : nodes_)
        if (item) item->setSelectionModel(selection_);
    refreshStates();
}

void DagView::setGraph(std::shared_ptr<const Graph> graph, std::vector<std::vector<OpId>> blocks) {
    graph_ = std::move(graph);
    antichain_.clear();
    running_.clear();
    matches_.clear();
    matchIndex_ = -1;
    predictedMs_.clear();
    measuredMs_.clear();
    tints_.clear();
    colorLegend_.clear();
    slack_.reset();
    blocks_ = graph_ ? std::move(blocks) : std::vector<std::vector<OpId>>{};
    requestLayout();
}

void DagView::setGraphWithLayout(std::shared_ptr<const Graph> graph, const layout::GraphLayout& layout) {
    setGraph(std::move(graph));
    worker_->cancel(this);
    layoutPending_ = false;
    buildScene(layout);
}

QString DagView::nodeTitle(OpId v) const {
    // The telling part ("inception3a/branch4.0" of "/inception3a/branch4/branch4.0/MaxPool"):
    // the kind is the colour and the subtitle; the tooltip has the full name. In an ensemble the
    // member's outline names the member, so the title keeps the op's own name.
    const Op& op = graph_->op(v);
    QString name = QString::fromStdString(op.name);
    const auto& members = graph_->members();
    if (op.member >= 0 && static_cast<size_t>(op.member) < members.size())
        name = withoutMemberPrefix(name, QString::fromStdString(members[static_cast<size_t>(op.member)]));
    return tellingOpLabel(name, {});
}

layout::LayoutOptions DagView::layoutOptions() const {
    layout::LayoutOptions options;
    options.direction = direction_;
    options.includeInputs = inputsVisible_;
    const QFontMetricsF title(font());
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    const QFontMetricsF subtitle(small);
    const double maxLabelWidth = kMaxLabelChars * title.averageCharWidth();
    options.nodeSizes.resize(static_cast<size_t>(graph_->size()));
    for (OpId v = 0; v < graph_->size(); ++v) {
        const Op& op = graph_->op(v);
        const double w = std::max(
            title.horizontalAdvance(nodeTitle(v)),
            subtitle.horizontalAdvance(opKindName(op) + "  " + QString::fromStdString(op.out.str())));
        options.nodeSizes[static_cast<size_t>(v)] = {std::clamp(w + 16, 60.0, maxLabelWidth + 16),
                                                     title.height() + subtitle.height() + 10};
    }
    if (blocksVisible_ && graph_->members().size() >= 2) {
        // An ensemble: one outline per member network, named after it. Its blocks would be one
        // box around every member (the members share no op, so the DAG has no cut point).
        const auto& members = graph_->members();
        std::vector<std::vector<OpId>> ops(members.size());
        for (OpId v = 0; v < graph_->size(); ++v) {
            const int m = graph_->op(v).member;
            if (m >= 0 && static_cast<size_t>(m) < members.size()) ops[static_cast<size_t>(m)].push_back(v);
        }
        for (size_t m = 0; m < members.size(); ++m) {
            if (ops[m].empty()) continue;
            const size_t units = static_cast<size_t>(std::count_if(
                ops[m].begin(), ops[m].end(), [&](OpId v) { return graph_->op(v).kind != OpKind::Input; }));
            options.clusterLabels.push_back(members[m] + " (" + std::to_string(units) + " ops)");
            options.clusters.push_back(std::move(ops[m]));
        }
    } else if (blocksVisible_) {
        for (size_t i = 0; i < blocks_.size(); ++i) {
            options.clusters.push_back(blocks_[i]);
            options.clusterLabels.push_back("block " + std::to_string(i + 1) + " (" +
                                            std::to_string(blocks_[i].size()) + " ops)");
        }
    }
    return options;
}

void DagView::requestLayout(bool keepScene) {
    // A new layout of the same graph keeps the old drawing until the new one arrives.
    if (!keepScene || !hasLayout_) {
        scene()->clear();
        nodes_.clear();
        edges_.clear();
        blockItems_ = 0;
        hasLayout_ = false;
        overview_->hide();
    }
    layoutError_.clear();
    if (!graph_) {
        layoutPending_ = false;
        worker_->cancel(this);
        viewport()->update();
        return;
    }
    layoutPending_ = true;
    std::weak_ptr<DagLayoutRelay> relay = relay_;
    generation_ = worker_->submit(
        graph_, layoutOptions(),
        [relay](std::uint64_t generation, std::shared_ptr<const layout::GraphLayout> result,
                std::string error) {
            auto r = relay.lock();
            if (!r) return;
            std::lock_guard lock(r->mutex);
            if (!r->view) return;
            DagView* view = r->view;
            const QString message = QString::fromStdString(error);
            QMetaObject::invokeMethod(
                view,
                tsan::handOff(view, [view, generation, result,
                                     message] { view->onLayoutReady(generation, result, message); }),
                Qt::QueuedConnection);
        },
        this);
    emit layoutStarted();
    viewport()->update();
}

void DagView::onLayoutReady(quint64 generation, std::shared_ptr<const layout::GraphLayout> layout,
                            const QString& error) {
    if (generation != generation_) return; // an older request: a newer layout is coming
    layoutPending_ = false;
    if (!layout) {
        layoutError_ = error;
        viewport()->update();
        emit layoutFailed(error);
        return;
    }
    buildScene(*layout);
}

void DagView::buildScene(const layout::GraphLayout& layout) {
    scene()->clear();
    scene()->setFont(font()); // items paint with the font their sizes were measured with
    layout_ = layout;
    nodes_.assign(static_cast<size_t>(graph_ ? graph_->size() : 0), nullptr);
    edges_.clear();
    blockItems_ = 0;
    if (!graph_) return;
    const bool members = graph_->members().size() >= 2;
    for (const auto& cluster : layout.clusters) {
        auto* outline = new DagBlockItem(cluster, QString::fromStdString(cluster.label));
        outline->setEmphasised(members); // a member network's outline: its name stands out
        scene()->addItem(outline);
        ++blockItems_;
    }
    QFontMetricsF metrics(font());
    for (const auto& n : layout.nodes) {
        if (n.op < 0 || n.op >= graph_->size()) continue;
        const Op& op = graph_->op(n.op);
        // The telling part ("inception3a/branch4.0" of "/inception3a/branch4/branch4.0/MaxPool"):
        // the kind is the colour and the subtitle; the tooltip has the full name.
        const QString title = metrics.elidedText(nodeTitle(n.op), Qt::ElideMiddle, n.width - 8);
        auto* item =
            new DagNodeItem(n.op, title, opKindName(op) + "  " + QString::fromStdString(op.out.str()),
                            colorForKind(op.kind), QSizeF(n.width, n.height));
        item->setPos(n.centre.x, n.centre.y);
        item->setSelectionModel(selection_);
        scene()->addItem(item);
        nodes_[static_cast<size_t>(n.op)] = item;
    }
    for (const auto& e : layout.edges) {
        auto* item = new DagEdgeItem(e);
        scene()->addItem(item);
        if (e.from >= 0 && e.from < graph_->size()) { // the tensor it carries, C×H×W
            const ioscope::Shape& out = graph_->op(e.from).out;
            item->setLabel(QStringLiteral("%1×%2×%3").arg(out.c).arg(out.h).arg(out.w));
            item->setLabelVisible(edgeShapesVisible_);
        }
        edges_.push_back(item);
    }
    const auto& b = layout.bounds;
    scene()->setSceneRect(QRectF(b.x, b.y, b.width, b.height).adjusted(-20, -20, 20, 20));
    hasLayout_ = true;
    setOpTints(tints_);
    refreshTooltips();
    refreshStates();
    showStart();
    emit layoutFinished(layout.seconds);
}

bool DagView::waitForLayout(int timeoutMs) {
    QElapsedTimer timer;
    timer.start();
    while (layoutPending_ && timer.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        if (layoutPending_) QThread::msleep(5);
    }
    return hasLayout_ && !layoutPending_;
}

void DagView::setDirection(layout::Direction direction) {
    if (direction == direction_) return;
    direction_ = direction;
    if (graph_) requestLayout(true);
}

void DagView::setBlocksVisible(bool on) {
    if (on == blocksVisible_) return;
    blocksVisible_ = on;
    if (graph_) requestLayout(true);
}

void DagView::setInputsVisible(bool on) {
    if (on == inputsVisible_) return;
    inputsVisible_ = on;
    if (graph_) requestLayout(true);
}

void DagView::setAntichain(const std::vector<OpId>& ops) {
    antichain_ = QSet<OpId>(ops.begin(), ops.end());
    refreshStates();
}

void DagView::setAntichainVisible(bool on) {
    antichainVisible_ = on;
    refreshStates();
}

void DagView::setOverviewVisible(bool on) {
    overviewVisible_ = on;
    placeOverview();
}

void DagView::setOpTimes(const std::vector<double>& predictedMs, const std::vector<double>& measuredMs) {
    predictedMs_ = predictedMs;
    measuredMs_ = measuredMs;
    refreshTooltips();
}

void DagView::setOpTints(const std::vector<QColor>& tints) {
    tints_ = tints;
    for (DagNodeItem* item : nodes_)
        if (item)
            item->setTint(static_cast<size_t>(item->op()) < tints_.size()
                              ? tints_[static_cast<size_t>(item->op())]
                              : QColor());
}

void DagView::setColorLegend(const std::vector<std::pair<QString, QColor>>& entries) {
    colorLegend_ = entries;
    viewport()->update();
}

std::vector<std::pair<QString, QColor>> DagView::legendEntries() const {
    return colorLegend_.empty() ? kindLegend() : colorLegend_;
}

void DagView::setScheduleSlack(const ScheduleSlack& slack) {
    slack_ = slack;
    refreshTooltips();
    refreshStates();
}

void DagView::clearScheduleSlack() {
    slack_.reset();
    refreshTooltips();
    refreshStates();
}

void DagView::setCriticalPathVisible(bool on) {
    criticalVisible_ = on;
    refreshStates();
}

void DagView::setCriticalPathHidden(bool hidden) {
    if (hidden == criticalHidden_) return;
    criticalHidden_ = hidden;
    refreshStates();
}

QSet<OpId> DagView::criticalOps() const {
    QSet<OpId> ops;
    if (!showsCriticalPath()) return ops;
    for (OpId op : slack_->criticalPath) ops.insert(op);
    return ops;
}

void DagView::setEdgeShapesVisible(bool on) {
    edgeShapesVisible_ = on;
    for (DagEdgeItem* e : edges_) e->setLabelVisible(on);
}

void DagView::setRunningOps(const QList<OpId>& ops) {
    QSet<OpId> next(ops.begin(), ops.end());
    if (next == running_) return;
    running_ = std::move(next);
    refreshStates();
    if (!followRunning_ || running_.isEmpty()) return;
    revealOps(ops);
}

void DagView::revealOps(const QList<OpId>& ops) {
    QRectF lit;
    for (OpId op : ops)
        if (DagNodeItem* item = nodeItem(op)) lit |= item->sceneBoundingRect();
    if (lit.isNull()) return;
    // The clear part of the view: above the overlays in the bottom corners.
    const int margin = overlayMargin();
    const QRect clear = viewport()->rect().adjusted(8, 8, -8, -margin);
    if (mapToScene(clear).boundingRect().contains(lit)) return;
    // Centre the ops in the clear part (its centre is margin/2 px above the viewport's).
    const QPointF shift = mapToScene(QPoint(0, margin / 2)) - mapToScene(QPoint(0, 0));
    centerOn(lit.center() + shift);
}

int DagView::overlayMargin() const {
    double h = 0;
    if (legendVisible_ && hasLayout_) h = legendRect().height();
    if (overview_->isVisible())
        h = std::max(h, double(overview_->height()));
    else if (!overviewTabRect().isEmpty())
        h = std::max(h, overviewTabRect().height());
    return static_cast<int>(std::min(h + 16, viewport()->height() / 2.0));
}

void DagView::setFollowRunningOps(bool on) {
    followRunning_ = on;
}

void DagView::setLegendVisible(bool on) {
    legendVisible_ = on;
    viewport()->update();
}

bool DagView::legendCollapsed() const {
    if (legendCollapsedChoice_ >= 0) return legendCollapsedChoice_ == 1;
    return legendSize().height() > viewport()->height() * 0.25; // would cover too much
}

bool DagView::overviewCollapsed() const {
    if (overviewCollapsedChoice_ >= 0) return overviewCollapsedChoice_ == 1;
    return viewport()->height() < 420 || viewport()->width() < 520;
}

void DagView::setLegendCollapsed(bool collapsed) {
    legendCollapsedChoice_ = collapsed ? 1 : 0;
    viewport()->update();
}

void DagView::setOverviewCollapsed(bool collapsed) {
    overviewCollapsedChoice_ = collapsed ? 1 : 0;
    placeOverview();
    viewport()->update();
}

QSizeF DagView::tabSize(const QString& text) const {
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    const QFontMetricsF fm(small, viewport());
    return {fm.horizontalAdvance(text) + 16, fm.height() + 6};
}

namespace {
QString legendTabText() {
    return QCoreApplication::translate("ioscope::widgets::DagView", "Colours ▴");
}
QString overviewTabText() {
    return QCoreApplication::translate("ioscope::widgets::DagView", "Overview ▴");
}
} // namespace

QRectF DagView::legendRect() const {
    if (!legendVisible_ || !hasLayout_) return {};
    const QSizeF size = legendCollapsed() ? tabSize(legendTabText()) : legendSize();
    return QRectF(QPointF(8, viewport()->height() - 8 - size.height()), size);
}

QRectF DagView::overviewTabRect() const {
    if (!overviewVisible_ || !hasLayout_ || !overviewCollapsed()) return {};
    const QRectF visible = mapToScene(viewport()->rect()).boundingRect();
    if (visible.contains(scene()->sceneRect().adjusted(10, 10, -10, -10))) return {}; // all in view
    const QSizeF size = tabSize(overviewTabText());
    return QRectF(QPointF(viewport()->width() - 8 - size.width(), viewport()->height() - 8 - size.height()),
                  size);
}

void DagView::paintTab(QPainter& painter, const QRectF& rect, const QString& text) const {
    painter.save();
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    painter.setFont(small);
    painter.setPen(QColor(0xb0, 0xbe, 0xc5));
    painter.setBrush(QColor(255, 255, 255, 235));
    painter.drawRoundedRect(rect, 4, 4);
    painter.setPen(QColor(0x37, 0x47, 0x4f));
    painter.drawText(rect, Qt::AlignCenter, text);
    painter.restore();
}

QSizeF DagView::legendSize() const {
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    const QFontMetricsF fm(small, viewport()); // the metrics of the device the legend paints on
    double width = 0;
    const auto entries = legendEntries();
    for (const auto& entry : entries) width = std::max(width, fm.horizontalAdvance(entry.first));
    return {width + 30, (fm.height() + 2) * static_cast<double>(entries.size()) + 8};
}

void DagView::paintLegend(QPainter& painter, QPointF topLeft) const {
    painter.save();
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    painter.setFont(small);
    // Measured with the painter's own metrics: what it draws is what the box must hold.
    const QFontMetricsF fm(painter.fontMetrics());
    const auto entries = legendEntries();
    double width = 0;
    for (const auto& entry : entries) width = std::max(width, fm.boundingRect(entry.first).width());
    const double row = fm.height() + 2;
    const QRectF box(topLeft, QSizeF(width + 30, legendSize().height()));
    painter.setPen(QColor(0xcf, 0xd8, 0xdc));
    painter.setBrush(QColor(255, 255, 255, 225));
    painter.drawRoundedRect(box, 4, 4);
    double y = box.top() + 4;
    for (const auto& [label, color] : entries) {
        if (!color.isValid()) { // a heading (a heat map's title)
            painter.setPen(QColor(0x26, 0x32, 0x38));
            painter.drawText(QRectF(box.left() + 6, y, width + 22, row), Qt::AlignLeft | Qt::AlignVCenter,
                             label);
            y += row;
            continue;
        }
        painter.setPen(color.darker(160));
        painter.setBrush(color);
        painter.drawRoundedRect(QRectF(box.left() + 6, y + 2, 14, row - 5), 2, 2);
        painter.setPen(QColor(0x42, 0x42, 0x42));
        painter.drawText(QRectF(box.left() + 24, y, width + 4, row), Qt::AlignLeft | Qt::AlignVCenter, label);
        y += row;
    }
    painter.restore();
}

QRectF DagView::documentRect() const {
    return scene()->sceneRect();
}

void DagView::withDocumentState(const std::function<void()>& paint) {
    documentState_ = true;
    scene()->setProperty(kDocumentSceneProperty, true);
    refreshStates();
    paint();
    scene()->setProperty(kDocumentSceneProperty, false);
    documentState_ = false;
    refreshStates();
}

void DagView::paintWhole(QPainter& painter, const QRectF& target, const QRectF& source) {
    withDocumentState([&] {
        scene()->render(&painter, target, source.isNull() ? documentRect() : source, Qt::KeepAspectRatio);
    });
}

QString DagView::tooltipFor(OpId op) const {
    const auto at = [op](const std::vector<double>& v) {
        return known(v, op) ? v[static_cast<size_t>(op)] : std::numeric_limits<double>::quiet_NaN();
    };
    const double slack = slack_ && known(slack_->slackMs, op) ? slack_->slackMs[static_cast<size_t>(op)]
                                                              : std::numeric_limits<double>::quiet_NaN();
    return opTooltipHtml(*graph_, op, at(predictedMs_), at(measuredMs_), slack, slack_ && slack_->onPath(op));
}

void DagView::refreshTooltips() {
    if (!graph_) return;
    for (DagNodeItem* item : nodes_)
        if (item) item->setToolTip(tooltipFor(item->op()));
}

void DagView::refreshStates() {
    if (!selection_) return;
    const QSet<OpId> matchSet(matches_.begin(), matches_.end());
    const OpId hovered = selection_->hoveredOp();
    for (DagNodeItem* item : nodes_) {
        if (!item) continue;
        const OpId op = item->op();
        DagNodeState s;
        s.antichain = antichainVisible_ && antichain_.contains(op); // a view option, exported too
        s.critical = showsCriticalPath() && slack_->onPath(op);
        if (!documentState_) {
            s.selected = selection_->isSelected(op);
            s.current = selection_->currentOp() == op;
            s.hovered = hovered == op;
            s.running = running_.contains(op);
            s.match = matchSet.contains(op);
        }
        item->setState(s);
    }
    for (DagEdgeItem* e : edges_) {
        e->setCritical(showsCriticalPath() && slack_->pathEdge(e->from(), e->to()));
        e->setEmphasized(!documentState_ &&
                         (e->from() == hovered || e->to() == hovered || selection_->isSelected(e->from()) ||
                          selection_->isSelected(e->to())));
    }
}

int DagView::find(const QString& text) {
    matches_.clear();
    matchIndex_ = -1;
    const QString needle = text.trimmed();
    if (graph_ && !needle.isEmpty()) {
        for (OpId v = 0; v < graph_->size(); ++v) {
            if (!nodeItem(v)) continue;
            const Op& op = graph_->op(v);
            if (QString::fromStdString(op.name).contains(needle, Qt::CaseInsensitive) ||
                opKindName(op).contains(needle, Qt::CaseInsensitive))
                matches_.push_back(v);
        }
    }
    refreshStates();
    emit findResultChanged(matchIndex_, static_cast<int>(matches_.size()));
    return static_cast<int>(matches_.size());
}

void DagView::gotoMatch(int index) {
    if (matches_.isEmpty()) return;
    const int n = static_cast<int>(matches_.size());
    matchIndex_ = ((index % n) + n) % n;
    const OpId op = matches_[matchIndex_];
    selection_->selectOp(op);
    centerOnOp(op);
    emit findResultChanged(matchIndex_, n);
}

void DagView::findNext() {
    gotoMatch(matchIndex_ + 1);
}
void DagView::findPrevious() {
    gotoMatch(matchIndex_ < 0 ? -1 : matchIndex_ - 1);
}

void DagView::clearFind() {
    find(QString());
}

void DagView::centerOnOp(OpId op) {
    if (DagNodeItem* item = nodeItem(op)) centerOn(item);
}

DagNodeItem* DagView::nodeItem(OpId op) const {
    return op >= 0 && static_cast<size_t>(op) < nodes_.size() ? nodes_[static_cast<size_t>(op)] : nullptr;
}

int DagView::nodeItemCount() const {
    return static_cast<int>(
        std::count_if(nodes_.begin(), nodes_.end(), [](auto* n) { return n != nullptr; }));
}
int DagView::edgeItemCount() const {
    return static_cast<int>(edges_.size());
}
int DagView::blockItemCount() const {
    return blockItems_;
}

bool DagView::exportSvg(const QString& path, QString* error) {
    const QString title = graph_ ? QString::fromStdString(graph_->name()) : QString();
    bool ok = false;
    withDocumentState([&] { ok = saveSceneSvg(scene(), path, title, documentRect(), error); });
    return ok;
}

bool DagView::exportPng(const QString& path, double scale, QString* error) {
    bool ok = false;
    withDocumentState([&] { ok = saveScenePng(scene(), path, scale, documentRect(), error); });
    return ok;
}

void DagView::changeEvent(QEvent* event) {
    QGraphicsView::changeEvent(event);
    // Node sizes come from font metrics: a new font (presentation mode) needs a new layout.
    if (event->type() == QEvent::FontChange && graph_) requestLayout(true);
}

void DagView::drawForeground(QPainter* painter, const QRectF& rect) {
    QGraphicsView::drawForeground(painter, rect);
    if (legendVisible_ && hasLayout_ && !documentState_) {
        painter->save();
        painter->resetTransform();
        // Bottom left: graphs start at the top (or the left, centred), the overview sits bottom right.
        const QRectF legend = legendRect();
        if (legendCollapsed())
            paintTab(*painter, legend, legendTabText());
        else
            paintLegend(*painter, legend.topLeft());
        painter->restore();
    }
    if (const QRectF tab = overviewTabRect(); !tab.isEmpty() && !documentState_) {
        painter->save();
        painter->resetTransform();
        paintTab(*painter, tab, overviewTabText());
        painter->restore();
    }
    QString message;
    // Scheduling units, as the status bar counts them (input ops are not units).
    if (layoutPending_) message = tr("Laying out %1 ops…").arg(graph_ ? graph_->units().size() : 0);
    if (!layoutError_.isEmpty()) message = tr("Layout failed: %1").arg(layoutError_);
    if (message.isEmpty()) return;
    painter->save();
    painter->resetTransform();
    painter->setPen(QColor(0x60, 0x60, 0x60));
    // Over an old drawing the note goes in a corner; on an empty view in the middle.
    const Qt::Alignment where = hasLayout_ ? Qt::AlignTop | Qt::AlignRight : Qt::AlignCenter;
    painter->drawText(viewport()->rect().adjusted(8, 6, -8, -6), where | Qt::TextWordWrap, message);
    painter->restore();
}

} // namespace ioscope::widgets
