#include "teaching_steps.h"

#include "qt_text.h"

#include <algorithm>
#include <unordered_set>

namespace ioscope::app {

std::vector<TeachingStep> replayDecisions(const ScheduleRun& run, const std::vector<OpId>& blockOps) {
    const std::unordered_set<OpId> inBlock(blockOps.begin(), blockOps.end());
    std::vector<int> stages; // the block's stages in schedule order
    for (size_t s = 0; s < run.schedule.stages.size(); ++s) {
        const auto ops = run.schedule.stages[s].allOps();
        if (std::any_of(ops.begin(), ops.end(), [&](OpId op) { return inBlock.count(op) != 0; }))
            stages.push_back(int(s));
    }
    // cost(S) accumulates from the first stage (S smallest for the DP is the block's first
    // stage alone) to the last; the DP visits them in the opposite order.
    std::vector<double> prefix(stages.size() + 1, 0.0);
    for (size_t i = 0; i < stages.size(); ++i) {
        const size_t s = size_t(stages[i]);
        prefix[i + 1] = prefix[i] + (s < run.stageLatencyMs.size() ? run.stageLatencyMs[s] : 0.0);
    }
    std::vector<TeachingStep> steps;
    std::unordered_set<OpId> scheduledLater;
    for (size_t k = stages.size(); k-- > 0;) {
        TeachingStep step;
        step.stage = stages[k];
        step.ending = run.schedule.stages[size_t(step.stage)];
        for (OpId op : blockOps)
            if (!scheduledLater.count(op)) step.remaining.push_back(op);
        step.endingMs = prefix[k + 1] - prefix[k];
        step.costOfRemainingMs = prefix[k + 1];
        for (OpId op : step.ending.allOps()) scheduledLater.insert(op);
        steps.push_back(std::move(step));
    }
    return steps;
}

void TeachingStepsModel::setSteps(const Graph* graph, std::vector<TeachingStep> steps) {
    beginResetModel();
    graph_ = graph;
    steps_ = graph ? std::move(steps) : std::vector<TeachingStep>{};
    endResetModel();
}

int TeachingStepsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(steps_.size());
}
int TeachingStepsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString TeachingStepsModel::endingText(const Stage& stage) const {
    QStringList groups;
    for (const auto& group : stage.groups) {
        QStringList names;
        for (OpId op : group) names << qs(graph_->op(op).name);
        groups << QStringLiteral("[%1]").arg(names.join(QStringLiteral(" → ")));
    }
    return QStringLiteral("%1 %2").arg(qs(toString(stage.strategy)), groups.join(QStringLiteral(" ∥ ")));
}

QVariant TeachingStepsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const TeachingStep& s = steps_[size_t(index.row())];
    if (role == Qt::ToolTipRole && index.column() == RemainingColumn) {
        QStringList names;
        for (OpId op : s.remaining) names << qs(graph_->op(op).name);
        return names.join(QStringLiteral(", "));
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    switch (index.column()) {
    case StepColumn:
        return tr("%1 (stage %2)").arg(index.row() + 1).arg(s.stage + 1);
    case RemainingColumn:
        return tr("|S| = %1").arg(s.remaining.size());
    case EndingColumn:
        return endingText(s.ending);
    case CostColumn:
        return formatMs(s.endingMs);
    case TotalColumn:
        return formatMs(s.costOfRemainingMs);
    default:
        return {};
    }
}

QVariant TeachingStepsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case StepColumn:
        return tr("Decision");
    case RemainingColumn:
        return tr("Remaining S");
    case EndingColumn:
        return tr("Chosen ending E");
    case CostColumn:
        return tr("latency(E)");
    case TotalColumn:
        return tr("cost(S)");
    default:
        return {};
    }
}

} // namespace ioscope::app
