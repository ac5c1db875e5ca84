#pragma once
// The overview (minimap) of a large DAG: the whole scene in a small corner view with the main
// view's visible area outlined; click or drag in it to move the main view there.
#include <QGraphicsView>

class QToolButton;

namespace ioscope::widgets {

class DagOverview : public QGraphicsView {
    Q_OBJECT
  public:
    explicit DagOverview(QGraphicsView* mainView);
    void refit(); // after the scene or the main view changed

  signals:
    void collapseRequested(); // its "–" button: the host shows a small tab instead

  protected:
    void drawForeground(QPainter* painter, const QRectF& rect) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;

  private:
    void moveMainViewTo(QPoint pos);
    QGraphicsView* main_;
    QToolButton* collapse_;
};

} // namespace ioscope::widgets
