#include "run_table_model.h"

#include "document.h"
#include "qt_text.h"

#include <QColor>

namespace ioscope::app {

RunTableModel::RunTableModel(Document* document, QObject* parent)
    : QAbstractTableModel(parent), document_(document) {
    connect(document_, &Document::aboutToChangeRuns, this, [this] { beginResetModel(); });
    connect(document_, &Document::runsChanged, this, [this] { endResetModel(); });
    // Rows are marked against the current run: their comparability changes with it.
    connect(document_, &Document::currentRunChanged, this, [this] {
        if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    });
    connect(document_, &Document::runUpdated, this, [this](int id) {
        const int row = rowOfRun(id);
        if (row >= 0) emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    });
}

int RunTableModel::runIdAt(int row) const {
    const auto& runs = document_->runs();
    return row >= 0 && size_t(row) < runs.size() ? runs[size_t(row)].id : -1;
}

int RunTableModel::rowOfRun(int runId) const {
    const auto& runs = document_->runs();
    for (size_t i = 0; i < runs.size(); ++i)
        if (runs[i].id == runId) return int(i);
    return -1;
}

int RunTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(document_->runs().size());
}

int RunTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

double RunTableModel::speedupOverSequential(const ScheduleRun& run) const {
    for (const auto& r : document_->runs())
        if (r.scheduler == SchedulerKind::Sequential && r.request.costSpec == run.request.costSpec &&
            r.request.options.run == run.request.options.run && run.latencyMs > 0)
            return r.latencyMs / run.latencyMs;
    return 0;
}

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const ScheduleRun& r = document_->runs()[size_t(index.row())];
    if (role == RunIdRole) return r.id;
    const ScheduleRun* current = document_->currentRun();
    const QString why = current && current != &r ? whyNotComparable(r, *current) : QString();
    if (role == Qt::ToolTipRole) {
        QString tip = r.detail();
        if (r.origin != "ios")
            tip += tr("\nThe search returned the %1 schedule: it was %2 faster than the DP's")
                       .arg(qs(r.origin), r.measuredNote.empty() ? tr("predicted") : tr("measured"));
        if (!r.measuredNote.empty()) tip += QStringLiteral("\n") + qs(r.measuredNote);
        if (!why.isEmpty()) tip += tr("\nNot comparable with %1: %2").arg(current->label(), why);
        return tip;
    }
    if (role == Qt::ForegroundRole && !why.isEmpty() && index.column() == CostColumn)
        return QColor(0xc6, 0x28, 0x28);
    if (role == Qt::TextAlignmentRole && index.column() >= LatencyColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    const bool sort = role == SortRole;
    if (role != Qt::DisplayRole && !sort) return {};
    switch (index.column()) {
    case RunColumn:
        return r.label();
    case ParametersColumn: {
        const SchedulerOptions& o = r.request.options;
        if (r.scheduler == SchedulerKind::Ios)
            return QStringLiteral("%1 r=%2 s=%3")
                .arg(qs(toString(o.strategy)))
                .arg(o.maxGroupSize)
                .arg(o.maxGroups);
        if (r.scheduler == SchedulerKind::Wavefront) return tr("≤%1 streams").arg(o.maxStreams);
        return QString();
    }
    case CostColumn:
        return QStringLiteral("%1%2, b%3 %4")
            .arg(why.isEmpty() ? QString() : QStringLiteral("≠ "))
            .arg(r.costName())
            .arg(r.request.options.run.batch)
            .arg(qs(toString(r.request.options.run.precision)));
    case LatencyColumn:
        return sort ? QVariant(r.latencyMs) : QVariant(formatMs(r.latencyMs));
    case SpeedupColumn: {
        const double s = speedupOverSequential(r);
        if (sort) return s;
        return s > 0 ? QStringLiteral("%1×").arg(s, 0, 'f', 2) : QString();
    }
    case StagesColumn:
        return int(r.schedule.stages.size());
    case StatesColumn:
        return r.stats.states;
    case StagesCostedColumn:
        return r.stats.stagesCosted;
    case SecondsColumn:
        return sort ? QVariant(r.stats.seconds) : QVariant(QString::number(r.stats.seconds, 'f', 2));
    case MeasuredColumn:
        if (!r.measured) return sort ? QVariant(0.0) : QVariant();
        if (sort) return r.measured->medianMs;
        return QStringLiteral("%1 (%2–%3)")
            .arg(formatMs(r.measured->medianMs), formatMs(r.measured->p10Ms), formatMs(r.measured->p90Ms));
    default:
        return {};
    }
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case ParametersColumn:
            return tr("IOS: stage strategies, r (ops per group) and s (groups per stage); wavefront: "
                      "streams");
        case CostColumn:
            return tr("Cost model, batch and precision; ≠ marks runs whose times cannot be compared "
                      "with the current run's");
        case SpeedupColumn:
            return tr("Predicted speedup over the sequential schedule under the same cost model");
        case StatesColumn:
            return tr("DP states visited");
        case StagesCostedColumn:
            return tr("Distinct stages the cost model was asked for");
        case MeasuredColumn:
            return tr("Measured on the GPU: median (p10–p90)");
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (section) {
    case RunColumn:
        return tr("Run");
    case ParametersColumn:
        return tr("Parameters");
    case CostColumn:
        return tr("Cost model");
    case LatencyColumn:
        return tr("Predicted");
    case SpeedupColumn:
        return tr("vs seq.");
    case StagesColumn:
        return tr("Stages");
    case StatesColumn:
        return tr("States");
    case StagesCostedColumn:
        return tr("Costed");
    case SecondsColumn:
        return tr("Search s");
    case MeasuredColumn:
        return tr("Measured");
    default:
        return {};
    }
}

} // namespace ioscope::app
