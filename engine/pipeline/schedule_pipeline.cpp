#include "pipeline/schedule_pipeline.h"

#include "sched/fast_schedulers.h"
#include "sched/lower_bound.h"
#include "util/errors.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

namespace ioscope {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Each unit run alone under `cost`, indexed by OpId: the explorer's per-op boxes.
std::vector<double> soloLatenciesMs(const Graph& g, CostModel& cost, const RunConfig& run) {
    std::vector<Stage> solos;
    for (OpId id : g.units()) solos.push_back(Stage{Strategy::Concurrent, {{id}}});
    const std::vector<double> ms = stageLatenciesMs(g, solos, cost, run);
    std::vector<double> out(static_cast<size_t>(g.size()), 0.0);
    for (size_t i = 0; i < solos.size(); ++i)
        out[static_cast<size_t>(solos[i].groups.front().front())] = ms[i];
    return out;
}

// Fills the predicted times of `c.schedule` under `cost` (and its timeline when asked).
void costSchedule(const Graph& g, CostedSchedule& c, CostModel& cost, const ScheduleRequest& request,
                  const std::vector<double>& soloMs, CancelFlag cancel) {
    throwIfCancelled(cancel);
    const RunConfig& run = request.options.run;
    c.stageLatencyMs = stageLatenciesMs(g, c.schedule.stages, cost, run);
    c.latencyMs = std::accumulate(c.stageLatencyMs.begin(), c.stageLatencyMs.end(), 0.0);
    if (!request.withDetail) return;
    throwIfCancelled(cancel);
    c.opLatencyMs = soloMs;
    c.predicted = predictTimeline(g, c.schedule, cost, run);
}

CostedSchedule baseline(const Graph& g, const std::string& name, Schedule schedule, CostModel& cost,
                        const ScheduleRequest& request, const std::vector<double>& soloMs,
                        CancelFlag cancel) {
    const auto t0 = Clock::now();
    CostedSchedule c;
    c.scheduler = name;
    c.schedule = std::move(schedule);
    costSchedule(g, c, cost, request, soloMs, cancel);
    c.stats.stagesCosted = static_cast<long long>(c.schedule.stages.size());
    c.stats.seconds = secondsSince(t0);
    return c;
}

} // namespace

const GpuMeasuredCostModel* isLiveCostModel(const CostModel& cost) {
    return dynamic_cast<const GpuMeasuredCostModel*>(&cost);
}

WholeRunTimer gpuWholeRunTimer(GpuContext& gpu, ExecMode mode, const RunConfig& run) {
    return [&gpu, mode, run](const Graph& g, const Schedule& s) {
        ExecutionOptions o;
        o.mode = mode;
        o.run = run;
        o.utilization = false;
        o.keepOutputs = false;
        return executeOnGpu(gpu, g, s, o).medianMs;
    };
}

CostedSchedule costExistingSchedule(const Graph& g, const std::string& scheduler, Schedule schedule,
                                    CostModel& cost, const ScheduleRequest& request, CancelFlag cancel) {
    throwIfCancelled(cancel);
    const std::vector<double> soloMs =
        request.withDetail ? soloLatenciesMs(g, cost, request.options.run) : std::vector<double>{};
    return baseline(g, scheduler, std::move(schedule), cost, request, soloMs, cancel);
}

std::vector<NamedSchedule> wholeRunRivals(const Graph& g, CostModel& cost, const SchedulerOptions& options) {
    std::vector<NamedSchedule> rivals;
    const auto add = [&](std::string name, Schedule s) {
        for (const NamedSchedule& r : rivals)
            if (r.schedule == s) return;
        rivals.push_back({std::move(name), std::move(s)});
    };
    add("wavefront", wavefrontSchedule(g, options.maxStreams));
    add("sequential", sequentialSchedule(g));
    const std::vector<double> singleMs = singleOpLatenciesMs(g, cost, options.run);
    for (FastScheduler f : allFastSchedulers()) {
        if (f == FastScheduler::Sequential || f == FastScheduler::Wavefront) continue; // the baselines above
        add(std::string(toString(f)), Schedule{fastStages(f, g, g.units(), options, singleMs)});
    }
    return rivals;
}

TimedRivals timeRivals(const Graph& g, std::vector<NamedSchedule> rivals, const WholeRunTimer& timer,
                       CancelFlag cancel) {
    TimedRivals t;
    t.rivals = std::move(rivals);
    for (size_t i = 0; i < t.rivals.size(); ++i) {
        std::string sameAs;
        double ms = 0;
        for (size_t k = 0; k < i && sameAs.empty(); ++k)
            if (t.rivals[k].schedule == t.rivals[i].schedule) {
                sameAs = t.sameAs[k].empty() ? t.rivals[k].name : t.sameAs[k];
                ms = t.ms[k];
            }
        if (sameAs.empty()) {
            throwIfCancelled(cancel);
            const auto t0 = Clock::now();
            ms = timer(g, t.rivals[i].schedule);
            t.longestRunSeconds = std::max(t.longestRunSeconds, secondsSince(t0));
            ++t.runs;
        }
        t.ms.push_back(ms);
        t.sameAs.push_back(std::move(sameAs));
    }
    return t;
}

