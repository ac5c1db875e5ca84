#pragma once
// The IOS search for cost models that measure stages in batches (live GPU profiling). The DP
// runs first on estimates (the simulated model, scaled to the measured single ops); every stage
// it costed and that is not measured yet is measured in one batch; the DP runs again on the
// measurements, estimating only stages never measured, and so on until a run asks for nothing
// new. That last run used measured latencies only, so its result is exactly the DP's answer
// under the live model, reached with a few large batches instead of one measurement per stage.
#include "sched/scheduler.h"

#include <functional>

namespace ioscope::detail {

// One whole IOS search (the DP over all parts plus the wavefront comparison) with `cost`,
// within `secondsLeft` (0: no limit).
using SearchOnce =
    std::function<ScheduleResult(CostModel& cost, const ProgressCallback& progress, double secondsLeft)>;

// With a time limit (0: none) the whole search fits in it: the first pass (on estimates) gets at
// most half, searching and measuring stop at 90%, and when measuring was cut one last pass on what
// was measured gets half of the rest; its schedule is returned with its still unmeasured stages
// measured (a few), marked incomplete. With a limit each pass's schedule is measured first in its
// batch, and the answer is the fastest of the passes' schedules on measurements.
ScheduleResult batchedSearch(const Graph& g, CostModel& measured, const RunConfig& run,
                             double timeLimitSeconds, const SearchOnce& searchOnce,
                             const ProgressCallback& progress, CancelFlag cancel);

} // namespace ioscope::detail
