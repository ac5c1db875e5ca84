#include "dag_items.h"

#include "op_colors.h"
#include "selection_model.h"

#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QGraphicsSceneMouseEvent>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

#include <cmath>

namespace ioscope::widgets {

namespace {
constexpr double kCornerRadius = 5;
const QColor kTextColor(0x21, 0x21, 0x21);
const QColor kRunningColor(0xff, 0x8f, 0x00);
const QColor kMatchColor(0xff, 0xeb, 0x3b);
const QColor kAntichainColor(0xd3, 0x2f, 0x2f);
const QColor kSelectedColor(0x1a, 0x23, 0x7e);
} // namespace

DagNodeItem::DagNodeItem(OpId op, const QString& title, const QString& subtitle, QColor fill, QSizeF size)
    : op_(op), title_(title), subtitle_(subtitle), fill_(fill), size_(size) {
    setAcceptHoverEvents(true);
    setZValue(2);
}

QRectF DagNodeItem::boundingRect() const {
    const double halo = 6; // room for the running glow and the selection outline
    return QRectF(-size_.width() / 2 - halo, -size_.height() / 2 - halo, size_.width() + 2 * halo,
                  size_.height() + 2 * halo);
}

QPainterPath DagNodeItem::shape() const {
    QPainterPath p;
    p.addRoundedRect(QRectF(-size_.width() / 2, -size_.height() / 2, size_.width(), size_.height()),
                     kCornerRadius, kCornerRadius);
    return p;
}

void DagNodeItem::setState(const DagNodeState& state) {
    const bool changed = state.selected != state_.selected || state.current != state_.current ||
                         state.hovered != state_.hovered || state.running != state_.running ||
                         state.match != state_.match || state.antichain != state_.antichain ||
                         state.critical != state_.critical;
    state_ = state;
    setZValue(state.selected || state.hovered ? 3 : 2);
    if (changed) update();
}

void DagNodeItem::setTint(const QColor& tint) {
    if (tint == tint_) return;
    tint_ = tint;
    update();
}

void DagNodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
    const QRectF box(-size_.width() / 2, -size_.height() / 2, size_.width(), size_.height());
    const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
    painter->setRenderHint(QPainter::Antialiasing);
    if (state_.running) { // a soft glow around ops the playhead is running
        painter->setPen(Qt::NoPen);
        QColor glow = kRunningColor;
        glow.setAlpha(170);
        painter->setBrush(glow);
        painter->drawRoundedRect(box.adjusted(-5, -5, 5, 5), kCornerRadius + 4, kCornerRadius + 4);
    }
    const QColor base = tint_.isValid() ? tint_ : fill_;
    QColor fill = state_.match ? kMatchColor : base;
    if (state_.hovered) fill = fill.lighter(112);
    QPen pen(state_.selected ? kSelectedColor : base.darker(160), state_.selected ? 3 : 1);
    if (state_.critical && !state_.selected) pen = QPen(kCriticalColor, 3);
    if (state_.running && !state_.selected) pen = QPen(kRunningColor.darker(130), 2.5);
    painter->setPen(pen);
    painter->setBrush(fill);
    painter->drawRoundedRect(box, kCornerRadius, kCornerRadius);
    if (state_.antichain) {
        QPen dash(kAntichainColor, 2.5, Qt::DashLine);
        painter->setPen(dash);
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(box.adjusted(-3.5, -3.5, 3.5, 3.5), kCornerRadius + 2, kCornerRadius + 2);
    }
    // Text is unreadable that small on screen: skip it for speed; exports keep it (vector
    // output is zoomed and printed).
    const bool document = scene() && scene()->property(kDocumentSceneProperty).toBool();
    if (lod < 0.35 && !document) return;
    // Dark fills (a heat map's hot end) take light text.
    const bool darkFill = fill.lightnessF() < 0.42;
    painter->setPen(darkFill ? QColor(Qt::white) : kTextColor);
    // The font the node was measured with (the view's), also when rendering into an export.
    QFont font = scene() ? scene()->font() : painter->font();
    painter->setFont(font);
    const QRectF text = box.adjusted(4, 2, -4, -2);
    if (subtitle_.isEmpty()) {
        painter->drawText(text, Qt::AlignCenter, title_);
        return;
    }
    painter->drawText(QRectF(text.left(), text.top(), text.width(), text.height() * 0.55),
                      Qt::AlignHCenter | Qt::AlignBottom, title_);
    font.setPointSizeF(font.pointSizeF() * 0.8);
    painter->setFont(font);
    painter->setPen(darkFill ? QColor(0xff, 0xff, 0xff, 215) : kTextColor.lighter(170));
    painter->drawText(
        QRectF(text.left(), text.top() + text.height() * 0.55, text.width(), text.height() * 0.45),
        Qt::AlignHCenter | Qt::AlignTop, subtitle_);
}

void DagNodeItem::hoverEnterEvent(QGraphicsSceneHoverEvent* event) {
    if (selection_) selection_->setHoveredOp(op_);
    QGraphicsItem::hoverEnterEvent(event);
}

void DagNodeItem::hoverLeaveEvent(QGraphicsSceneHoverEvent* event) {
    if (selection_ && selection_->hoveredOp() == op_) selection_->setHoveredOp(-1);
    QGraphicsItem::hoverLeaveEvent(event);
}

void DagNodeItem::mousePressEvent(QGraphicsSceneMouseEvent* event) {
    if (event->button() != Qt::LeftButton) {
        event->ignore();
        return;
    }
    if (selection_) {
        if (event->modifiers() & (Qt::ControlModifier | Qt::ShiftModifier))
            selection_->toggleOp(op_);
        else
            selection_->selectOp(op_);
    }
    event->accept();
}

