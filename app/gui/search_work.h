#pragma once
// The search itself, free of Qt objects so a worker thread can run it: build the cost model,
// run the chosen scheduler, cost every stage and every op alone (the timeline's boxes), and
// optionally the wavefront and sequential baselines under the same model.
#include "schedule_run.h"

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace ioscope::app {

// Runs `request` on `graph`. The first run returned is the requested one; baselines follow.
// Throws Cancelled when *cancel is raised, InputError / RuntimeFailure on failure.
std::vector<ScheduleRun> runSearch(const Graph& graph, const SearchRequest& request,
                                   const ProgressCallback& progress, const std::atomic<bool>* cancel);

// Costs an existing schedule (a loaded schedule file) as a run of `kind`.
ScheduleRun costSchedule(const Graph& graph, const Schedule& schedule, SchedulerKind kind,
                         const SearchRequest& request, const std::atomic<bool>* cancel);

} // namespace ioscope::app
