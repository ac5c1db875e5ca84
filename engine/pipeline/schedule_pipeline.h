#pragma once
// The one schedule pipeline every front end runs (ioscope-cli `schedule`, the explorer's search,
// its headless mode, the benchmarks): a request goes in (scheduler and its parameters, run
// configuration, budget) with a cost model; out come the schedule kept, its predicted stage and
// op times, the wavefront and sequential baselines under the same model, the lower bound and,
// with a live-profiling cost model, the end-to-end measurement that chose between them. The
// front ends only build the request and show the outcome, so they cannot disagree.
#include "gpu/gpu_execution.h"
#include "sched/scheduler.h"
#include "sched/timeline.h"
#include "schedule/schedule_json.h"
#include "util/cancel.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ioscope {

struct ScheduleRequest {
    std::string scheduler = "ios"; // or a fast scheduler's name (sched/fast_schedulers.h)
    SchedulerOptions options;
    bool withBaselines = true; // also the wavefront and sequential schedules under the same model
    bool withDetail = false;   // each op's time alone and the predicted timeline (the explorer's views)
    bool operator==(const ScheduleRequest&) const = default;
};

// One schedule and its predicted times under the request's cost model.
struct CostedSchedule {
    std::string scheduler; // what produced it: "ios", "wavefront", "sequential", "nimble", ...
    Schedule schedule;
    double latencyMs = 0; // the sum of stageLatencyMs (as the scheduler itself added them up)
    std::vector<double> stageLatencyMs;
    SearchStats stats;
    // withDetail only:
    std::vector<double> opLatencyMs; // each op run alone, indexed by OpId
    PredictedTimeline predicted;
};

// A searched schedule is judged as a whole where the cost model profiles live: the searched
// schedule and its rivals (the wavefront, the sequential and each fast scheduler's schedule) are
// each run end to end, identical schedules once, and the fastest is kept (MeasuredChoice,
// gpu/gpu_execution.h), because stage times measured one by one can misjudge what a whole graph
// does (the IOS paper's own code picks NasNet and RandWire schedules 10% slower than sequential
// on an H200 for exactly this reason), and the anytime answer must never measure slower than a
// fast scheduler's.
// Runs a whole schedule end to end and returns its median latency in ms.
using WholeRunTimer = std::function<double(const Graph&, const Schedule&)>;
// The GPU runtime's timer (gpu/gpu_execution.h) on `gpu` in `mode` and `run`.
WholeRunTimer gpuWholeRunTimer(GpuContext& gpu, ExecMode mode, const RunConfig& run);

// The live-profiling cost model `cost` is ("gpu", "gpu:stages": it says the context and mode it
// measures in), or null for the others.
const GpuMeasuredCostModel* isLiveCostModel(const CostModel& cost);

struct PipelineHooks {
    ProgressCallback progress; // the search's progress; a last call with fraction 1 at the end
    CancelFlag cancel = nullptr;
    // Judges the searched schedule as a whole when set; empty: the GPU runtime's timer for live
    // cost models (on the context they measure on), none for the others.
    WholeRunTimer wholeRunTimer;
    // When the request's time limit began counting: a front end's own GPU work before the
    // pipeline (the CLI's layout probe) is part of the budget. Empty: on entry.
    std::optional<std::chrono::steady_clock::time_point> budgetStart;
};

struct ScheduleOutcome {
    CostedSchedule chosen; // the schedule to write
    // "ios", or what was kept instead: a fast scheduler's schedule predicted faster, or a rival
    // (a baseline or a fast scheduler's schedule) measured faster (then `measured` says by how much).
    std::string origin = "ios";
    std::optional<MeasuredChoice> measured;
    std::optional<CostedSchedule> wavefront, sequential; // withBaselines
    double lowerBoundMs = 0;                             // critical path and work under the cost model
    // The IOS search's own share of the request's time limit (0: none). With a whole-run
    // judgement the limit covers it too: the baselines are costed and the rivals run before the
    // search, which gets what is left less one whole run (the searched schedule's), at least a
    // tenth of the limit (searchShareOfLimit).
    double searchLimitSeconds = 0;
};

// Throws InputError for an unknown scheduler, Cancelled when hooks.cancel is raised.
ScheduleOutcome runSchedulePipeline(const Graph& g, CostModel& cost, const ScheduleRequest& request,
                                    const PipelineHooks& hooks = {});

// An existing schedule (a loaded file, an edit) costed as the pipeline costs its own.
CostedSchedule costExistingSchedule(const Graph& g, const std::string& scheduler, Schedule schedule,
                                    CostModel& cost, const ScheduleRequest& request,
                                    CancelFlag cancel = nullptr);

// A schedule with the name it is judged under.
struct NamedSchedule {
    std::string name;
    Schedule schedule;
};

// The rivals a searched schedule is judged against, in order: the wavefront (`options`' stream
// limit), the sequential schedule, then each fast scheduler's schedule of the whole graph
// (sched/fast_schedulers.h, from each op's latency alone under `cost`), those equal to an
// earlier one left out.
std::vector<NamedSchedule> wholeRunRivals(const Graph& g, CostModel& cost, const SchedulerOptions& options);

// The rivals, each distinct schedule run once with `timer`, before the search they judge (they
// do not depend on it), so that the time they take is known when the search's share of a
// limit is set.
struct TimedRivals {
    std::vector<NamedSchedule> rivals;
    std::vector<double> ms;          // each rival's median, in order
    std::vector<std::string> sameAs; // the earlier rival whose time it shares; empty when run
    int runs = 0;
    double longestRunSeconds = 0; // wall clock of the slowest timer call: what one more judgement costs
};
TimedRivals timeRivals(const Graph& g, std::vector<NamedSchedule> rivals, const WholeRunTimer& timer,
                       CancelFlag cancel = nullptr);

// What the search may spend of `limitSeconds` (0: no limit, and none is returned) when
// `spentSeconds` are gone and `reserveSeconds` must remain for the work after it: the rest, but
// at least a tenth of the limit, so that a search always runs.
double searchShareOfLimit(double limitSeconds, double spentSeconds, double reserveSeconds);

// Judges `searched` against timed rivals: it is run unless it equals one of them, the fastest
// is kept, the earliest on ties (the searched one first). Candidates are reported searched
// first; a rival equal to it, or to an earlier rival, shares that one's time (`sameAs`).
MeasuredChoice chooseFastestWhole(const Graph& g, const Schedule& searched, const TimedRivals& rivals,
                                  const WholeRunTimer& timer);
// The same with the rivals timed here. Exposed for `ioscope-cli profile`, which verifies a
// search the same way.
MeasuredChoice chooseFastestWhole(const Graph& g, const Schedule& searched,
                                  const std::vector<NamedSchedule>& rivals, const WholeRunTimer& timer);
// The searched schedule against the wavefront and the sequential one only.
MeasuredChoice chooseFastestWhole(const Graph& g, const Schedule& searched, const Schedule& wavefront,
                                  const Schedule& sequential, const WholeRunTimer& timer);

// A document of `schedule` carrying the scheduler, its options and the cost model it was made
// with, and no search facts (the callers add those they have).
ScheduleDocument scheduleDocumentWith(const Graph& g, Schedule schedule, const std::string& scheduler,
                                      const SchedulerOptions& options, const CostModel& cost);

// The schedule file's document for `outcome` (what `schedule -o` and the explorer's export write).
ScheduleDocument scheduleDocumentFor(const Graph& g, const CostModel& cost, const ScheduleRequest& request,
                                     const ScheduleOutcome& outcome);

} // namespace ioscope
