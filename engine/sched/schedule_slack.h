#pragma once
// The critical path and each op's slack in a schedule's predicted timeline (sched/timeline.h).
//
// Stages are barriers (docs/semantics.md, "Schedules"): a stage ends when its longest group ends, and the
// next starts then. Inside a concurrent stage each group is a chain on its own stream, so an op's slack is
// how much later its group could finish without the stage, and so the whole schedule, finishing later: the
// stage's end minus the end of the op's group. A merge stage is one kernel: all its ops are critical. The
// critical path runs through one zero-slack group per stage; among tied groups it prefers one that reads the
// previous stage's critical op, so the path follows the DAG's edges wherever the schedule allows.
#include "graph/graph.h"
#include "sched/timeline.h"

#include <vector>

namespace ioscope {

struct ScheduleSlack {
    // Indexed by OpId; NaN for ops the timeline does not place (inputs).
    std::vector<double> startMs, endMs, slackMs;
    std::vector<int> stageOf;       // -1 where not placed
    std::vector<OpId> criticalPath; // in time order, one critical group per stage
    std::vector<bool> critical;     // indexed by OpId: zero slack (within tolerance)
    double makespanMs = 0;
    // Whether `op` is on the critical path (not just zero-slack).
    bool onPath(OpId op) const;
    // Whether the DAG edge from -> to joins two consecutive ops of the critical path.
    bool pathEdge(OpId from, OpId to) const;
    std::vector<int> pathIndex; // indexed by OpId: position on the critical path, -1 off it
};

// Slack and critical path of `timeline` (from predictTimeline) over `g`. Throws InputError when
// the timeline names an op outside the graph.
ScheduleSlack scheduleSlack(const Graph& g, const PredictedTimeline& timeline);

} // namespace ioscope
