#pragma once
// Anytime improvement of a part's schedule (docs/schedulers.md, "Anytime search"): windows of
// consecutive stages are re-solved exactly by the IOS DP over their ops and replaced when that
// is faster. A window of whole consecutive stages can be rescheduled on its own: every producer
// of its ops runs in it or before it, every consumer outside it after it. Windows start small
// (few DP states each) and grow pass by pass, so a good schedule comes early and the last pass
// may cover the whole part (then it is the exact DP's answer, or better). Before each pass, single
// ops move between stages (improveByMoves), milliseconds a pass.
#include "sched/part_dp.h"

#include <functional>
#include <map>

namespace ioscope::detail {

// Thrown by `expired` callers inside a window's DP; caught by improveByWindows.
struct WindowBudgetExhausted {};

struct WindowSearchStats {
    int windowsSolved = 0, windowsImproved = 0, passes = 0;
    int moves = 0; // single ops moved between stages (improveByMoves)
    long long largestWindowStates = 0;
    // Set by the caller: the threads a window's DP may use (PartDp::useThreads; for a cost model
    // whose latencies are fixed and thread-safe only).
    int threads = 1;
    bool coveredWholePart =
        false;              // a window held every op of the part: the result is the DP's optimum or better
    bool converged = false; // the largest windows improved nothing: more passes would not either
    // What a later call on the same part goes on from: the window cap reached and the op sets of
    // the windows solved, with their optimum (a window's DP depends on its ops alone, so one whose
    // stages already cost that is not solved again).
    long long cap = 0;
    std::map<std::vector<OpId>, double> solved;
};

// Improves `stages` (a valid schedule of a part, in order) in place and returns its
// latency. Each pass first moves single ops between stages (improveByMoves), then re-solves the
// windows. `stageMs` holds each stage's latency (updated with the stages). Stops when a window
// covering the whole part was solved, when windows reach `maxWindowStates` DP states and a pass
// improves nothing, or when `expired()` turns true (checked between windows and every few
// thousand transitions inside one). `progress`, when given, is called with the stages' latency
// so far (it never increases) after every window and every few thousand transitions inside one,
// `stats` then holding the windows done. A later call with the same `stats` goes on from it.
double improveByWindows(const Graph& g, std::vector<Stage>& stages, std::vector<double>& stageMs,
                        CostModel& cost, const SchedulerOptions& options, const std::vector<double>& singleMs,
                        SearchCounters& counters, CancelFlag cancel, const std::function<bool()>& expired,
                        long long maxWindowStates, WindowSearchStats* stats = nullptr,
                        const std::function<void(double latencyMs)>& progress = {});

// Moves single ops of concurrent stages to another concurrent stage while that makes the two
// stages faster, the best move of each op first; returns the latency. An op goes after its
// producers' stages and before its consumers', as a group of its own (at most s a stage) or at
// the end of a group of fewer than r ops; once no such move is left, also at the end of its
// producers' group (in their stage) or the front of its consumers' when those are one group. A
// group may so hold ops with no edge between them (one stream runs them in order), which the
// DP's groups never do. `movesMade`, when given, counts the moves. Stops when `expired()` turns
// true.
double improveByMoves(const Graph& g, std::vector<Stage>& stages, std::vector<double>& stageMs,
                      CostModel& cost, const SchedulerOptions& options, const std::vector<double>& singleMs,
                      SearchCounters& counters, const std::function<bool()>& expired,
                      int* movesMade = nullptr);

// Predecessor-closed subsets of `ops` (the DP's states), counted up to `cap` (then `capped`).
// `stop`, when given, is asked every few thousand states; true counts as capped.
long long countClosedSubsets(const Graph& g, const std::vector<OpId>& ops, long long cap, bool& capped,
                             const std::function<bool()>& stop = {});

} // namespace ioscope::detail
