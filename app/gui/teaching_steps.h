#pragma once
// Teaching mode: the IOS dynamic program's decisions for one block, replayed from a final
// schedule. The DP computes cost(S) = min over endings E of cost(S − E) + latency(E), starting
// from the whole block; the schedule's stages of the block, read from the last to the first,
// are the endings it chose. Each step shows the remaining set S, the chosen ending E and its
// cost, and the accumulated cost(S).
#include "schedule_run.h"

#include <QAbstractTableModel>

#include <vector>

namespace ioscope::app {

struct TeachingStep {
    int stage = -1;               // index in the schedule
    std::vector<OpId> remaining;  // S before the decision (topological order)
    Stage ending;                 // E: the stage chosen as the last of S
    double endingMs = 0;          // latency(E)
    double costOfRemainingMs = 0; // cost(S) = latency(E) + cost(S − E)
};

// The decisions for the stages holding `blockOps`, in the DP's order (whole block first).
std::vector<TeachingStep> replayDecisions(const ScheduleRun& run, const std::vector<OpId>& blockOps);

class TeachingStepsModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { StepColumn, RemainingColumn, EndingColumn, CostColumn, TotalColumn, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setSteps(const Graph* graph, std::vector<TeachingStep> steps);
    const std::vector<TeachingStep>& steps() const { return steps_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  private:
    QString endingText(const Stage& stage) const;
    const Graph* graph_ = nullptr;
    std::vector<TeachingStep> steps_;
};

} // namespace ioscope::app
