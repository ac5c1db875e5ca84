#include "schedule_tree_model.h"

#include "graph/op_metrics.h"
#include "qt_text.h"

#include <QMimeData>

namespace ioscope::app {
namespace {
// id 0: a stage row; id < 2^32: a group row of stage id-1; else an op row of (stage, group)
// packed as ((stage+1) << 32) | (group+1).
constexpr quintptr kStageShift = 32;
quintptr groupParentId(int stage) {
    return quintptr(stage) + 1;
}
quintptr opParentId(int stage, int group) {
    return ((quintptr(stage) + 1) << kStageShift) | (quintptr(group) + 1);
}
} // namespace

static_assert(sizeof(quintptr) >= 8, "the row ids need 64 bits");

ScheduleTreeModel::Address ScheduleTreeModel::decode(quintptr id) {
    if (id == 0) return {Level::Stage, -1, -1};
    if (id < (quintptr(1) << kStageShift)) return {Level::Group, int(id - 1), -1};
    return {Level::Op, int((id >> kStageShift) - 1), int((id & 0xffffffffu) - 1)};
}

void ScheduleTreeModel::setRun(const Graph* graph, const ScheduleRun* run) {
    beginResetModel();
    graph_ = graph;
    run_ = graph ? run : nullptr;
    endResetModel();
}

QModelIndex ScheduleTreeModel::index(int row, int column, const QModelIndex& parent) const {
    if (!hasIndex(row, column, parent)) return {};
    if (!parent.isValid()) return createIndex(row, column, quintptr(0));
    const Address a = decode(parent.internalId());
    if (a.level == Level::Stage) return createIndex(row, column, groupParentId(parent.row()));
    if (a.level == Level::Group) return createIndex(row, column, opParentId(a.stage, parent.row()));
    return {};
}

QModelIndex ScheduleTreeModel::parent(const QModelIndex& child) const {
    if (!child.isValid()) return {};
    const Address a = decode(child.internalId());
    if (a.level == Level::Stage) return {};
    if (a.level == Level::Group) return createIndex(a.stage, 0, quintptr(0));
    return createIndex(a.group, 0, groupParentId(a.stage));
}

int ScheduleTreeModel::rowCount(const QModelIndex& parent) const {
    if (!run_) return 0;
    const auto& stages = run_->schedule.stages;
    if (!parent.isValid()) return int(stages.size());
    if (parent.column() != 0) return 0;
    const Address a = decode(parent.internalId());
    if (a.level == Level::Stage) return int(stages[size_t(parent.row())].groups.size());
    if (a.level == Level::Group) return int(stages[size_t(a.stage)].groups[size_t(parent.row())].size());
    return 0;
}

int ScheduleTreeModel::columnCount(const QModelIndex&) const {
    return ColumnCount;
}

OpId ScheduleTreeModel::opAt(const QModelIndex& index) const {
    if (!run_ || !index.isValid()) return -1;
    const Address a = decode(index.internalId());
    if (a.level != Level::Op) return -1;
    return run_->schedule.stages[size_t(a.stage)].groups[size_t(a.group)][size_t(index.row())];
}

QList<OpId> ScheduleTreeModel::opsAt(const QModelIndex& index) const {
    if (!run_ || !index.isValid()) return {};
    const Address a = decode(index.internalId());
    const auto& stages = run_->schedule.stages;
    QList<OpId> ops;
    if (a.level == Level::Op) {
        ops << opAt(index);
    } else if (a.level == Level::Group) {
        for (OpId op : stages[size_t(a.stage)].groups[size_t(index.row())]) ops << op;
    } else {
        for (const auto& group : stages[size_t(index.row())].groups)
            for (OpId op : group) ops << op;
    }
    return ops;
}

QModelIndex ScheduleTreeModel::indexOfOp(OpId op) const {
    if (!run_) return {};
    const auto& stages = run_->schedule.stages;
    for (size_t s = 0; s < stages.size(); ++s)
        for (size_t g = 0; g < stages[s].groups.size(); ++g)
            for (size_t i = 0; i < stages[s].groups[g].size(); ++i)
                if (stages[s].groups[g][i] == op) return createIndex(int(i), 0, opParentId(int(s), int(g)));
    return {};
}

QVariant ScheduleTreeModel::data(const QModelIndex& index, int role) const {
    if (!run_ || !checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const Address a = decode(index.internalId());
    if (a.level == Level::Stage) return stageData(index.row(), index.column(), role);
    if (a.level == Level::Group) return groupData(a.stage, index.row(), index.column(), role);
    return opData(opAt(index), index.column(), role);
}

QVariant ScheduleTreeModel::stageData(int stage, int column, int role) const {
    const Stage& st = run_->schedule.stages[size_t(stage)];
    if (role == StageRole) return stage;
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    switch (column) {
    case NameColumn:
        return tr("Stage %1").arg(stage + 1);
    case DetailColumn:
        return QStringLiteral("%1 · %2 · %3")
            .arg(qs(toString(st.strategy)), countOf(qsizetype(st.groups.size()), tr("group"), tr("groups")),
                 countOf(qsizetype(st.opCount()), tr("op"), tr("ops")));
    case TimeColumn:
        return size_t(stage) < run_->stageLatencyMs.size()
                   ? formatPredictedMs(run_->stageLatencyMs[size_t(stage)])
                   : QVariant();
    default:
        return {};
    }
}

QVariant ScheduleTreeModel::groupData(int stage, int group, int column, int role) const {
    const auto& ops = run_->schedule.stages[size_t(stage)].groups[size_t(group)];
    if (role == StageRole) return stage;
    if (role != Qt::DisplayRole) return {};
    if (column == NameColumn) return tr("Group %1").arg(group + 1);
    if (column == DetailColumn)
        return tr("%1 in order").arg(countOf(qsizetype(ops.size()), tr("op"), tr("ops")));
    if (column == TimeColumn) {
        double sum = 0;
        for (OpId op : ops)
            if (size_t(op) < run_->opLatencyMs.size()) sum += run_->opLatencyMs[size_t(op)];
        return tr("Σ alone %1").arg(formatPredictedMs(sum));
    }
    return {};
}

QVariant ScheduleTreeModel::opData(OpId op, int column, int role) const {
    if (op < 0 || op >= graph_->size()) return {};
    const Op& o = graph_->op(op);
    if (role == OpIdRole) return op;
    if (role == Qt::ToolTipRole)
        return tr("%1 (%2)\nin %3 → out %4\n%5")
            .arg(qs(o.name), qs(toString(o.kind)), qs(o.in.str()), qs(o.out.str()),
                 formatFlops(opMetrics(o).flops));
    if (role != Qt::DisplayRole) return {};
    switch (column) {
    case NameColumn:
        return qs(o.name);
    case DetailColumn:
        return qs(toString(o.kind));
    case TimeColumn:
        return size_t(op) < run_->opLatencyMs.size() ? formatPredictedMs(run_->opLatencyMs[size_t(op)])
                                                     : QVariant();
    case ShapeColumn:
        return qs(o.out.str());
    default:
        return {};
    }
}

QVariant ScheduleTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case NameColumn:
        return tr("Stage / group / op");
    case DetailColumn:
        return tr("Strategy / kind");
    case TimeColumn:
        return tr("Predicted");
    case ShapeColumn:
        return tr("Output");
    default:
        return {};
    }
}

