// iosSchedule: the IOS dynamic program run part by part (stages never cross a part), with
// progress, cancellation and statistics.
#include "analysis/partition.h"
#include "sched/batched_search.h"
#include "sched/fast_schedulers.h"
#include "sched/lower_bound.h"
#include "sched/part_dp.h"
#include "sched/scheduler.h"
#include "sched/window_search.h"
#include "util/errors.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

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

// The budgeted search's shape (docs/schedulers.md, "Anytime search"). Parts with fewer DP
// states than this are solved exactly first; the others are "wide".
constexpr long long kNarrowPartStates = 20'000;
// A wide part's full DP is tried only below this many states (beyond, it cannot finish in
// minutes on one core), and a window holds at most this many.
constexpr long long kExactTryStates = 1'000'000;
constexpr long long kMaxWindowStates = 200'000;
constexpr double kDpStatesPerSecond = 30'000;
// Iterated local search once a part's windows converged: stages split a round, and the window cap
// of its rounds (a tenth of the first search's: rounds of a few tens of milliseconds, same answers
// on the graphs of docs/benchmarks.md).
constexpr int kPerturbedStages = 2;
constexpr long long kPerturbedWindowStates = 20'000;
// The share of the limit the parts may use; the rest covers the fallbacks of parts left and
// the comparisons after the search.
constexpr double kLimitUsed = 0.97;

// A part's stages when its DP did not finish: the best of the fast schedulers on the part
// (sequential first, so ties keep it), their stages at most s groups wide. Merge-only searches
// have no concurrent stages: the part runs op by op.
std::vector<Stage> fallbackStages(const Graph& g, const std::vector<OpId>& part, CostModel& cost,
                                  const SchedulerOptions& options, const std::vector<double>& singleMs,
                                  std::vector<double>& stageMs, long long& stagesCosted) {
    SchedulerOptions narrow = options;
    narrow.maxStreams = std::max(1, std::min(options.maxGroups, options.maxStreams));
    std::vector<Stage> best;
    double latencyMs = std::numeric_limits<double>::infinity();
    for (FastScheduler s : allFastSchedulers()) {
        if (options.strategy == StrategySet::Merge && s != FastScheduler::Sequential) continue;
        std::vector<Stage> stages = fastStages(s, g, part, narrow, singleMs);
        std::vector<double> each;
        double ms = 0;
        for (const Stage& st : stages) {
            if (st.opCount() == 1) {
                each.push_back(singleMs[size_t(st.groups.front().front())]);
            } else {
                each.push_back(cost.stageLatencyMs(g, st, options.run));
                ++stagesCosted;
            }
            ms += each.back();
        }
        if (ms < latencyMs) {
            latencyMs = ms;
            best = std::move(stages);
            stageMs = std::move(each);
        }
    }
    return best;
}

} // namespace

namespace detail {

ScheduleResult searchParts(const Graph& g, const std::vector<std::vector<OpId>>& parts, CostModel& cost,
                           const SchedulerOptions& options, const ProgressCallback& progress,
                           CancelFlag cancel, double incumbentMs) {
    checkOptions(options);
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };

    ScheduleResult result;
    detail::SearchCounters counters;

