// The sequential and wavefront baselines, strategy-set names and schedule latency prediction.
#include "sched/scheduler.h"
#include "util/errors.h"

#include <algorithm>
#include <numeric>

namespace ioscope {

std::string_view toString(StrategySet s) {
    switch (s) {
    case StrategySet::Parallel:
        return "parallel";
    case StrategySet::Merge:
        return "merge";
    case StrategySet::Both:
        return "both";
    }
    return "both";
}

std::optional<StrategySet> strategySetFromString(std::string_view s) {
    if (s == "parallel") return StrategySet::Parallel;
    if (s == "merge") return StrategySet::Merge;
    if (s == "both") return StrategySet::Both;
    return std::nullopt;
}

// Every op whose producers have all run is ready; the first maxStreams ready ops (in
// topological order) form the next stage, one op per group; the others wait for the next one.
Schedule wavefrontSchedule(const Graph& g, int maxStreams) {
    if (maxStreams < 1) throw InputError("max streams must be at least 1, got " + std::to_string(maxStreams));
    const auto n = static_cast<size_t>(g.size());
    std::vector<int> waitingOn(n, 0);
    for (OpId u : g.units())
        for (OpId p : g.predecessors(u))
            if (g.isUnit(p)) ++waitingOn[static_cast<size_t>(u)];
    std::vector<OpId> ready;
    for (OpId u : g.units())
        if (waitingOn[static_cast<size_t>(u)] == 0) ready.push_back(u);

    Schedule s;
    while (!ready.empty()) {
        std::sort(ready.begin(), ready.end());
        const size_t take = std::min(ready.size(), static_cast<size_t>(maxStreams));
        Stage st;
        std::vector<OpId> next(ready.begin() + static_cast<long>(take), ready.end());
        for (size_t i = 0; i < take; ++i) {
            const OpId u = ready[i];
            st.groups.push_back({u});
            for (OpId v : g.successors(u))
                if (--waitingOn[static_cast<size_t>(v)] == 0) next.push_back(v);
        }
        s.stages.push_back(std::move(st));
        ready = std::move(next);
    }
    return s;
}

std::vector<double> stageLatenciesMs(const Graph& g, const std::vector<Stage>& stages, CostModel& cost,
                                     const RunConfig& run) {
    if (cost.measuresInBatches()) {
        std::vector<Stage> unknown;
        for (const Stage& st : stages)
            if (!cost.knownLatencyMs(g, st, run)) unknown.push_back(st);
        if (!unknown.empty()) cost.measureBatch(g, unknown, run, {}, nullptr);
    }
    std::vector<double> ms;
    ms.reserve(stages.size());
    for (const Stage& st : stages) ms.push_back(cost.stageLatencyMs(g, st, run));
    return ms;
}

double predictLatencyMs(const Graph& g, const Schedule& s, CostModel& cost, const RunConfig& run) {
    const std::vector<double> ms = stageLatenciesMs(g, s.stages, cost, run);
    return std::accumulate(ms.begin(), ms.end(), 0.0);
}

} // namespace ioscope
