#pragma once
// Chrome trace JSON (Trace Event Format; opens in Perfetto and chrome://tracing) of a schedule's
// predicted timeline: process 1 has a row of stages and one row per concurrent lane with the
// ops and their arguments; a measured kernel timeline, when given, becomes process 2 with one
// row per stream.
#include "gpu/gpu_execution.h"
#include "sched/timeline.h"

#include <string>
#include <vector>

namespace ioscope {

struct TraceSources {
    std::string predictedLabel = "predicted";            // e.g. "predicted: sim:H100"
    const std::vector<KernelRecord>* measured = nullptr; // CUPTI kernels of one run, or none
    std::string measuredLabel = "measured kernels";
};

std::string chromeTraceJson(const Graph& g, const Schedule& s, const PredictedTimeline& predicted,
                            const TraceSources& sources = {});

// Atomic; throws RuntimeFailure naming the file when it cannot be written.
void saveChromeTrace(const std::string& path, const std::string& traceJson);

} // namespace ioscope