double searchShareOfLimit(double limitSeconds, double spentSeconds, double reserveSeconds) {
    if (limitSeconds <= 0) return 0;
    return std::max(limitSeconds - spentSeconds - reserveSeconds, 0.1 * limitSeconds);
}

MeasuredChoice chooseFastestWhole(const Graph& g, const Schedule& searched, const TimedRivals& timed,
                                  const WholeRunTimer& timer) {
    MeasuredChoice c;
    std::vector<const Schedule*> schedules{&searched};
    const auto equal = std::find_if(timed.rivals.begin(), timed.rivals.end(),
                                    [&](const NamedSchedule& r) { return r.schedule == searched; });
    const bool searchedRun = equal == timed.rivals.end();
    c.candidates.push_back(
        {"searched", searchedRun ? timer(g, searched) : timed.ms[size_t(equal - timed.rivals.begin())], {}});
    c.runs = timed.runs + (searchedRun ? 1 : 0);
    for (size_t i = 0; i < timed.rivals.size(); ++i) {
        const NamedSchedule& r = timed.rivals[i];
        MeasuredCandidate m{r.name, timed.ms[i], r.schedule == searched ? "searched" : timed.sameAs[i]};
        schedules.push_back(&r.schedule);
        c.candidates.push_back(std::move(m));
    }
    size_t best = 0;
    for (size_t k = 1; k < c.candidates.size(); ++k)
        if (c.candidates[k].ms < c.candidates[best].ms) best = k;
    c.kept = c.candidates[best].name;
    c.keptMs = c.candidates[best].ms;
    c.schedule = *schedules[best];
    c.keptSearched = best == 0;
    c.searchedMs = c.candidates.front().ms;
    double sequentialMs = 0;
    std::string list;
    for (const MeasuredCandidate& m : c.candidates) {
        if (m.name == "wavefront") c.wavefrontMs = m.ms;
        if (m.name == "sequential") sequentialMs = c.sequentialMs = m.ms;
        char buf[128];
        if (m.sameAs.empty())
            std::snprintf(buf, sizeof buf, "%s%s %.4f ms", list.empty() ? "" : ", ", m.name.c_str(), m.ms);
        else
            std::snprintf(buf, sizeof buf, "%s%s = %s", list.empty() ? "" : ", ", m.name.c_str(),
                          m.sameAs.c_str());
        list += buf;
    }
    char tail[160];
    if (c.keptSearched)
        std::snprintf(tail, sizeof tail, "; kept the searched schedule");
    else
        std::snprintf(tail, sizeof tail, "; %s measured faster, kept the %s schedule", c.kept.c_str(),
                      c.kept.c_str());
    c.note = "measured end to end: " + list + tail;
    if (sequentialMs > 0) {
        std::snprintf(tail, sizeof tail, " (%.2fx sequential)", sequentialMs / c.keptMs);
        c.note += tail;
    }
    return c;
}

MeasuredChoice chooseFastestWhole(const Graph& g, const Schedule& searched,
                                  const std::vector<NamedSchedule>& rivals, const WholeRunTimer& timer) {
    return chooseFastestWhole(g, searched, timeRivals(g, rivals, timer), timer);
}

MeasuredChoice chooseFastestWhole(const Graph& g, const Schedule& searched, const Schedule& wavefront,
                                  const Schedule& sequential, const WholeRunTimer& timer) {
    return chooseFastestWhole(g, searched, {{"wavefront", wavefront}, {"sequential", sequential}}, timer);
}

