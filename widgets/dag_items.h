#pragma once
// Graphics items of the DAG scene: op nodes, spline edges with arrow heads and block outlines.
// Built on the GUI thread from the plain layout structs (engine/layout/graph_layout.h).
#include "graph/op.h"
#include "layout/graph_layout.h"

#include <QGraphicsItem>
#include <QPainterPath>

#include <vector>

namespace ioscope::widgets {

class SelectionModel;

// A scene property: set while a DagView renders its document (exports), so nodes draw their
// labels at any scale.
inline constexpr char kDocumentSceneProperty[] = "ioscopeDocument";

// What a node shows besides its colour; combined freely.
struct DagNodeState {
    bool selected = false;
    bool current = false; // the selection's current op
    bool hovered = false;
    bool running = false;   // lit by the animation playhead
    bool match = false;     // a find match
    bool antichain = false; // part of the maximum antichain (the width)
    bool critical = false;  // on the current schedule's critical path
};

class DagNodeItem : public QGraphicsItem {
  public:
    enum { Type = UserType + 1 };
    DagNodeItem(OpId op, const QString& title, const QString& subtitle, QColor fill, QSizeF size);

    int type() const override { return Type; }
    OpId op() const { return op_; }
    const QString& title() const { return title_; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    const DagNodeState& state() const { return state_; }
    // A fill that replaces the kind colour (a diff's change colour); invalid: the kind colour.
    void setTint(const QColor& tint);
    QColor tint() const { return tint_; }
    void setState(const DagNodeState& state);
    // Hover and clicks go to the shared selection (may be null).
    void setSelectionModel(SelectionModel* selection) { selection_ = selection; }

  protected:
    void hoverEnterEvent(QGraphicsSceneHoverEvent* event) override;
    void hoverLeaveEvent(QGraphicsSceneHoverEvent* event) override;
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;

  private:
    OpId op_;
    QString title_, subtitle_;
    QColor fill_;
    QColor tint_;
    QSizeF size_;
    DagNodeState state_;
    SelectionModel* selection_ = nullptr;
};

class DagEdgeItem : public QGraphicsItem {
  public:
    enum { Type = UserType + 2 };
    explicit DagEdgeItem(const layout::EdgeLayout& edge);

    int type() const override { return Type; }
    OpId from() const { return from_; }
    OpId to() const { return to_; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;
    // Drawn stronger when it touches the hovered or selected op.
    void setEmphasized(bool on);
    bool emphasized() const { return emphasized_; }
    // Drawn red and thick: joins two ops of the critical path.
    void setCritical(bool on);
    bool critical() const { return critical_; }
    // The tensor it carries ("64×56×56"), drawn at the edge's middle when zoomed in far enough
    // to read it (and in exports); empty hides it.
    void setLabel(const QString& label);
    QString label() const { return label_; }
    void setLabelVisible(bool on);
    bool labelVisible() const { return labelVisible_; }
    // Where the label is drawn, in item coordinates (empty when there is none).
    QRectF labelRect() const;

  private:
    OpId from_, to_;
    QPainterPath path_;
    QPolygonF arrow_;
    QRectF bounds_;
    bool emphasized_ = false;
    bool critical_ = false;
    QString label_;
    bool labelVisible_ = true;
};

// Edge labels show from this zoom (view scale) up; below it they would be unreadable clutter.
inline constexpr double kEdgeLabelMinScale = 0.75;

class DagBlockItem : public QGraphicsItem {
  public:
    enum { Type = UserType + 3 };
    DagBlockItem(const layout::ClusterLayout& cluster, const QString& label);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;
    // A member network's outline (ensembles): a darker dashed line and a bold label.
    void setEmphasised(bool on) { emphasised_ = on; }
    bool emphasised() const { return emphasised_; }
    const QString& label() const { return label_; }

  private:
    QRectF rect_;
    QString label_;
    bool emphasised_ = false;
};

} // namespace ioscope::widgets