    // Every op alone: the sequential fallback of each state, and the "rest" of the best-so-far
    // estimate reported while the search runs.
    std::vector<double> singleMs(static_cast<size_t>(g.size()), 0.0);
    double sequentialRest = 0;
    for (OpId u : g.units()) {
        throwIfCancelled(cancel);
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
    const double limit = options.timeLimitSeconds;
    // Reports never go back: the fraction only grows (with a time limit, it follows the clock
    // too, as the search ends at the limit), the best latency only falls.
    double reportedFraction = 0, reportedBest = incumbentMs;
    // The running part's latency so far when its windows are being improved (then it replaces
    // its ops' sequential latencies in the estimate), else infinity.
    double partSoFarMs = std::numeric_limits<double>::infinity(), partSequentialMs = 0;
    long long windowsSolved = 0; // by the parts before the running one, and by it
    auto report = [&](double partFraction, int partSize, bool force) {
        if (!progress) return;
        const double now = elapsed();
        if (!force && now - lastReport < 0.05) return; // at most ~20 reports a second
        lastReport = now;
        Progress p;
        double fraction = (opsDone + partFraction * partSize) / totalOps;
        if (limit > 0) fraction = std::max(fraction, now / limit);
        reportedFraction = std::max(reportedFraction, std::min(1.0, fraction));
        p.fraction = reportedFraction;
        p.states = counters.states;
        p.transitions = counters.transitions;
        p.stagesCosted = counters.stagesCosted;
        p.done = windowsSolved; // windows re-solved (no total: the anytime search ends on the clock)
        // The running part and those after it count as sequential (the running part as its
        // windows stand, when they are being improved); a fast schedule may be better.
        double estimate = finishedMs + sequentialRest;
        if (std::isfinite(partSoFarMs))
            estimate = finishedMs + partSoFarMs + (sequentialRest - partSequentialMs);
        reportedBest = std::min(reportedBest, estimate);
        p.bestLatencyMs = reportedBest;
        progress(p);
    };

    // Parts are independent: on a model whose latencies are a fixed function of the stage (and so
    // do not depend on the order stages are asked in; CostModel::latenciesAreFixed), several are
    // solved at once, one a core, and joined in order. The calling thread solves parts too and
    // reports progress from its own; the others' count when they finish.
    // A part with many states is split over the cores too (PartDp::useThreads).
    const size_t cores =
        limit <= 0 && cost.latenciesAreFixed() ? std::max(1u, std::thread::hardware_concurrency()) : 1;
    const size_t threads = std::min(parts.size(), cores);
    if (threads > 1) {
        struct Solved {
            double ms = 0;
            std::vector<Stage> stages;
        };
        std::vector<Solved> solved(parts.size());
        std::mutex joinMutex; // guards counters, opsDone and the progress report
        std::atomic<size_t> next{0};
        std::atomic<bool> failed{false};
        std::vector<std::exception_ptr> errors(threads);
        const auto work = [&](size_t worker) {
            try {
                for (size_t k; !failed && (k = next++) < parts.size();) {
                    const std::vector<OpId>& part = parts[k];
                    const int partSize = static_cast<int>(part.size());
                    detail::SearchCounters own;
                    long long reported = 0; // of own.transitions, added to counters
                    detail::PartDp dp(g, part, cost, options, singleMs, own, cancel, [&](double f) {
                        if (worker != 0) {
                            if (failed) throw Cancelled(); // another worker failed: stop early
                            return;
                        }
                        std::lock_guard lock(joinMutex);
                        counters.transitions += own.transitions - reported;
                        reported = own.transitions;
                        report(f, partSize, false);
                    });
                    dp.reuseLatencies();
                    dp.useThreads(static_cast<int>(cores));
                    solved[k].ms = dp.solve();
                    solved[k].stages = dp.bestStages();
                    std::lock_guard lock(joinMutex);
                    counters.states += own.states;
                    counters.transitions += own.transitions - reported;
                    counters.stagesCosted += own.stagesCosted;
                    opsDone += partSize;
                    finishedMs += solved[k].ms; // for the reports; summed again in order below
                    for (OpId u : part) sequentialRest -= singleMs[static_cast<size_t>(u)];
                    if (worker == 0) report(0, 0, true);
                }
            } catch (...) {
                errors[worker] = std::current_exception();
                failed = true;
            }
        };
        std::vector<std::thread> helpers;
        for (size_t w = 1; w < threads; ++w) helpers.emplace_back(work, w);
        work(0);
        for (std::thread& t : helpers) t.join();
        for (const std::exception_ptr& e : errors)
            if (e) std::rethrow_exception(e);
        finishedMs = 0;
        for (Solved& part : solved) {
            finishedMs += part.ms; // in part order, as the loop below adds them
            for (Stage& st : part.stages) result.schedule.stages.push_back(std::move(st));
            ++result.stats.partsExact;
        }
        report(0, 0, true);
    } else if (limit <= 0) {
        // No limit: the plain DP, part by part (exact, bit for bit).
        for (const std::vector<OpId>& part : parts) {
            detail::PartDp dp(g, part, cost, options, singleMs, counters, cancel,
                              [&](double f) { report(f, static_cast<int>(part.size()), false); });
            dp.reuseLatencies();
            dp.useThreads(static_cast<int>(cores));
            finishedMs += dp.solve();
            for (Stage& st : dp.bestStages()) result.schedule.stages.push_back(std::move(st));
            ++result.stats.partsExact;
            for (OpId u : part) sequentialRest -= singleMs[static_cast<size_t>(u)];
            opsDone += static_cast<int>(part.size());
            report(0, 0, true);
        }
    } else {
        // Budgeted. Parts of few states are solved exactly, in order, by the end of the limit.
        // Wide parts share the time left in proportion to their ops: each starts from its best
        // fast scheduler's stages, improves them by re-solving windows of consecutive stages
        // exactly, tries the full DP when its states are countable, and keeps refining its
        // windows with whatever time is left. A little of the limit is kept for the parts after
        // the last one searched and for the final comparisons.
        const double end = limit * kLimitUsed;
        std::vector<char> wide(parts.size(), 0);
        int wideOpsLeft = 0;
        for (size_t k = 0; k < parts.size(); ++k) {
            bool capped = false;
            countClosedSubsets(g, parts[k], kNarrowPartStates, capped, [&] { return elapsed() > end; });
            wide[k] = capped;
            if (capped) wideOpsLeft += static_cast<int>(parts[k].size());
        }
        for (size_t k = 0; k < parts.size(); ++k) {
            const std::vector<OpId>& part = parts[k];
            const int partSize = static_cast<int>(part.size());
            const double now = elapsed();
            const double partEnd =
                wide[k] ? now + std::max(0.0, end - now) * partSize / std::max(1, wideOpsLeft) : end;
            double phaseEnd = partEnd;
            const auto expired = [&] { return elapsed() > phaseEnd; };
            double partMs = 0;
            std::vector<Stage> stages;
            // A DP large enough runs on every core (PartDp::useThreads) when the latencies are a
            // fixed function of the stage (then thread-safe, as for `sim`).
            const int dpThreads = cost.latenciesAreFixed()
                                      ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))
                                      : 1;
            const auto tryExact = [&](double until) {
                phaseEnd = until;
                if (elapsed() > until) return false;
                try {
                    detail::PartDp dp(g, part, cost, options, singleMs, counters, cancel, [&](double f) {
                        if (expired()) throw BudgetExhausted{};
                        report(f, partSize, false);
                    });
                    dp.reuseLatencies();
                    dp.useThreads(dpThreads);
                    partMs = dp.solve();
                    stages = dp.bestStages();
                    return true;
                } catch (const BudgetExhausted&) {
                    return false;
                }
            };
            bool exact = !wide[k] && tryExact(end);
            if (!exact) {
                throwIfCancelled(cancel);
                std::vector<double> stageMs;
                stages = fallbackStages(g, part, cost, options, singleMs, stageMs, counters.stagesCosted);
                WindowSearchStats windows;
                windows.threads = dpThreads;
                partSequentialMs = 0;
                for (OpId u : part) partSequentialMs += singleMs[static_cast<size_t>(u)];
                const long long windowsBefore = windowsSolved;
                const auto improve = [&](double until) {
                    phaseEnd = until;
                    partMs = improveByWindows(g, stages, stageMs, cost, options, singleMs, counters, cancel,
                                              expired, kMaxWindowStates, &windows, [&](double soFarMs) {
                                                  partSoFarMs = std::min(partSoFarMs, soFarMs);
                                                  windowsSolved = windowsBefore + windows.windowsSolved;
                                                  // The part's share of the fraction follows its time.
                                                  const double span = std::max(1e-9, partEnd - now);
                                                  report(std::clamp((elapsed() - now) / span, 0.0, 1.0),
                                                         partSize, false);
                                              });
                };
                if (wide[k]) {
                    const double span = partEnd - now;
                    improve(now + span / 3);
                    exact = windows.coveredWholePart;
                    // The DP visits some ten thousand wide states a second on one core: beyond
                    // what the part's time allows, it is not tried.
                    // Windows that converged cannot use the time after the DP: it all goes to the DP.
                    const double dpEnd = windows.converged ? partEnd : partEnd - span / 6;
                    const double dpSeconds = dpEnd - elapsed();
                    const long long tryStates = std::min<long long>(
                        kExactTryStates, static_cast<long long>(dpSeconds * kDpStatesPerSecond));
                    bool hopeless = tryStates < 1;
                    phaseEnd = dpEnd;
                    if (!exact && !hopeless) countClosedSubsets(g, part, tryStates, hopeless, expired);
                    if (!exact && !hopeless) {
                        const std::vector<Stage> improved = stages;
                        const double improvedMs = partMs;
                        exact = tryExact(dpEnd);
                        // Moves may have left the DP's space (an op at the end of a group it has no
                        // edge with, as the fast schedulers' streams do): the better answer stays.
                        if (!exact || improvedMs < partMs) {
                            stages = improved;
                            partMs = improvedMs;
                        }
                    }
                    if (!exact && !windows.converged) {
                        improve(partEnd);
                        exact = windows.coveredWholePart;
                    }
                    // Converged windows leave the part's time unused: iterated local search. A
                    // perturbation splits two random multi-group stages into a stage per group; the
                    // moves and windows (smaller, so rounds are quick) improve it again, and the
                    // result is kept when faster (docs/schedulers.md, "Baselines and IOS"). Not on
                    // the live path's passes (latencies not fixed): there the time goes to measuring.
                    if (!exact && windows.converged && cost.latenciesAreFixed()) {
                        std::mt19937 rng(12345);
                        while (elapsed() < partEnd - 0.01) {
                            throwIfCancelled(cancel);
                            std::vector<size_t> multi;
                            for (size_t i = 0; i < stages.size(); ++i)
                                if (stages[i].strategy == Strategy::Concurrent &&
                                    stages[i].groups.size() > 1 && stages[i].devices.empty())
                                    multi.push_back(i);
                            if (multi.empty()) break;
                            std::vector<char> split(stages.size(), 0);
                            for (int n = 0; n < kPerturbedStages; ++n)
                                split[multi[std::uniform_int_distribution<size_t>(0, multi.size() -
                                                                                         1)(rng)]] = 1;
                            std::vector<Stage> trial;
                            for (size_t i = 0; i < stages.size(); ++i) {
                                if (!split[i]) {
                                    trial.push_back(stages[i]);
                                    continue;
                                }
                                for (const auto& group : stages[i].groups)
                                    trial.push_back(Stage{Strategy::Concurrent, {group}});
                            }
                            std::vector<double> trialMs;
                            for (const Stage& st : trial) {
                                if (st.opCount() == 1) {
                                    trialMs.push_back(
                                        singleMs[static_cast<size_t>(st.groups.front().front())]);
                                } else {
                                    trialMs.push_back(cost.stageLatencyMs(g, st, options.run));
                                    ++counters.stagesCosted;
                                }
                            }
                            WindowSearchStats again;
                            again.threads = dpThreads;
                            again.solved = windows.solved;
                            phaseEnd = partEnd;
                            const double ms =
                                improveByWindows(g, trial, trialMs, cost, options, singleMs, counters, cancel,
                                                 expired, kPerturbedWindowStates, &again);
                            result.stats.moves += again.moves;
                            if (ms < partMs * (1 - 1e-12)) {
                                stages = std::move(trial);
                                partMs = ms;
                                partSoFarMs = std::min(partSoFarMs, ms);
                            }
                        }
                    }
                } else {
                    // Past the end: the fallback, improved only while time is left.
                    improve(end);
                    exact = windows.coveredWholePart;
                }
                result.stats.moves += windows.moves;
                if (!exact) report(1, partSize, true);
            }
            partSoFarMs = std::numeric_limits<double>::infinity();
            if (exact) ++result.stats.partsExact;
            for (Stage& st : stages) result.schedule.stages.push_back(std::move(st));
            finishedMs += partMs;
            for (OpId u : part) sequentialRest -= singleMs[static_cast<size_t>(u)];
            opsDone += partSize;
            if (wide[k]) wideOpsLeft -= partSize;
            report(0, 0, true);
        }
    }
    result.latencyMs = finishedMs;
    result.stats.complete = result.stats.partsExact == static_cast<int>(parts.size());
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
                          const ProgressCallback& progress, CancelFlag cancel) {
    const auto start = std::chrono::steady_clock::now();
    // The fast schedulers first (milliseconds): the incumbent every progress report shows, and
    // the answer when the DP's is not better. The DP is exact within its space, which holds the
    // sequential schedule, but their stages may hold more than s groups or r ops a group, or
    // span two parts. Under the merge strategy alone only the sequential one is in the space.
    const std::vector<double> singleMs = singleOpLatenciesMs(g, cost, options.run);
    std::optional<ScheduleResult> incumbent;
    long long fastStagesCosted = 0;
    if (options.strategy != StrategySet::Merge)
        for (FastScheduler s : allFastSchedulers()) {
            throwIfCancelled(cancel);
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
    // The limit counts from the start: the fast schedulers' time comes off the DP's share.
    SchedulerOptions within = options;
    if (options.timeLimitSeconds > 0)
        within.timeLimitSeconds = std::max(
            1e-9, options.timeLimitSeconds -
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    ScheduleResult result =
        detail::searchParts(g, parts, cost, within, progress, cancel,
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
                           const ProgressCallback& progress, CancelFlag cancel) {
    checkOptions(options);
    if (!cost.measuresInBatches()) return searchOnce(g, cost, options, progress, cancel);
    return detail::batchedSearch(
        g, cost, options.run, options.timeLimitSeconds, options.maxPartSize,
        [&](CostModel& speculative, const ProgressCallback& passProgress, double secondsLeft) {
            SchedulerOptions pass = options;
            pass.timeLimitSeconds = secondsLeft;
            return searchOnce(g, speculative, pass, passProgress, cancel);
        },
        progress, cancel);
}

} // namespace ioscope
