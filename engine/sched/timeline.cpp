#include "sched/timeline.h"

#include "graph/op_metrics.h"

#include <algorithm>

namespace ioscope {

PredictedTimeline predictTimeline(const Graph& g, const Schedule& s, CostModel& cost, const RunConfig& run) {
    PredictedTimeline t;
    double now = 0;
    for (const Stage& st : s.stages) {
        TimelineStage ts;
        ts.strategy = st.strategy;
        ts.startMs = now;
        const double stageMs = cost.stageLatencyMs(g, st, run);
        ts.endMs = now + stageMs;
        t.lanes = std::max(t.lanes, static_cast<int>(st.groups.size()));

        std::vector<double> groupFlops;
        double busiest = 0;
        for (const auto& group : st.groups) {
            double f = 0;
            for (OpId id : group) f += opMetrics(g.op(id)).flops * run.batch;
            groupFlops.push_back(f);
            busiest = std::max(busiest, f);
        }
        for (size_t gi = 0; gi < st.groups.size(); ++gi) {
            const auto& group = st.groups[gi];
            // A merge stage is one kernel: every op spans it. Otherwise split by FLOPs (evenly
            // when the group has none, e.g. only concats).
            const bool merged = st.strategy == Strategy::Merge;
            const double groupMs = merged || busiest <= 0 ? stageMs : stageMs * groupFlops[gi] / busiest;
            double start = now;
            for (OpId id : group) {
                TimelineOp op;
                op.op = id;
                op.lane = static_cast<int>(gi);
                op.flops = opMetrics(g.op(id)).flops * run.batch;
                const double share = merged               ? 1.0
                                     : groupFlops[gi] > 0 ? op.flops / groupFlops[gi]
                                                          : 1.0 / static_cast<double>(group.size());
                op.startMs = merged ? now : start;
                op.endMs = merged ? now + stageMs : start + groupMs * share;
                start = op.endMs;
                ts.ops.push_back(op);
            }
        }
        now = ts.endMs;
        t.stages.push_back(std::move(ts));
    }
    t.totalMs = now;
    return t;
}

} // namespace ioscope
