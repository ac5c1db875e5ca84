#include "sched/schedule_slack.h"

#include "util/errors.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace ioscope {

bool ScheduleSlack::onPath(OpId op) const {
    return op >= 0 && static_cast<size_t>(op) < pathIndex.size() && pathIndex[static_cast<size_t>(op)] >= 0;
}

bool ScheduleSlack::pathEdge(OpId from, OpId to) const {
    if (!onPath(from) || !onPath(to)) return false;
    const auto f = static_cast<size_t>(from), t = static_cast<size_t>(to);
    if (stageOf[t] == stageOf[f] + 1) return true;                       // consecutive stages
    return stageOf[t] == stageOf[f] && pathIndex[t] == pathIndex[f] + 1; // along a group
}

ScheduleSlack scheduleSlack(const Graph& g, const PredictedTimeline& timeline) {
    const auto n = static_cast<size_t>(g.size());
    const double nan = std::numeric_limits<double>::quiet_NaN();
    ScheduleSlack r;
    r.startMs.assign(n, nan);
    r.endMs.assign(n, nan);
    r.slackMs.assign(n, nan);
    r.stageOf.assign(n, -1);
    r.critical.assign(n, false);
    r.pathIndex.assign(n, -1);
    r.makespanMs = timeline.totalMs;
    // Per-op times are FLOP shares of a stage: allow for rounding, not for real differences.
    const double tolerance = 1e-9 * std::max(1.0, timeline.totalMs);

    std::vector<bool> onPathSoFar(n, false);
    int previousStage = -1;
    for (size_t k = 0; k < timeline.stages.size(); ++k) {
        const TimelineStage& st = timeline.stages[k];
        // The stage's groups (lanes) in order of appearance; a merge stage's ops each stand alone.
        std::map<int, std::vector<const TimelineOp*>> lanes;
        int solo = 1 << 20;
        for (const TimelineOp& op : st.ops) {
            if (op.op < 0 || static_cast<size_t>(op.op) >= n)
                throw InputError("timeline stage " + std::to_string(k + 1) + " names op " +
                                 std::to_string(op.op) + ", not in graph '" + g.name() + "'");
            lanes[st.strategy == Strategy::Merge ? solo++ : op.lane].push_back(&op);
        }
        // A stage lasts at least as long as its longest group (the cost model's time may exceed it).
        double stageEnd = st.endMs;
        for (const auto& [lane, ops] : lanes) stageEnd = std::max(stageEnd, ops.back()->endMs);

        const std::vector<const TimelineOp*>* best = nullptr;
        bool bestReadsPath = false;
        std::vector<const TimelineOp*> merged;
        for (const auto& [lane, ops] : lanes) {
            const double slack = std::max(0.0, stageEnd - ops.back()->endMs);
            const bool critical = slack <= tolerance;
            for (const TimelineOp* op : ops) {
                const auto id = static_cast<size_t>(op->op);
                r.startMs[id] = op->startMs;
                r.endMs[id] = op->endMs;
                r.slackMs[id] = critical ? 0.0 : slack;
                r.stageOf[id] = static_cast<int>(k);
                r.critical[id] = critical;
            }
            if (!critical) continue;
            if (st.strategy == Strategy::Merge) { // one kernel: every merged op is on the path
                merged.push_back(ops.front());
                continue;
            }
            bool readsPath = false;
            for (const TimelineOp* op : ops)
                for (OpId p : g.predecessors(op->op))
                    readsPath = readsPath || (onPathSoFar[static_cast<size_t>(p)] &&
                                              r.stageOf[static_cast<size_t>(p)] == previousStage);
            if (!best || (readsPath && !bestReadsPath)) {
                best = &ops;
                bestReadsPath = readsPath;
            }
        }
        if (st.strategy != Strategy::Merge && !best) continue; // no ops in this stage
        const std::vector<const TimelineOp*>& chosen = st.strategy == Strategy::Merge ? merged : *best;
        for (const TimelineOp* op : chosen) {
            const auto id = static_cast<size_t>(op->op);
            r.pathIndex[id] = static_cast<int>(r.criticalPath.size());
            r.criticalPath.push_back(op->op);
            onPathSoFar[id] = true;
        }
        if (!chosen.empty()) previousStage = static_cast<int>(k);
    }
    return r;
}

} // namespace ioscope
