// iosSchedule: the IOS dynamic program run part by part (stages never cross a part), with
// progress, cancellation and statistics.
#include "analysis/partition.h"
#include "sched/batched_search.h"
#include "sched/fast_schedulers.h"
#include "sched/lower_bound.h"
#include "sched/part_dp.h"
#include "sched/scheduler.h"
#include "util/errors.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

namespace ioscope {
namespace {

void checkOptions(const SchedulerOptions& o) {
    if (o.maxGroupSize < 1 || o.maxGroupSize > 64)
        throw InputError("max group size (r) must be in 1..64, got " + std::to_string(o.maxGroupSize));
    if (o.maxGroups < 1 || o.maxGroups > 64)
        throw InputError("max number of groups (s) must be in 1..64, got " + std::to_string(o.maxGroups));
    if (o.maxPartSize < 1 || o.maxPartSize > detail::kMaxPartOps)
        throw InputError("max part size must be in 1.." + std::to_string(detail::kMaxPartOps) + ", got " +
                         std::to_string(o.maxPartSize));
}

// Thrown from inside a part's DP when the time limit has passed.
struct BudgetExhausted {};

// A part's stages when its DP did not finish: the best of the fast schedulers on the part
// (sequential first, so ties keep it), their stages at most s groups wide. Merge-only searches
// have no concurrent stages: the part runs op by op.
std::vector<Stage> fallbackStages(const Graph& g, const std::vector<OpId>& part, CostModel& cost,
                                  const SchedulerOptions& options, const std::vector<double>& singleMs,
                                  double& latencyMs, long long& stagesCosted) {
    SchedulerOptions narrow = options;
    narrow.maxStreams = std::max(1, std::min(options.maxGroups, options.maxStreams));
    std::vector<Stage> best;
    latencyMs = std::numeric_limits<double>::infinity();
    for (FastScheduler s : allFastSchedulers()) {
        if (options.strategy == StrategySet::Merge && s != FastScheduler::Sequential) continue;
        std::vector<Stage> stages = fastStages(s, g, part, narrow, singleMs);
        double ms = 0;
        for (const Stage& st : stages) {
            if (st.opCount() == 1) {
                ms += singleMs[size_t(st.groups.front().front())];
                continue;
            }
            ms += cost.stageLatencyMs(g, st, options.run);
            ++stagesCosted;
        }
        if (ms < latencyMs) {
            latencyMs = ms;
            best = std::move(stages);
        }
    }
    return best;
}

} // namespace

namespace detail {

ScheduleResult searchParts(const Graph& g, const std::vector<std::vector<OpId>>& parts, CostModel& cost,
                           const SchedulerOptions& options, const ProgressCallback& progress,
                           const std::atomic<bool>* cancel, double incumbentMs) {
    checkOptions(options);
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    auto cancelled = [&] { return cancelRequested(cancel); };

    ScheduleResult result;
    detail::SearchCounters counters;

    // Every op alone: the sequential fallback of each state, and the "rest" of the best-so-far
    // estimate reported while the search runs.
    std::vector<double> singleMs(static_cast<size_t>(g.size()), 0.0);
    double sequentialRest = 0;
    for (OpId u : g.units()) {
        if (cancelled()) throw Cancelled();
        const double ms = cost.stageLatencyMs(g, Stage{Strategy::Concurrent, {{u}}}, options.run);
        if (!std::isfinite(ms) || ms < 0)
            throw InputError(cost.name() + ": op '" + g.op(u).name + "' costs " + std::to_string(ms) +
                             " ms; the cost model's parameters are out of range");
        singleMs[static_cast<size_t>(u)] = ms;
        sequentialRest += singleMs[static_cast<size_t>(u)];
        ++counters.stagesCosted;
    }

    const double totalOps = std::max<size_t>(1, g.units().size());
    int opsDone = 0;
    double finishedMs = 0;
    double lastReport = -1;
    auto report = [&](double partFraction, int partSize, bool force) {
        if (!progress) return;
        const double now = elapsed();
        if (!force && now - lastReport < 0.05) return; // at most ~20 reports a second
        lastReport = now;
        SearchProgress p;
        p.fraction = std::min(1.0, (opsDone + partFraction * partSize) / totalOps);
        p.states = counters.states;
        p.transitions = counters.transitions;
        p.stagesCosted = counters.stagesCosted;
        // The running part and those after it count as sequential; a fast schedule may be better.
        p.bestLatencyMs = std::min(incumbentMs, finishedMs + sequentialRest);
        progress(p);
    };

    // A part's DP stops at nine tenths of the limit; each part after it still gets a short try
    // of its own (small parts after a huge one finish in milliseconds), then takes its fallback.
    // The tries end by the limit, so many wide parts cannot add up to an overrun.
    const double limit = options.timeLimitSeconds;
    const double graceEnd = limit;
    double partDeadline = 0.9 * limit;
    const auto overBudget = [&] { return limit > 0 && elapsed() > partDeadline; };
    bool stopped = false;
    {
        for (const std::vector<OpId>& part : parts) {
            double partSequentialMs = 0;
            for (OpId u : part) partSequentialMs += singleMs[static_cast<size_t>(u)];
            const int partSize = static_cast<int>(part.size());
            double partMs = 0;
            std::vector<Stage> stages;
            if (stopped)
                partDeadline =
                    std::min(elapsed() + std::max(0.01, 0.02 * limit), std::max(graceEnd, elapsed() + 0.01));
            bool exact = false;
            {
                try {
                    detail::PartDp dp(g, part, cost, options, singleMs, counters, cancel, [&](double f) {
                        if (overBudget()) throw BudgetExhausted{};
                        report(f, partSize, false);
                    });
                    partMs = dp.solve();
                    stages = dp.bestStages();
                    ++result.stats.partsExact;
                    exact = true;
                } catch (const BudgetExhausted&) {
                    stopped = true;
                }
            }
            if (!exact) {
                if (cancelled()) throw Cancelled();
                stages = fallbackStages(g, part, cost, options, singleMs, partMs, counters.stagesCosted);
            }
            for (Stage& st : stages) result.schedule.stages.push_back(std::move(st));
            finishedMs += partMs;
            sequentialRest -= partSequentialMs;
            opsDone += partSize;
            report(0, 0, true);
        }
    }

    result.latencyMs = finishedMs;
    result.stats.complete = !stopped;
    result.stats.parts = static_cast<int>(parts.size());
    result.stats.states = counters.states;
    result.stats.transitions = counters.transitions;
    result.stats.stagesCosted = counters.stagesCosted;
    result.stats.seconds = elapsed();
    return result;
}

} // namespace detail

namespace {

ScheduleResult searchOnce(const Graph& g, CostModel& cost, const SchedulerOptions& options,
                          const ProgressCallback& progress, const std::atomic<bool>* cancel) {
    const auto start = std::chrono::steady_clock::now();
    const auto cancelled = [&] { return cancel && cancel->load(std::memory_order_relaxed); };
    // The fast schedulers first (milliseconds): the incumbent every progress report shows, and
    // the answer when the DP's is not better. The DP is exact within its space, which holds the
    // sequential schedule, but their stages may hold more than s groups or r ops a group, or
    // span two parts. Under the merge strategy alone only the sequential one is in the space.
    const std::vector<double> singleMs = singleOpLatenciesMs(g, cost, options.run);
    std::optional<ScheduleResult> incumbent;
    long long fastStagesCosted = 0;
    if (options.strategy != StrategySet::Merge)
        for (FastScheduler s : allFastSchedulers()) {
            if (cancelled()) throw Cancelled();
            Schedule candidate{fastStages(s, g, g.units(), options, singleMs)};
            const double ms = predictLatencyMs(g, candidate, cost, options.run);
            for (const Stage& st : candidate.stages) fastStagesCosted += st.opCount() > 1;
            if (!incumbent || ms < incumbent->latencyMs) {
                incumbent.emplace();
                incumbent->schedule = std::move(candidate);
                incumbent->latencyMs = ms;
                incumbent->origin = std::string(toString(s));
            }
        }

    std::vector<std::vector<OpId>> parts;
    for (Block& block : partitionBlocks(g, options.maxPartSize))
        for (std::vector<OpId>& part : block.parts) parts.push_back(std::move(part));
    ScheduleResult result =
        detail::searchParts(g, parts, cost, options, progress, cancel,
                            incumbent ? incumbent->latencyMs : std::numeric_limits<double>::infinity());
    result.stats.stagesCosted += fastStagesCosted;
    if (incumbent && incumbent->latencyMs < result.latencyMs) {
        result.schedule = std::move(incumbent->schedule);
        result.latencyMs = incumbent->latencyMs;
        result.origin = incumbent->origin;
    }
    result.stats.lowerBoundMs = latencyLowerBound(g, g.units(), cost, options.run, singleMs).boundMs;
    result.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace

ScheduleResult iosSchedule(const Graph& g, CostModel& cost, const SchedulerOptions& options,
                           const ProgressCallback& progress, const std::atomic<bool>* cancel) {
    checkOptions(options);
    if (!cost.measuresInBatches()) return searchOnce(g, cost, options, progress, cancel);
    return detail::batchedSearch(
        g, cost, options.run, options.timeLimitSeconds,
        [&](CostModel& speculative, const ProgressCallback& passProgress, double secondsLeft) {
            SchedulerOptions pass = options;
            pass.timeLimitSeconds = secondsLeft;
            return searchOnce(g, speculative, pass, passProgress, cancel);
        },
        progress, cancel);
}

} // namespace ioscope
