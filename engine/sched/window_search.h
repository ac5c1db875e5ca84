#pragma once
// Anytime improvement of a part's schedule (docs/schedulers.md, "Anytime search"): windows of
// consecutive stages are re-solved exactly by the IOS DP over their ops and replaced when that
// is faster. A window of whole consecutive stages can be rescheduled on its own: every producer
// of its ops runs in it or before it, every consumer outside it after it. Windows start small
// (few DP states each) and grow pass by pass, so a good schedule comes early and the last pass
// may cover the whole part (then it is the exact DP's answer).
#include "sched/part_dp.h"

#include <functional>

namespace ioscope::detail {

// Thrown by `expired` callers inside a window's DP; caught by improveByWindows.
struct WindowBudgetExhausted {};

struct WindowSearchStats {
    int windowsSolved = 0, windowsImproved = 0, passes = 0;
    long long largestWindowStates = 0;
    bool coveredWholePart = false; // a window held every op of the part: the result is the DP's optimum
    bool converged = false;        // the largest windows improved nothing: more passes would not either
};

// Improves `stages` (a valid schedule of a part, in order) in place and returns its
// latency. `stageMs` holds each stage's latency (updated with the stages). Stops when a window
// covering the whole part was solved, when windows reach `maxWindowStates` DP states and a pass
// improves nothing, or when `expired()` turns true (checked between windows and every few
// thousand transitions inside one). `progress`, when given, is called with the stages' latency
// so far (it never increases) after every window and every few thousand transitions inside one,
// `stats` then holding the windows done.
double improveByWindows(const Graph& g, std::vector<Stage>& stages, std::vector<double>& stageMs,
                        CostModel& cost, const SchedulerOptions& options, const std::vector<double>& singleMs,
                        SearchCounters& counters, CancelFlag cancel, const std::function<bool()>& expired,
                        long long maxWindowStates, WindowSearchStats* stats = nullptr,
                        const std::function<void(double latencyMs)>& progress = {});

// Predecessor-closed subsets of `ops` (the DP's states), counted up to `cap` (then `capped`).
// `stop`, when given, is asked every few thousand states; true counts as capped.
long long countClosedSubsets(const Graph& g, const std::vector<OpId>& ops, long long cap, bool& capped,
                             const std::function<bool()>& stop = {});

} // namespace ioscope::detail
