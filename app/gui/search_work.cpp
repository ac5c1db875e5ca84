#include "search_work.h"

#include "cost/cost_factory.h"
#include "qt_text.h"

namespace ioscope::app {
namespace {

ScheduleRun toRun(CostedSchedule c, SchedulerKind kind, const SearchRequest& request, const CostModel& cost) {
    ScheduleRun run;
    run.request = request;
    run.request.scheduler = kind;
    run.scheduler = kind;
    run.schedule = std::move(c.schedule);
    run.latencyMs = c.latencyMs;
    run.stageLatencyMs = std::move(c.stageLatencyMs);
    run.opLatencyMs = std::move(c.opLatencyMs);
    run.predicted = std::move(c.predicted);
    run.stats = c.stats;
    run.costDevice = qs(cost.device());
    return run;
}

} // namespace

ScheduleRequest toScheduleRequest(const SearchRequest& request) {
    ScheduleRequest r;
    r.scheduler = ss(toCliString(request.scheduler));
    r.options = request.options;
    r.withBaselines = request.withBaselines && request.scheduler == SchedulerKind::Ios;
    r.withDetail = true;
    return r;
}

std::vector<ScheduleRun> runSearch(const Graph& graph, const SearchRequest& request, GpuContext& gpu,
                                   const ProgressCallback& progress, CancelFlag cancel) {
    const auto cost = makeCostModel(ss(request.costSpec), request.options.run, &gpu);
    PipelineHooks hooks;
    hooks.progress = progress;
    hooks.cancel = cancel;
    return runSearch(graph, request, *cost, hooks);
}

std::vector<ScheduleRun> runSearch(const Graph& graph, const SearchRequest& request, CostModel& cost,
                                   const PipelineHooks& hooks) {
    ScheduleOutcome outcome = runSchedulePipeline(graph, cost, toScheduleRequest(request), hooks);
    std::vector<ScheduleRun> runs;
    ScheduleRun run = toRun(std::move(outcome.chosen), request.scheduler, request, cost);
    if (request.scheduler == SchedulerKind::Ios) run.origin = outcome.origin; // what IOS kept instead
    if (outcome.measured) run.measuredNote = outcome.measured->note;
    runs.push_back(std::move(run));
    if (outcome.wavefront)
        runs.push_back(toRun(std::move(*outcome.wavefront), SchedulerKind::Wavefront, request, cost));
    if (outcome.sequential)
        runs.push_back(toRun(std::move(*outcome.sequential), SchedulerKind::Sequential, request, cost));
    return runs;
}

ScheduleRun costSchedule(const Graph& graph, const Schedule& schedule, SchedulerKind kind,
                         const SearchRequest& request, GpuContext& gpu, CancelFlag cancel) {
    const auto cost = makeCostModel(ss(request.costSpec), request.options.run, &gpu);
    ScheduleRequest r = toScheduleRequest(request);
    return toRun(costExistingSchedule(graph, ss(toCliString(kind)), schedule, *cost, r, cancel), kind,
                 request, *cost);
}

} // namespace ioscope::app
