#pragma once
// The schedule table: stages → groups → ops of one run, with predicted times. Row ids pack
// (stage, group) so the model needs no node objects.
#include "schedule_run.h"

#include <QAbstractItemModel>

namespace ioscope::app {

class ScheduleTreeModel : public QAbstractItemModel {
    Q_OBJECT
  public:
    // The predicted time comes second so a narrow dock still shows it.
    enum Column { NameColumn, TimeColumn, DetailColumn, ShapeColumn, ColumnCount };
    enum Role { OpIdRole = Qt::UserRole + 1, StageRole };

    explicit ScheduleTreeModel(QObject* parent = nullptr) : QAbstractItemModel(parent) {}

    // Shows `run` on `graph` (both must outlive the next setRun; null clears).
    void setRun(const Graph* graph, const ScheduleRun* run);
    const ScheduleRun* run() const { return run_; }

    // The index of the op row for `op` (column 0), invalid when the op is not scheduled.
    QModelIndex indexOfOp(OpId op) const;
    OpId opAt(const QModelIndex& index) const; // -1 for stage and group rows
    // Every op under a row: the op itself, a group's ops, a stage's ops (in schedule order).
    QList<OpId> opsAt(const QModelIndex& index) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Drag and drop edits the schedule: an op or a group dragged onto a stage (a new stream of
    // it), a group (into that stream) or between stages (a new stage there). The model only
    // asks; the window applies the edit (validated, re-evaluated, undoable) and resets the model.
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;
    Qt::DropActions supportedDropActions() const override { return Qt::MoveAction; }
    bool canDropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                         const QModelIndex& parent) const override;
    bool dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                      const QModelIndex& parent) override;
    // Stage and group (stream) of a row; group -1 for stage rows.
    std::pair<int, int> placeOf(const QModelIndex& index) const;

  signals:
    // toGroup -1: a new stream of toStage; newStage: a new stage inserted at toStage.
    void moveOpRequested(OpId op, int toStage, int toGroup, bool newStage);
    void moveGroupRequested(int stage, int group, int toStage);

  private:
    enum class Level { Stage, Group, Op };
    struct Address {
        Level level = Level::Stage;
        int stage = -1, group = -1;
    };
    static Address decode(quintptr id);
    QVariant stageData(int stage, int column, int role) const;
    QVariant groupData(int stage, int group, int column, int role) const;
    QVariant opData(OpId op, int column, int role) const;

    const Graph* graph_ = nullptr;
    const ScheduleRun* run_ = nullptr;
};

} // namespace ioscope::app