ScheduleOutcome runSchedulePipeline(const Graph& g, CostModel& cost, const ScheduleRequest& request,
                                    const PipelineHooks& hooks) {
    const auto budgetStart = hooks.budgetStart.value_or(Clock::now());
    const std::optional<FastScheduler> fast = fastSchedulerFromString(request.scheduler);
    if (request.scheduler != "ios" && !fast)
        throw InputError("unknown scheduler '" + request.scheduler + "' (ios, " + fastSchedulerNamesText() +
                         ")");
    const SchedulerOptions& options = request.options;
    ScheduleOutcome out;
    out.chosen.scheduler = request.scheduler;
    // The baselines are built once, with the request's stream limit, and serve as the
    // whole-run comparison, the printed baselines and the explorer's lanes alike. They are
    // costed first: under a live model that measures their stages, part of the budget.
    const std::vector<double> soloMs =
        request.withDetail ? soloLatenciesMs(g, cost, options.run) : std::vector<double>{};
    if (request.withBaselines) {
        out.wavefront = baseline(g, "wavefront", wavefrontSchedule(g, options.maxStreams), cost, request,
                                 soloMs, hooks.cancel);
        out.sequential =
            baseline(g, "sequential", sequentialSchedule(g), cost, request, soloMs, hooks.cancel);
    }

    // The latency a scheduler reports stands (the DP's own sum); a schedule kept instead is re-costed.
    std::optional<double> reportedMs;
    if (fast) {
        const ScheduleResult r = fastSchedule(*fast, g, cost, options);
        out.chosen.schedule = r.schedule;
        out.chosen.stats = r.stats;
        out.chosen.stats.stagesCosted = static_cast<long long>(r.schedule.stages.size()); // as a baseline's
        reportedMs = r.latencyMs;
        out.origin = request.scheduler;
    } else {
        WholeRunTimer timer = hooks.wholeRunTimer;
        if (const GpuMeasuredCostModel* live = isLiveCostModel(cost); !timer && live)
            timer = gpuWholeRunTimer(live->gpuContext(), live->mode(), options.run);
        // The rivals do not depend on the search: run first, they tell what the judgement after
        // it costs, and the search gets the rest of the limit.
        std::optional<TimedRivals> rivals;
        SchedulerOptions searchOptions = options;
        if (timer) {
            rivals = timeRivals(g, wholeRunRivals(g, cost, options), timer, hooks.cancel);
            searchOptions.timeLimitSeconds = searchShareOfLimit(
                options.timeLimitSeconds, secondsSince(budgetStart), rivals->longestRunSeconds);
        }
        out.searchLimitSeconds = searchOptions.timeLimitSeconds;
        ScheduleResult r = iosSchedule(g, cost, searchOptions, hooks.progress, hooks.cancel);
        out.origin = r.origin;
        out.chosen.stats = r.stats;
        out.chosen.schedule = std::move(r.schedule);
        reportedMs = r.latencyMs;
        if (timer) {
            throwIfCancelled(hooks.cancel);
            MeasuredChoice choice = chooseFastestWhole(g, out.chosen.schedule, *rivals, timer);
            if (!choice.keptSearched) {
                out.chosen.schedule = choice.schedule;
                out.origin = choice.kept;
                reportedMs.reset();
            }
            out.measured = std::move(choice);
        }
    }
    costSchedule(g, out.chosen, cost, request, soloMs, hooks.cancel);
    if (reportedMs) out.chosen.latencyMs = *reportedMs;
    throwIfCancelled(hooks.cancel);
    out.lowerBoundMs = out.chosen.stats.lowerBoundMs > 0 ? out.chosen.stats.lowerBoundMs
                                                         : latencyLowerBound(g, cost, options.run).boundMs;
    if (hooks.progress) {
        Progress done;
        done.fraction = 1.0;
        done.states = out.chosen.stats.states;
        done.transitions = out.chosen.stats.transitions;
        done.stagesCosted = out.chosen.stats.stagesCosted;
        done.bestLatencyMs = out.chosen.latencyMs;
        hooks.progress(done);
    }
    return out;
}

ScheduleDocument scheduleDocumentWith(const Graph& g, Schedule schedule, const std::string& scheduler,
                                      const SchedulerOptions& options, const CostModel& cost) {
    ScheduleDocument doc = makeScheduleDocument(g, std::move(schedule));
    doc.scheduler = scheduler;
    doc.maxGroupSize = options.maxGroupSize;
    doc.maxGroups = options.maxGroups;
    doc.strategy = std::string(toString(options.strategy));
    doc.maxPartSize = options.maxPartSize;
    doc.maxStreams = options.maxStreams;
    doc.costModel = cost.name();
    doc.device = cost.device();
    doc.run = options.run;
    return doc;
}

ScheduleDocument scheduleDocumentFor(const Graph& g, const CostModel& cost, const ScheduleRequest& request,
                                     const ScheduleOutcome& outcome) {
    const SchedulerOptions& options = request.options;
    ScheduleDocument doc = scheduleDocumentWith(g, outcome.chosen.schedule, request.scheduler, options, cost);
    doc.latencyMs = outcome.chosen.latencyMs;
    if (request.scheduler == "ios") {
        const SearchStats& s = outcome.chosen.stats;
        ScheduleSearchInfo info{s.states,  s.transitions, s.stagesCosted,
                                s.seconds, s.complete,    options.timeLimitSeconds};
        if (s.lowerBoundMs > 0) {
            info.lowerBoundMs = s.lowerBoundMs;
            info.gap = gapToBound(outcome.chosen.latencyMs, s.lowerBoundMs);
        }
        doc.search = info;
    }
    if (outcome.measured) {
        MeasuredLatency m;
        m.medianMs = outcome.measured->keptMs;
        m.runs = ExecutionOptions{}.runs;
        const GpuMeasuredCostModel* live = isLiveCostModel(cost);
        m.mode = live && live->mode() == ExecMode::Stages ? "stages" : "graph";
        m.device = doc.device;
        m.kept = outcome.measured->kept;
        for (const MeasuredCandidate& c : outcome.measured->candidates)
            m.candidates.push_back({c.name, c.ms});
        doc.measured = m;
    }
    return doc;
}

} // namespace ioscope
