// iosSchedule: the IOS dynamic program run part by part (stages never cross a part), with
// progress, cancellation and statistics.
#include "analysis/partition.h"
#include "sched/batched_search.h"
#include "sched/part_dp.h"
#include "sched/scheduler.h"
#include "util/errors.h"

#include <chrono>

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

} // namespace

namespace detail {

ScheduleResult searchParts(const Graph& g, const std::vector<std::vector<OpId>>& parts, CostModel& cost,
                           const SchedulerOptions& options, const ProgressCallback& progress,
                           const std::atomic<bool>* cancel) {
    checkOptions(options);
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    auto cancelled = [&] { return cancel && cancel->load(std::memory_order_relaxed); };

    ScheduleResult result;
    detail::SearchCounters counters;

    // Every op alone: the sequential fallback of each state, and the "rest" of the best-so-far
    // estimate reported while the search runs.
    std::vector<double> singleMs(static_cast<size_t>(g.size()), 0.0);
    double sequentialRest = 0;
    for (OpId u : g.units()) {
        if (cancelled()) throw Cancelled();
        singleMs[static_cast<size_t>(u)] =
            cost.stageLatencyMs(g, Stage{Strategy::Concurrent, {{u}}}, options.run);
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
        p.bestLatencyMs = finishedMs + sequentialRest; // the running part counts as sequential
        progress(p);
    };

    {
        for (const std::vector<OpId>& part : parts) {
            double partSequentialMs = 0;
            for (OpId u : part) partSequentialMs += singleMs[static_cast<size_t>(u)];
            const int partSize = static_cast<int>(part.size());
            detail::PartDp dp(g, part, cost, options, singleMs, counters, cancel,
                              [&](double f) { report(f, partSize, false); });
            const double partMs = dp.solve();
            for (Stage& st : dp.bestStages()) result.schedule.stages.push_back(std::move(st));
            finishedMs += partMs;
            sequentialRest -= partSequentialMs;
            opsDone += partSize;
            report(0, 0, true);
        }
    }

    result.latencyMs = finishedMs;
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
    std::vector<std::vector<OpId>> parts;
    for (Block& block : partitionBlocks(g, options.maxPartSize))
        for (std::vector<OpId>& part : block.parts) parts.push_back(std::move(part));
    ScheduleResult result = detail::searchParts(g, parts, cost, options, progress, cancel);

    // The DP is exact within its space and that space holds the sequential schedule, but a
    // wavefront stage may hold more than s groups or span two parts. The promise is "never
    // worse than either baseline", so the wavefront schedule wins when it is predicted faster
    // (under the parallel strategies only: wavefront stages are concurrent ones).
    if (options.strategy == StrategySet::Merge) return result;
    const Schedule wavefront = wavefrontSchedule(g, options.maxStreams);
    if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
    const double wavefrontMs = predictLatencyMs(g, wavefront, cost, options.run);
    for (const Stage& st : wavefront.stages)
        if (st.opCount() > 1) ++result.stats.stagesCosted;
    if (wavefrontMs < result.latencyMs) {
        result.schedule = wavefront;
        result.latencyMs = wavefrontMs;
        result.origin = "wavefront";
    }
    result.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace

ScheduleResult iosSchedule(const Graph& g, CostModel& cost, const SchedulerOptions& options,
                           const ProgressCallback& progress, const std::atomic<bool>* cancel) {
    checkOptions(options);
    if (!cost.measuresInBatches()) return searchOnce(g, cost, options, progress, cancel);
    return detail::batchedSearch(
        g, cost, options.run,
        [&](CostModel& speculative, const ProgressCallback& passProgress) {
            return searchOnce(g, speculative, options, passProgress, cancel);
        },
        progress, cancel);
}

} // namespace ioscope