// ---- edges ----

DagEdgeItem::DagEdgeItem(const layout::EdgeLayout& edge) : from_(edge.from), to_(edge.to) {
    const auto& s = edge.spline;
    if (!s.empty()) {
        path_.moveTo(s[0].x, s[0].y);
        for (size_t i = 1; i + 2 < s.size(); i += 3)
            path_.cubicTo(s[i].x, s[i].y, s[i + 1].x, s[i + 1].y, s[i + 2].x, s[i + 2].y);
        if (s.size() % 3 != 1) // not a Graphviz B-spline: connect the points
            for (size_t i = 1; i < s.size(); ++i) path_.lineTo(s[i].x, s[i].y);
    }
    QPointF base = s.empty() ? QPointF() : QPointF(s.back().x, s.back().y);
    QPointF tip = edge.hasArrow ? QPointF(edge.arrowTip.x, edge.arrowTip.y) : base;
    if (!edge.hasArrow && s.size() >= 2) { // draw the head on the last segment's direction
        const QPointF prev(s[s.size() - 2].x, s[s.size() - 2].y);
        const QPointF d = base - prev;
        const double len = std::hypot(d.x(), d.y());
        if (len > 0) base = tip - d / len * 8;
    }
    const QPointF d = tip - base;
    const double len = std::hypot(d.x(), d.y());
    if (len > 0.01) {
        const QPointF n(-d.y() / len * 3.5, d.x() / len * 3.5);
        arrow_ << tip << base + n << base - n;
        path_.lineTo(base);
    }
    bounds_ = (path_.boundingRect() | arrow_.boundingRect()).adjusted(-3, -3, 3, 3);
    setZValue(1);
}

QRectF DagEdgeItem::boundingRect() const {
    return bounds_;
}

void DagEdgeItem::setEmphasized(bool on) {
    if (on == emphasized_) return;
    emphasized_ = on;
    setZValue(on ? 1.5 : 1);
    update();
}

void DagEdgeItem::setCritical(bool on) {
    if (on == critical_) return;
    critical_ = on;
    setZValue(on ? 1.6 : emphasized_ ? 1.5 : 1);
    update();
}

void DagEdgeItem::setLabel(const QString& label) {
    prepareGeometryChange();
    label_ = label;
    bounds_ = path_.boundingRect() | arrow_.boundingRect();
    bounds_ = (bounds_ | labelRect()).adjusted(-3, -3, 3, 3);
    update();
}

void DagEdgeItem::setLabelVisible(bool on) {
    if (on == labelVisible_) return;
    labelVisible_ = on;
    update();
}

namespace {
QFont edgeLabelFont(const QGraphicsScene* scene) {
    QFont font = scene ? scene->font() : QFont();
    font.setPointSizeF(font.pointSizeF() * 0.72);
    return font;
}
} // namespace

QRectF DagEdgeItem::labelRect() const {
    if (label_.isEmpty() || path_.isEmpty()) return {};
    const QFontMetricsF fm(edgeLabelFont(scene()));
    const QSizeF size(fm.horizontalAdvance(label_) + 4, fm.height());
    // Beside the middle of the curve, so the line stays visible through the label.
    const QPointF mid = path_.pointAtPercent(0.5);
    return QRectF(mid + QPointF(3, -size.height() / 2), size);
}

void DagEdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
    painter->setRenderHint(QPainter::Antialiasing);
    QColor color = emphasized_ ? QColor(0x1a, 0x23, 0x7e) : QColor(0x75, 0x75, 0x75);
    if (critical_ && !emphasized_) color = kCriticalColor;
    painter->setPen(QPen(color, emphasized_ ? 2.2 : critical_ ? 2.6 : 1.0));
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(path_);
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    painter->drawPolygon(arrow_);
    if (label_.isEmpty() || !labelVisible_) return;
    const bool document = scene() && scene()->property(kDocumentSceneProperty).toBool();
    if (!document && option->levelOfDetailFromTransform(painter->worldTransform()) < kEdgeLabelMinScale)
        return;
    const QRectF r = labelRect();
    painter->setBrush(QColor(255, 255, 255, 210));
    painter->drawRoundedRect(r, 2, 2);
    painter->setFont(edgeLabelFont(scene()));
    painter->setPen(QColor(0x54, 0x6e, 0x7a));
    painter->drawText(r, Qt::AlignCenter, label_);
}

// ---- blocks ----

DagBlockItem::DagBlockItem(const layout::ClusterLayout& cluster, const QString& label)
    : rect_(cluster.rect.x, cluster.rect.y, cluster.rect.width, cluster.rect.height), label_(label) {
    setZValue(0);
    setToolTip(label);
}

QRectF DagBlockItem::boundingRect() const {
    return rect_.adjusted(-2, -2, 2, 2);
}

void DagBlockItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(emphasised_ ? QPen(QColor(0x54, 0x6e, 0x7a), 1.6, Qt::DashLine)
                                : QPen(QColor(0x90, 0xa4, 0xae), 1.2, Qt::DashLine));
    painter->setBrush(QColor(0xec, 0xef, 0xf1, 120));
    painter->drawRoundedRect(rect_, 8, 8);
    QFont font = scene() ? scene()->font() : painter->font();
    font.setPointSizeF(font.pointSizeF() * (emphasised_ ? 0.9 : 0.8)); // dot reserved 9 pt
    font.setBold(emphasised_);
    painter->setFont(font);
    painter->setPen(emphasised_ ? QColor(0x37, 0x47, 0x4f) : QColor(0x60, 0x7d, 0x8b));
    painter->drawText(rect_.adjusted(6, 2, -6, -2), Qt::AlignLeft | Qt::AlignTop, label_);
}

} // namespace ioscope::widgets
