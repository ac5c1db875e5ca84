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
    // Align the stages: equal op sets are matched along a longest common subsequence; between two
    // matches, the stages left over face each other in order, and the surplus stands alone.
    const auto keys = [](const Schedule& s) {
        std::vector<std::vector<OpId>> k;
        for (const Stage& st : s.stages) {
            std::vector<OpId> ops = st.allOps();
            std::sort(ops.begin(), ops.end());
            k.push_back(std::move(ops));
        }
        return k;
    };
    const auto ka = keys(before.schedule), kb = keys(after.schedule);
    const size_t n = ka.size(), m = kb.size();
    std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0)); // from (i, j) to the ends
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            lcs[i][j] = ka[i] == kb[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    const auto addRow = [&](int i, int j) {
        StageDiffRow row;
        row.stage = int(d.stages.size());
        row.beforeStage = i;
        row.afterStage = j;
        if (i >= 0 && size_t(i) < before.stageLatencyMs.size())
            row.beforeMs = before.stageLatencyMs[size_t(i)];
        if (j >= 0 && size_t(j) < after.stageLatencyMs.size()) row.afterMs = after.stageLatencyMs[size_t(j)];
        if (j >= 0)
            for (OpId op : after.schedule.stages[size_t(j)].allOps())
                if (d.change[size_t(op)] == OpChange::Stage) ++row.opsMoved;
        d.stages.push_back(row);
    };
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && ka[i] == kb[j] && lcs[i][j] == lcs[i + 1][j + 1] + 1) {
            addRow(int(i++), int(j++));
            continue;
        }
        // The gap up to the next match (or the ends).
        size_t i2 = i, j2 = j;
        while (i2 < n || j2 < m) {
            if (i2 < n && j2 < m && ka[i2] == kb[j2] && lcs[i2][j2] == lcs[i2 + 1][j2 + 1] + 1) break;
            if (j2 >= m || (i2 < n && lcs[i2 + 1][j2] >= lcs[i2][j2 + 1]))
                ++i2;
            else
                ++j2;
        }
        while (i < i2 || j < j2) addRow(i < i2 ? int(i++) : -1, j < j2 ? int(j++) : -1);
    }
    d.beforeMs = before.latencyMs;
    d.afterMs = after.latencyMs;
    return d;
}

std::pair<int, int> defaultDiffPair(const std::deque<ScheduleRun>& runs, int currentRunId) {
    if (runs.size() < 2) return {-1, -1};
    const ScheduleRun* after = &runs.back();
    for (const ScheduleRun& r : runs)
        if (r.id == currentRunId) after = &r;
    const ScheduleRun* before = nullptr;
    if (!after->editedFrom.isEmpty())
        for (const ScheduleRun& r : runs)
            if (r.id != after->id && r.label() == after->editedFrom) before = &r;
    for (const ScheduleRun& r : runs) {
        if (before && before->label() == after->editedFrom) break; // the run the edits came from
        if (r.id == after->id || r.schedule == after->schedule || !whyNotComparable(r, *after).isEmpty())
            continue;
        if (!before || r.latencyMs < before->latencyMs) before = &r;
    }
    if (!before) // nothing distinct and comparable: the newest other run
        for (auto it = runs.rbegin(); it != runs.rend() && !before; ++it)
            if (it->id != after->id) before = &*it;
    return {before->id, after->id};
}

} // namespace ioscope::app
