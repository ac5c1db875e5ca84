#pragma once
// The IOS search for cost models that measure stages in batches (live GPU profiling). The DP
// runs first on estimates (the simulated model, scaled to the measured single ops); every stage
// it costed and that is not measured yet is measured in one batch; the DP runs again on the
// measurements, estimating only stages never measured, and so on until a run asks for nothing
// new. That last run used measured latencies only, so its result is exactly the DP's answer
// under the live model, reached with a few large batches instead of one measurement per stage.
#include "sched/scheduler.h"

#include <functional>
#include <optional>
#include <vector>

namespace ioscope::detail {

// One whole IOS search (the DP over all parts plus the wavefront comparison) with `cost`,
// within `secondsLeft` (0: no limit).
using SearchOnce =
    std::function<ScheduleResult(CostModel& cost, const ProgressCallback& progress, double secondsLeft)>;

// With a time limit (0: none) the whole search fits in it: the first pass (on estimates) gets at
// most half, searching and measuring stop at 85%, and when measuring was cut one last pass on what
// was measured (a stage of several ops it lacks costing its ops one after another) gets 80% of the
// rest; its schedule is returned with its still unmeasured stages measured (a few), marked
// incomplete. With a limit each pass's schedule is measured first in its batch, and the answer is
// the fastest on measurements of the passes' schedules and of their parts combined
// (bestPartByPart).
ScheduleResult batchedSearch(const Graph& g, CostModel& measured, const RunConfig& run,
                             double timeLimitSeconds, int maxPartSize, const SearchOnce& searchOnce,
                             const ProgressCallback& progress, CancelFlag cancel);

// The parts (analysis/partition.h, at `maxPartSize`) are consecutive and run one after another,
// so a schedule's latency is the sum of its parts': `passes` combined part by part, each part's
// stages from the schedule whose stages there measure fastest on `measured`. A time-limited search
// on a wide graph (RandWire) finishes some parts exactly in its last pass and keeps the first
// pass's stages in others, and neither whole schedule is the best of both. Nothing when no
// schedule splits into parts (a fast scheduler's stages may span them).
std::optional<ScheduleResult> bestPartByPart(const Graph& g, const std::vector<const ScheduleResult*>& passes,
                                             CostModel& measured, const RunConfig& run, int maxPartSize);

} // namespace ioscope::detail
