#pragma once
// The explorer's Chrome trace (Perfetto): every run of the document as its own process ("IOS #1
// predicted · IOS both r=3 s=8 · sim:H100 · b1 fp32", and its measured kernels when executed),
// in the order of the results table, so runs can be compared on one screen.
#include "schedule_run.h"

#include <deque>
#include <string>

namespace ioscope::app {

// Throws what chromeTraceJson throws (a run that does not fit the graph).
std::string documentTraceJson(const Graph& g, const std::deque<ScheduleRun>& runs);

} // namespace ioscope::app
