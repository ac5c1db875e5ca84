#include "selection_model.h"

#include <algorithm>

namespace ioscope::widgets {

SelectionModel::SelectionModel(QObject* parent) : QObject(parent) {}

QList<OpId> SelectionModel::selectedList() const {
    QList<OpId> list(selected_.begin(), selected_.end());
    std::sort(list.begin(), list.end());
    return list;
}

void SelectionModel::selectOps(const QList<OpId>& ops, OpId current) {
    QSet<OpId> next;
    for (OpId op : ops)
        if (op >= 0) next.insert(op);
    if (current < 0 || !next.contains(current)) {
        current = -1;
        for (OpId op : ops)
            if (op >= 0) {
                current = op;
                break;
            }
    }
    if (next == selected_ && current == current_) return;
    selected_ = std::move(next);
    current_ = current;
    emit selectionChanged();
}

void SelectionModel::selectOp(OpId op) {
    if (op < 0)
        clear();
    else
        selectOps({op}, op);
}

void SelectionModel::toggleOp(OpId op) {
    if (op < 0) return;
    QSet<OpId> next = selected_;
    if (!next.remove(op)) next.insert(op);
    QList<OpId> list(next.begin(), next.end());
    selectOps(list, next.contains(op) ? op : (next.contains(current_) ? current_ : -1));
}

void SelectionModel::clear() {
    selectOps({});
}

void SelectionModel::setHoveredOp(OpId op) {
    if (op < -1) op = -1;
    if (op == hovered_) return;
    hovered_ = op;
    emit hoveredChanged(op);
}

SelectionModel* bindSelection(QObject* view, SelectionModel* current, SelectionModel* requested,
                              SelectionModel*& own, const std::function<void()>& fallBack) {
    if (current) QObject::disconnect(current, nullptr, view, nullptr);
    if (!requested) {
        if (!own) own = new SelectionModel(view);
        requested = own;
    }
    if (requested != own) QObject::connect(requested, &QObject::destroyed, view, fallBack);
    return requested;
}

} // namespace ioscope::widgets