namespace {
const QString kScheduleMime = QStringLiteral("application/x-ioscope-schedule-item");
} // namespace

std::pair<int, int> ScheduleTreeModel::placeOf(const QModelIndex& index) const {
    if (!index.isValid()) return {-1, -1};
    const Address a = decode(index.internalId());
    if (a.level == Level::Stage) return {index.row(), -1};
    if (a.level == Level::Group) return {a.stage, index.row()};
    return {a.stage, a.group};
}

Qt::ItemFlags ScheduleTreeModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractItemModel::flags(index);
    if (!run_) return f;
    if (!index.isValid()) return f | Qt::ItemIsDropEnabled; // between stages
    const Address a = decode(index.internalId());
    if (a.level != Level::Stage) f |= Qt::ItemIsDragEnabled;
    if (a.level != Level::Op) f |= Qt::ItemIsDropEnabled;
    return f;
}

QStringList ScheduleTreeModel::mimeTypes() const {
    return {kScheduleMime};
}

QMimeData* ScheduleTreeModel::mimeData(const QModelIndexList& indexes) const {
    for (const QModelIndex& i : indexes) {
        if (!i.isValid() || i.column() != 0) continue;
        const Address a = decode(i.internalId());
        QString what;
        if (a.level == Level::Op) what = QStringLiteral("op:%1").arg(opAt(i));
        if (a.level == Level::Group) what = QStringLiteral("group:%1:%2").arg(a.stage).arg(i.row());
        if (what.isEmpty()) continue;
        auto* data = new QMimeData;
        data->setData(kScheduleMime, what.toUtf8());
        return data;
    }
    return nullptr;
}

bool ScheduleTreeModel::canDropMimeData(const QMimeData* data, Qt::DropAction, int, int,
                                        const QModelIndex&) const {
    return run_ && data && data->hasFormat(kScheduleMime);
}

bool ScheduleTreeModel::dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int,
                                     const QModelIndex& parent) {
    if (!canDropMimeData(data, action, row, 0, parent)) return false;
    const QStringList what = QString::fromUtf8(data->data(kScheduleMime)).split(QLatin1Char(':'));
    const auto [stage, group] = placeOf(parent);
    if (what.value(0) == QLatin1String("op")) {
        const OpId op = what.value(1).toInt();
        if (stage < 0) // between stages: a stage of its own there
            emit moveOpRequested(op, row < 0 ? int(run_->schedule.stages.size()) : row, -1, true);
        else
            emit moveOpRequested(op, stage, group, false);
    } else if (what.value(0) == QLatin1String("group") && stage >= 0) {
        emit moveGroupRequested(what.value(1).toInt(), what.value(2).toInt(), stage);
    }
    return false; // the window applies the edit and resets this model; nothing to remove here
}

} // namespace ioscope::app
