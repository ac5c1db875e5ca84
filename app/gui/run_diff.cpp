#include "run_diff.h"

#include <algorithm>

namespace ioscope::app {
namespace {

struct Places {
    std::vector<int> stage, group; // by OpId, -1 when absent
};

Places placesOf(const Graph& g, const Schedule& s) {
    Places p{std::vector<int>(size_t(g.size()), -1), std::vector<int>(size_t(g.size()), -1)};
    for (size_t k = 0; k < s.stages.size(); ++k)
        for (size_t gi = 0; gi < s.stages[k].groups.size(); ++gi)
            for (OpId op : s.stages[k].groups[gi])
                if (op >= 0 && op < g.size()) {
                    p.stage[size_t(op)] = int(k);
                    p.group[size_t(op)] = int(gi);
                }
    return p;
}

// The ops sharing `op`'s stage (or its group too), sorted: comparable across schedules.
std::vector<OpId> mates(const Schedule& s, const Places& p, OpId op, bool group) {
    const Stage& st = s.stages[size_t(p.stage[size_t(op)])];
    std::vector<OpId> out;
    if (group)
        out = st.groups[size_t(p.group[size_t(op)])];
    else
        out = st.allOps();
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

RunDiff diffRuns(const Graph& g, const ScheduleRun& before, const ScheduleRun& after) {
    RunDiff d;
    d.change.assign(size_t(g.size()), OpChange::Absent);
    const Places a = placesOf(g, before.schedule), b = placesOf(g, after.schedule);
    for (OpId op : g.units()) {
        OpChange& c = d.change[size_t(op)];
        if (a.stage[size_t(op)] < 0 || b.stage[size_t(op)] < 0) continue;
        if (mates(before.schedule, a, op, false) != mates(after.schedule, b, op, false)) {
            c = OpChange::Stage;
            ++d.stage;
        } else if (mates(before.schedule, a, op, true) != mates(after.schedule, b, op, true)) {
            c = OpChange::Stream;
            ++d.stream;
        } else {
            c = OpChange::Same;
            ++d.same;
        }
    }
    const size_t rows = std::max(before.schedule.stages.size(), after.schedule.stages.size());
    for (size_t k = 0; k < rows; ++k) {
        StageDiffRow row;
        row.stage = int(k);
        if (k < before.stageLatencyMs.size()) row.beforeMs = before.stageLatencyMs[k];
        if (k < after.stageLatencyMs.size()) row.afterMs = after.stageLatencyMs[k];
        if (k < after.schedule.stages.size())
            for (OpId op : after.schedule.stages[k].allOps())
                if (d.change[size_t(op)] == OpChange::Stage) ++row.opsMoved;
        d.stages.push_back(row);
    }
    d.beforeMs = before.latencyMs;
    d.afterMs = after.latencyMs;
    return d;
}

} // namespace ioscope::app
