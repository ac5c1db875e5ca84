#pragma once
// Schedulers (docs/semantics.md): the IOS dynamic program, the sequential and wavefront baselines,
// and an exhaustive search for tiny graphs. Results are deterministic.
#include "cost/cost_model.h"
#include "schedule/schedule.h"
#include "util/cancel.h"
#include "util/progress.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ioscope {

enum class StrategySet { Parallel, Merge, Both };
std::string_view toString(StrategySet s);
std::optional<StrategySet> strategySetFromString(std::string_view s);

struct SchedulerOptions {
    int maxGroupSize = 3; // r
    int maxGroups = 8;    // s
    StrategySet strategy = StrategySet::Both;
    int maxPartSize = 50;
    int maxStreams = 10; // wavefront
    RunConfig run;
    // Anytime search: past this many seconds (0: no limit) the search stops and returns its
    // best valid schedule so far: parts the DP finished keep their exact stages, the others
    // take the best of the fast schedulers' stages for the part (sched/fast_schedulers.h); the
    // whole is never worse than any fast scheduler's schedule of the whole graph. With live
    // profiling the stages measured so far stay measured.
    double timeLimitSeconds = 0;
    bool operator==(const SchedulerOptions&) const = default;
};

struct SearchStats {
    long long states = 0;
    long long transitions = 0;
    long long stagesCosted = 0; // distinct stages the cost model was asked for
    double seconds = 0;
    bool complete = true; // false when the time limit stopped the search
    int parts = 0, partsExact = 0;
    // Single ops moved between stages by the anytime search (sched/window_search.h); with live
    // profiling, over all its passes.
    long long moves = 0;
    // Live profiling stopped by the time limit: stages the last pass costed from the simulated
    // estimate because they were not measured in time (the chosen schedule's are measured after).
    long long stagesEstimated = 0;
    // Live profiling with a limit: the first pass asked for more stages than the limit could
    // measure, so the later passes searched on estimates corrected by a measured sample of them.
    bool estimatesCorrected = false;
    // A lower bound on any schedule's latency under the cost model (sched/lower_bound.h);
    // 0 when not computed.
    double lowerBoundMs = 0;
};

// What a time-limited search that was not exact (stats.complete false) did, for the front ends:
// "the time limit (20 s) stopped the search: 3 of 24 parts searched exactly, the others kept the
// best fast schedule improved by single-op moves and windowed DP"; "the search ended before its
// time limit" when it returned before 90% of the limit (moves and windows stopped improving and
// the exact DP would not fit); or, when every part was searched exactly but live profiling ran out
// of time, that the DP used estimates for the stages not measured.
std::string timeLimitNote(const SearchStats& stats, double timeLimitSeconds);

// What a search will cost, known before paying for it (well under a second): the DP's states
// (predecessor-closed sets of ops) of every part, counted up to a cap.
struct SearchSizeEstimate {
    int parts = 0;
    int largestPartOps = 0;
    long long states = 0;            // over all parts (a lower bound when `capped`)
    long long largestPartStates = 0; // the part with the most states
    bool capped = false;
    std::string summary() const; // "12 parts, 5,434 states (largest part: 2,104 states over 31 ops)"
};
SearchSizeEstimate estimateSearchSize(const Graph& g, const SchedulerOptions& options,
                                      long long stateCap = 2'000'000);

struct ScheduleResult {
    Schedule schedule;
    double latencyMs = 0; // predicted: sum of stage latencies under the cost model
    SearchStats stats;
    // "ios", or the fast scheduler whose schedule was returned instead because it was predicted
    // faster ("wavefront", "nimble", ...: its stages may exceed the DP's limits or cross a part).
    std::string origin = "ios";
};

// Throws Cancelled when *cancel becomes true (checked often enough to stop within ~100 ms).
ScheduleResult iosSchedule(const Graph& g, CostModel& cost, const SchedulerOptions& options,
                           const ProgressCallback& progress = {}, CancelFlag cancel = nullptr);

// sequentialSchedule(g) is in schedule/schedule.h.
Schedule wavefrontSchedule(const Graph& g, int maxStreams = 10);

// Every valid schedule is enumerated (tests and teaching; throws InputError above 10 units).
ScheduleResult exhaustiveSchedule(const Graph& g, CostModel& cost, const SchedulerOptions& options);

// The latency of each stage of a schedule under a cost model. A model that measures in batches
// (live profiling) measures the stages not known yet together, in the schedule's order.
std::vector<double> stageLatenciesMs(const Graph& g, const std::vector<Stage>& stages, CostModel& cost,
                                     const RunConfig& run);
// Sum of the stage latencies of a schedule under a cost model.
double predictLatencyMs(const Graph& g, const Schedule& s, CostModel& cost, const RunConfig& run);

} // namespace ioscope
