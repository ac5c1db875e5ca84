#include "search_work.h"

#include "cost/cost_factory.h"
#include "exec/search_pipeline.h"
#include "qt_text.h"
#include "sched/fast_schedulers.h"
#include "util/errors.h"

#include <chrono>
#include <numeric>

namespace ioscope::app {
namespace {

void throwIfCancelled(const std::atomic<bool>* cancel) {
    if (cancel && cancel->load()) throw Cancelled();
}

// Fills the predicted per-stage and per-op times of `run` from `cost`.
void costRun(const Graph& g, ScheduleRun& run, CostModel& cost, const RunConfig& cfg,
             const std::atomic<bool>* cancel) {
    throwIfCancelled(cancel);
    run.stageLatencyMs = stageLatenciesMs(g, run.schedule.stages, cost, cfg);
    run.latencyMs = std::accumulate(run.stageLatencyMs.begin(), run.stageLatencyMs.end(), 0.0);
    throwIfCancelled(cancel);
    std::vector<Stage> solos;
    for (OpId id : g.units()) solos.push_back(Stage{Strategy::Concurrent, {{id}}});
    const std::vector<double> soloMs = stageLatenciesMs(g, solos, cost, cfg);
    run.opLatencyMs.assign(static_cast<size_t>(g.size()), 0.0);
    for (size_t i = 0; i < solos.size(); ++i)
        run.opLatencyMs[static_cast<size_t>(solos[i].groups.front().front())] = soloMs[i];
    throwIfCancelled(cancel);
    run.predicted = predictTimeline(g, run.schedule, cost, cfg);
    run.costDevice = qs(cost.device());
}

ScheduleRun baseline(const Graph& g, SchedulerKind kind, const SearchRequest& request, CostModel& cost,
                     const std::atomic<bool>* cancel) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    ScheduleRun run;
    run.request = request;
    run.request.scheduler = kind;
    run.scheduler = kind;
    if (kind == SchedulerKind::Sequential)
        run.schedule = sequentialSchedule(g);
    else if (kind == SchedulerKind::Wavefront)
        run.schedule = wavefrontSchedule(g, request.options.maxStreams);
    else if (const auto fast = fastSchedulerFromString(ss(toCliString(kind))))
        run.schedule = fastSchedule(*fast, g, cost, request.options).schedule;
    costRun(g, run, cost, request.options.run, cancel);
    run.stats.stagesCosted = static_cast<long long>(run.schedule.stages.size());
    run.stats.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return run;
}

} // namespace

std::vector<ScheduleRun> runSearch(const Graph& graph, const SearchRequest& request,
                                   const ProgressCallback& progress, const std::atomic<bool>* cancel) {
    const auto cost = makeCostModel(ss(request.costSpec), request.options.run);
    std::vector<ScheduleRun> runs;
    if (request.scheduler == SchedulerKind::Ios) {
        // The same search and keep-the-faster judgement as the CLI (exec/search_pipeline.h).
        SearchOutcome outcome = searchSchedule(graph, *cost, request.options, progress, cancel);
        ScheduleRun run;
        run.request = request;
        run.scheduler = SchedulerKind::Ios;
        run.schedule = std::move(outcome.result.schedule);
        run.stats = outcome.result.stats;
        run.origin = outcome.origin;
        if (outcome.measured) run.measuredNote = outcome.measured->note;
        costRun(graph, run, *cost, request.options.run, cancel);
        runs.push_back(std::move(run));
        if (request.withBaselines) {
            runs.push_back(baseline(graph, SchedulerKind::Wavefront, request, *cost, cancel));
            runs.push_back(baseline(graph, SchedulerKind::Sequential, request, *cost, cancel));
        }
    } else {
        runs.push_back(baseline(graph, request.scheduler, request, *cost, cancel));
    }
    if (progress) {
        SearchProgress done;
        done.fraction = 1.0;
        done.states = runs.front().stats.states;
        done.transitions = runs.front().stats.transitions;
        done.stagesCosted = runs.front().stats.stagesCosted;
        done.bestLatencyMs = runs.front().latencyMs;
        progress(done);
    }
    return runs;
}

ScheduleRun costSchedule(const Graph& graph, const Schedule& schedule, SchedulerKind kind,
                         const SearchRequest& request, const std::atomic<bool>* cancel) {
    const auto cost = makeCostModel(ss(request.costSpec), request.options.run);
    ScheduleRun run;
    run.request = request;
    run.request.scheduler = kind;
    run.scheduler = kind;
    run.schedule = schedule;
    costRun(graph, run, *cost, request.options.run, cancel);
    return run;
}

} // namespace ioscope::app
