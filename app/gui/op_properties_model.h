#pragma once
// Properties of the selected op as a two-column (property, value) table: kind, parameters,
// shapes, FLOPs, bytes, parameters, predicted time in the current run and the stage it runs in.
#include "graph/graph.h"

#include <QAbstractTableModel>
#include <QPair>
#include <QVector>

namespace ioscope::app {

struct ScheduleRun;

class OpPropertiesModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    using QAbstractTableModel::QAbstractTableModel;

    // Shows `op` of `graph` (-1 or null graph: empty); `run` may be null.
    void setOp(const Graph* graph, OpId op, const ScheduleRun* run);
    OpId op() const { return op_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  private:
    OpId op_ = -1;
    QVector<QPair<QString, QString>> rows_;
};

// The rows themselves (also used by tooltips and the report).
QVector<QPair<QString, QString>> opPropertyRows(const Graph& graph, OpId op, const ScheduleRun* run);

} // namespace ioscope::app
