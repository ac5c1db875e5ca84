#pragma once
// The predicted timeline of a schedule: when each stage and each op runs under a cost model.
// Stage times come from the cost model; inside a stage the model gives no per-op times, so
// each group is stretched by its FLOPs relative to the stage's busiest group, and its ops
// split the group's time by FLOPs (an estimate, and labelled as one where shown).
#include "cost/cost_model.h"
#include "schedule/schedule.h"

#include <vector>

namespace ioscope {

struct TimelineOp {
    OpId op = -1;
    int lane = 0; // the group's index in its stage (merge stages: 0)
    double startMs = 0, endMs = 0;
    double flops = 0; // at the run's batch
};

struct TimelineStage {
    Strategy strategy = Strategy::Concurrent;
    double startMs = 0, endMs = 0;
    std::vector<TimelineOp> ops;
};

struct PredictedTimeline {
    std::vector<TimelineStage> stages;
    double totalMs = 0;
    int lanes = 1; // the most groups of any stage
};

PredictedTimeline predictTimeline(const Graph& g, const Schedule& s, CostModel& cost, const RunConfig& run);

} // namespace ioscope
