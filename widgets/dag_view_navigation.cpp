// DagView navigation: zoom, pan (drag, WASD/arrows), fit, background clicks and the overview.
#include "dag_items.h"
#include "dag_overview.h"
#include "dag_view.h"
#include "selection_model.h"

#include <QKeyEvent>
#include <QScrollBar>
#include <QWheelEvent>

#include <cmath>

namespace ioscope::widgets {

namespace {
constexpr double kMinScale = 0.02, kMaxScale = 8.0;
} // namespace

void DagView::fitToWindow() {
    if (!hasLayout_) return;
    fitInView(scene()->sceneRect(), Qt::KeepAspectRatio);
    if (transform().m11() > 1.5)
        setTransform(QTransform::fromScale(1.5, 1.5)); // small graphs: no giant boxes
    emit zoomChanged(transform().m11());
    placeOverview();
}

void DagView::showStart() {
    fitToWindow();
    if (transform().m11() >= 0.3) return;
    setTransform(QTransform::fromScale(0.6, 0.6));
    // At the first input drawn, not the scene's middle: in an ensemble that falls between two
    // members and cuts both.
    const QRectF r = scene()->sceneRect();
    const bool across = direction_ == layout::Direction::LeftToRight;
    QPointF first = across ? QPointF(r.left(), r.center().y()) : QPointF(r.center().x(), r.top());
    for (const DagNodeItem* n : nodes_)
        if (n) {
            const QPointF c = n->sceneBoundingRect().center();
            first = across ? QPointF(first.x(), c.y()) : QPointF(c.x(), first.y());
            break;
        }
    centerOn(first);
    placeOverview();
}

void DagView::zoomToSelection() {
    if (!hasLayout_ || !selection_) return;
    QRectF area;
    for (OpId op : selection_->selectedList())
        if (DagNodeItem* item = nodeItem(op)) area |= item->sceneBoundingRect();
    if (area.isNull()) return;
    fitInView(area.adjusted(-60, -60, 60, 60), Qt::KeepAspectRatio);
    if (transform().m11() > 2.0) { // one op: readable, not giant
        setTransform(QTransform::fromScale(2.0, 2.0));
        centerOn(area.center());
    }
    emit zoomChanged(transform().m11());
    placeOverview();
}

void DagView::zoomBy(double factor) {
    const double current = transform().m11();
    const double target = std::clamp(current * factor, kMinScale, kMaxScale);
    scale(target / current, target / current);
    emit zoomChanged(target);
    placeOverview();
}

void DagView::wheelEvent(QWheelEvent* event) {
    if (event->modifiers() & Qt::ControlModifier) {
        zoomBy(std::pow(1.0015, event->angleDelta().y()));
        event->accept();
        return;
    }
    QGraphicsView::wheelEvent(event);
}

void DagView::keyPressEvent(QKeyEvent* event) {
    const int step = 60;
    switch (event->key()) {
    case Qt::Key_W:
    case Qt::Key_Up:
        verticalScrollBar()->setValue(verticalScrollBar()->value() - step);
        break;
    case Qt::Key_S:
    case Qt::Key_Down:
        verticalScrollBar()->setValue(verticalScrollBar()->value() + step);
        break;
    case Qt::Key_A:
    case Qt::Key_Left:
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - step);
        break;
    case Qt::Key_D:
    case Qt::Key_Right:
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() + step);
        break;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(1.25);
        break;
    case Qt::Key_Minus:
        zoomBy(0.8);
        break;
    case Qt::Key_F:
    case Qt::Key_0:
        fitToWindow();
        break;
    default:
        QGraphicsView::keyPressEvent(event);
        return;
    }
    event->accept();
}

void DagView::mousePressEvent(QMouseEvent* event) {
    pressPos_ = event->position().toPoint();
    // The overlays and their tabs toggle on a click (they sit above the scene).
    if (event->button() == Qt::LeftButton) {
        if (legendRect().contains(event->position())) {
            setLegendCollapsed(!legendCollapsed());
            event->accept();
            return;
        }
        if (overviewTabRect().contains(event->position())) {
            setOverviewCollapsed(false);
            event->accept();
            return;
        }
    }
    QGraphicsView::mousePressEvent(event);
}

void DagView::mouseReleaseEvent(QMouseEvent* event) {
    const QPoint pos = event->position().toPoint();
    if (event->button() == Qt::LeftButton && (pos - pressPos_).manhattanLength() < 4 && !itemAt(pos) &&
        selection_ && !legendRect().contains(pos) && !overviewTabRect().contains(pos))
        selection_->clear(); // a click on the background
    QGraphicsView::mouseReleaseEvent(event);
}

void DagView::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    placeOverview();
}

void DagView::scrollContentsBy(int dx, int dy) {
    QGraphicsView::scrollContentsBy(dx, dy);
    // The legend and the status note are fixed overlays: a scroll blit would smear them.
    if (legendVisible_ || overviewVisible_ || layoutPending_) viewport()->update();
    if (overview_->isVisible()) overview_->viewport()->update();
}

void DagView::placeOverview() {
    if (!overview_) return;
    const QRectF visible = mapToScene(viewport()->rect()).boundingRect();
    const QRectF all = scene()->sceneRect();
    const bool needed = hasLayout_ && overviewVisible_ && !overviewCollapsed() &&
                        !visible.contains(all.adjusted(10, 10, -10, -10));
    if (!needed) {
        overview_->hide();
        return;
    }
    // At most 170x220 for tall graphs; wide ones (left to right) get a longer, flatter strip.
    const double aspect = all.height() / std::max(1.0, all.width());
    int w = aspect < 0.3 ? 300 : 170;
    int h = std::clamp(static_cast<int>(w * aspect), 40, 220);
    if (h == 220) w = std::max(60, static_cast<int>(h / std::max(aspect, 1e-3)));
    const QRect vp = viewport()->geometry();
    overview_->setGeometry(vp.right() - w - 8, vp.bottom() - h - 8, w, h);
    overview_->show();
    overview_->raise();
    overview_->refit();
}

} // namespace ioscope::widgets
