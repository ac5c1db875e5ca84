#include "dag_overview.h"

#include <QMouseEvent>
#include <QScrollBar>
#include <QToolButton>

namespace ioscope::widgets {

DagOverview::DagOverview(QGraphicsView* mainView) : QGraphicsView(mainView), main_(mainView) {
    setScene(mainView->scene());
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setInteractive(false);
    setRenderHint(QPainter::Antialiasing, false);
    setFrameShape(QFrame::Box);
    setBackgroundBrush(QColor(255, 255, 255, 235));
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("Overview: click or drag to move the view"));
    collapse_ = new QToolButton(this);
    collapse_->setObjectName(QStringLiteral("overviewCollapse"));
    collapse_->setText(QStringLiteral("–"));
    collapse_->setAutoRaise(true);
    collapse_->setToolTip(tr("Collapse the overview (its tab brings it back)"));
    collapse_->setFixedSize(18, 18);
    collapse_->setCursor(Qt::ArrowCursor);
    connect(collapse_, &QToolButton::clicked, this, &DagOverview::collapseRequested);
}

void DagOverview::refit() {
    if (scene()) fitInView(scene()->itemsBoundingRect(), Qt::KeepAspectRatio);
    viewport()->update();
}

void DagOverview::drawForeground(QPainter* painter, const QRectF&) {
    const QRectF visible = main_->mapToScene(main_->viewport()->rect()).boundingRect();
    painter->setPen(QPen(QColor(0x1a, 0x23, 0x7e), 0)); // cosmetic: 1 px at any scale
    painter->setBrush(QColor(0x3f, 0x51, 0xb5, 40));
    painter->drawRect(visible);
}

void DagOverview::mousePressEvent(QMouseEvent* event) {
    moveMainViewTo(event->position().toPoint());
}

void DagOverview::mouseMoveEvent(QMouseEvent* event) {
    if (event->buttons() & Qt::LeftButton) moveMainViewTo(event->position().toPoint());
}

void DagOverview::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    collapse_->move(width() - collapse_->width() - 2, 2);
    refit();
}

void DagOverview::wheelEvent(QWheelEvent* event) {
    event->accept();
} // the overview never scrolls

void DagOverview::moveMainViewTo(QPoint pos) {
    main_->centerOn(mapToScene(pos));
    viewport()->update();
}

} // namespace ioscope::widgets
