// iosSchedule: the IOS dynamic program run part by part (stages never cross a part), with
// progress, cancellation and statistics.
#include "analysis/partition.h"
#include "sched/batched_search.h"
#include "sched/part_dp.h"
#include "sched/scheduler.h"
#include "util/errors.h"

#include <chrono>
#include <cmath>

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

// A part's stages when its DP did not finish: the better of its ops one by one and its
// wavefront (every op whose producers in the part have run, at most s of them per stage).
std::vector<Stage> fallbackStages(const Graph& g, const std::vector<OpId>& part, CostModel& cost,
                                  const SchedulerOptions& options, const std::vector<double>& singleMs,
                                  double& latencyMs, long long& stagesCosted) {
    std::vector<Stage> sequential;
    double sequentialMs = 0;
    for (OpId u : part) {
        sequential.push_back(Stage{Strategy::Concurrent, {{u}}});
        sequentialMs += singleMs[size_t(u)];
    }
    latencyMs = sequentialMs;
    if (options.strategy == StrategySet::Merge) return sequential;
    std::vector<char> inPart(size_t(g.size()), 0), done(size_t(g.size()), 0);
    for (OpId u : part) inPart[size_t(u)] = 1;
    const size_t width = size_t(std::max(1, std::min(options.maxGroups, options.maxStreams)));
    std::vector<Stage> wave;
    double waveMs = 0;
    size_t placed = 0;
    while (placed < part.size()) {
        Stage st;
        for (OpId u : part) {
            if (done[size_t(u)] || st.groups.size() == width) continue;
            bool ready = true;
            for (OpId p : g.predecessors(u)) ready = ready && (!inPart[size_t(p)] || done[size_t(p)]);
            if (ready) st.groups.push_back({u});
        }
        // Marked after the scan: an op never joins the stage of its own producer.
        for (const auto& group : st.groups) done[size_t(group.front())] = 1;
        placed += st.groups.size();
        waveMs += st.groups.size() == 1 ? singleMs[size_t(st.groups.front().front())]
                                        : cost.stageLatencyMs(g, st, options.run);
        stagesCosted += st.groups.size() > 1;
        wave.push_back(std::move(st));
    }
    if (waveMs < sequentialMs) {
        latencyMs = waveMs;
        return wave;
    }
    return sequential;
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
        p.bestLatencyMs = finishedMs + sequentialRest; // the running part counts as sequential
        progress(p);
    };

    // Past the limit, each remaining part still gets a short try of its own (small parts after
    // a huge one finish in milliseconds), then takes its fallback.
    const double limit = options.timeLimitSeconds;
    double partDeadline = limit;
    const auto overBudget = [&] { return limit > 0 && elapsed() > partDeadline; };
    bool stopped = false;
    {
        for (const std::vector<OpId>& part : parts) {
            double partSequentialMs = 0;
            for (OpId u : part) partSequentialMs += singleMs[static_cast<size_t>(u)];
            const int partSize = static_cast<int>(part.size());
            double partMs = 0;
            std::vector<Stage> stages;
            if (stopped) partDeadline = elapsed() + std::max(0.01, 0.02 * limit);
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
        g, cost, options.run, options.timeLimitSeconds,
        [&](CostModel& speculative, const ProgressCallback& passProgress, double secondsLeft) {
            SchedulerOptions pass = options;
            pass.timeLimitSeconds = secondsLeft;
            return searchOnce(g, speculative, pass, passProgress, cancel);
        },
        progress, cancel);
}

} // namespace ioscope
