#pragma once
// `ioscope-cli schedule MODEL --devices N [--link nvlink|pcie|GBS,US]`: a schedule over N GPUs
// of one host, simulated (sched/multi_gpu_scheduler.h, docs/multi_gpu.md).
#include "cli_args.h"
#include "cost/cost_model.h"
#include "sched/scheduler.h"

namespace ioscope::cli {

// The rest of `schedule` once the model, the cost model and the search options are known.
int scheduleOnDevices(const Args& args, const Graph& g, CostModel& cost, const SchedulerOptions& options);

} // namespace ioscope::cli
