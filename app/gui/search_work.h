#pragma once
// The explorer's adapter over the schedule pipeline (pipeline/schedule_pipeline.h), free of Qt
// objects so a worker thread can run it: the search panel's request in, the explorer's runs out.
#include "pipeline/schedule_pipeline.h"
#include "schedule_run.h"

#include <vector>

namespace ioscope::app {

// The pipeline's request for the search panel's: the same scheduler, options and run
// configuration; with each op's time and the predicted timeline the views draw.
ScheduleRequest toScheduleRequest(const SearchRequest& request);

// Runs `request` on `graph` (a live cost model measures on `gpu`). The first run returned is the
// requested one; for IOS with baselines, the wavefront and sequential runs follow. Throws
// Cancelled when *cancel is raised, InputError / RuntimeFailure on failure.
std::vector<ScheduleRun> runSearch(const Graph& graph, const SearchRequest& request, GpuContext& gpu,
                                   const ProgressCallback& progress, CancelFlag cancel);
// The same under a given cost model (request.costSpec is only recorded) and hooks.
std::vector<ScheduleRun> runSearch(const Graph& graph, const SearchRequest& request, CostModel& cost,
                                   const PipelineHooks& hooks);

// Costs an existing schedule (a loaded schedule file, an edit) as a run of `kind`.
ScheduleRun costSchedule(const Graph& graph, const Schedule& schedule, SchedulerKind kind,
                         const SearchRequest& request, GpuContext& gpu, CancelFlag cancel);

} // namespace ioscope::app
