#pragma once
// The one search every front end runs (CLI `schedule`, the explorer, the benchmarks): the IOS
// search under a cost model and, when that model profiles live on the GPU, the judgement of
// the whole (DESIGN.md §4): the searched, wavefront and sequential schedules measured end to end
// in the profiles' mode, the fastest kept. Keeping it in one place keeps the front ends agreeing.
#include "exec/gpu_execution.h"
#include "sched/scheduler.h"

#include <optional>
#include <string>

namespace ioscope {

struct SearchOutcome {
    ScheduleResult result;                  // the schedule kept; latencyMs predicted by the cost model
    std::string origin = "ios";             // "ios", "wavefront" or "sequential"
    std::optional<MeasuredChoice> measured; // live cost models only
};

// True for the live-profiling cost models ("gpu", "gpu:stages"); `mode` is where they measure.
bool isLiveCostModel(const CostModel& cost, ExecMode* mode = nullptr);

SearchOutcome searchSchedule(const Graph& g, CostModel& cost, const SchedulerOptions& options,
                             const ProgressCallback& progress = {},
                             const std::atomic<bool>* cancel = nullptr);

} // namespace ioscope
