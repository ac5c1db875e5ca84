#pragma once
// The one selection shared by every view (DAG, timeline, schedule table, properties): views
// call selectOps()/setHoveredOp() when the user picks, and repaint on selectionChanged() /
// hoveredChanged(). Setting the same state again emits nothing, so views may echo freely.
#include "graph/op.h"

#include <QList>
#include <QObject>
#include <QSet>

#include <functional>

namespace ioscope::widgets {

class SelectionModel : public QObject {
    Q_OBJECT
  public:
    explicit SelectionModel(QObject* parent = nullptr);

    const QSet<OpId>& selectedOps() const { return selected_; }
    QList<OpId> selectedList() const; // sorted
    bool isSelected(OpId op) const { return selected_.contains(op); }
    // The op picked last (the properties panel shows it); -1 when none.
    OpId currentOp() const { return current_; }
    OpId hoveredOp() const { return hovered_; }

  public slots:
    // Replaces the selection. `current` defaults to the first of `ops` (or -1 when empty).
    void selectOps(const QList<OpId>& ops, OpId current = -1);
    void selectOp(OpId op); // op < 0 clears
    void toggleOp(OpId op); // Ctrl+click
    void clear();
    void setHoveredOp(OpId op); // -1 when nothing is hovered

  signals:
    void selectionChanged();
    void hoveredChanged(OpId op);

  private:
    QSet<OpId> selected_;
    OpId current_ = -1;
    OpId hovered_ = -1;
};

// How a view takes a selection model: drops its connections to `current`, uses `requested` or,
// when that is null, its private model `own` (created on demand), and, when a shared model is
// destroyed first (window teardown), calls `fallBack` so the view can return to its own one.
// Returns the model the view should use; the view then connects the signals it needs.
SelectionModel* bindSelection(QObject* view, SelectionModel* current, SelectionModel* requested,
                              SelectionModel*& own, const std::function<void()>& fallBack);

} // namespace ioscope::widgets
