#include "sched/batched_search.h"

#include "analysis/partition.h"
#include "cost/cost_factory.h"
#include "cost/sim_device.h"
#include "cost/stage_signature.h"
#include "sched/part_dp.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ioscope::detail {
namespace {

// The stage's ops by id (the measured model may fold equal signatures further).
std::string stageIdentity(const Stage& stage) {
    std::string key(1, stage.strategy == Strategy::Merge ? 'm' : 'c');
    for (const auto& group : stage.groups) {
        for (OpId id : group) key.append(std::to_string(id)).push_back(',');
        key.push_back('|');
    }
    return key;
}

// A measured stage may beat its estimate: after the first pass, the search skips a stage it has
// not measured only when the estimate's bound times this fraction of a low quantile of the
// ratios of measurement to estimate seen so far cannot win (docs/semantics.md, "Pruning by stage
// bounds").
constexpr double kRatioMargin = 0.95;
// The quantile: the least ratio is one outlier's (Inception V3 on the H100: 0.45 where 5% of the
// stages lie below 0.78), and bounds that loose had the search measure 14% more stages for the
// same answer on all eight H100 profile databases replayed (docs/benchmarks.md, session 17). The
// 10th percentile measures 8% fewer than the 5th, with the same answers but one 0.04% slower,
// and brought Inception V3's live search under 2 s on the H100 (session 18); the 20th loses more.
constexpr double kRatioQuantile = 0.10;
// With a limit, the first pass's stages are measured in two batches: its schedule's, the single
// ops and an even sample of this many of the rest first, timed; the rest only where that time
// says it fits before measuring stops. Where it does not (RandWire: 56,000 of its 192,000
// stage requests measured in 60 s on the H100, and those were the estimates' favourites, large
// stages the estimates underrate most), the next pass runs on estimates corrected by the sample
// (correctionByOps) and its stages are measured instead. Replayed from the H100's RandWire
// measurements (1.2553 ms unlimited): 1.2580 at 45 and 60 s where measuring the first pass's
// stages gave 1.2731; at 90 s the rest fits and the answer is exact (docs/benchmarks.md, session 25).
constexpr size_t kSampleStages = 2048;

// The ratio the bounds are scaled by: the quantile of `ratios`, at most 1 (none: 1).
double boundRatio(std::vector<double> ratios) {
    if (ratios.empty()) return 1.0;
    const auto at = ratios.begin() + std::ptrdiff_t(kRatioQuantile * double(ratios.size() - 1));
    std::nth_element(ratios.begin(), at, ratios.end());
    return std::min(1.0, *at);
}

// Answers with the measured latency where there is one; otherwise notes the stage as wanted
// and answers with the simulated estimate, scaled so single ops match their measurements.
class SpeculativeCost : public CostModel {
  public:
    // `boundScale`: what the estimate's bounds are scaled by (the search skips stages by them).
    // `pessimistic`: a stage of several ops not measured costs what its ops cost one after
    // another (see batchedSearch's last pass).
    // `byOps[n]`: what a stage of n ops not measured costs per unit of its (unscaled) estimate
    // (0 or none: `scale`).
    SpeculativeCost(CostModel& measured, CostModel& estimate, double scale, double boundScale,
                    bool pessimistic, std::vector<double> byOps)
        : measured_(measured), estimate_(estimate), scale_(scale), boundScale_(boundScale),
          pessimistic_(pessimistic), byOps_(std::move(byOps)) {}
    std::string name() const override { return measured_.name(); }
    std::string device() const override { return measured_.device(); }
    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        if (std::optional<double> ms = measured_.knownLatencyMs(g, stage, cfg)) return *ms;
        if (seen_.insert(identity(stage)).second) wanted_.push_back(stage);
        if (pessimistic_ && stage.opCount() > 1) {
            double sum = 0;
            for (const auto& group : stage.groups)
                for (OpId id : group) sum += singleMs(g, id, cfg);
            return sum;
        }
        const size_t ops = size_t(stage.opCount());
        const double factor = ops < byOps_.size() && byOps_[ops] > 0 ? byOps_[ops] : scale_;
        return factor * estimate_.stageLatencyMs(g, stage, cfg);
    }
    // The estimate's bounds, scaled (docs/semantics.md, "Pruning by stage bounds"); the search
    // costs a measured stage whatever its bound.
    double stageFloorMs(int groups) const override { return boundScale_ * estimate_.stageFloorMs(groups); }
    double opChainFloorMs(const Graph& g, OpId op, const RunConfig& cfg) override {
        return boundScale_ * estimate_.opChainFloorMs(g, op, cfg);
    }
    bool boundsAreEstimates() const override { return true; }
    std::optional<double> knownLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        return measured_.knownLatencyMs(g, stage, cfg);
    }

    std::vector<Stage> takeWanted() {
        seen_.clear();
        return std::exchange(wanted_, {});
    }

  private:
    static std::string identity(const Stage& stage) { return stageIdentity(stage); }
    // An op alone: measured, else its scaled estimate (kept: the last pass asks for every op of
    // hundreds of thousands of stages, and a measured lookup builds the stage's signature).
    double singleMs(const Graph& g, OpId id, const RunConfig& cfg) {
        if (const auto known = singles_.find(id); known != singles_.end()) return known->second;
        const Stage single{Strategy::Concurrent, {{id}}};
        const std::optional<double> ms = measured_.knownLatencyMs(g, single, cfg);
        return singles_[id] = ms ? *ms : scale_ * estimate_.stageLatencyMs(g, single, cfg);
    }

    CostModel& measured_;
    CostModel& estimate_;
    double scale_;
    double boundScale_;
    bool pessimistic_;
    std::vector<double> byOps_;
    std::unordered_map<OpId, double> singles_;
    std::unordered_set<std::string> seen_;
    std::vector<Stage> wanted_;
};

// The simulated model underrates a stage of several ops the more, the more ops it has (RandWire
// on the H100: measurements 1.2 times the scaled estimate at 4 ops, 1.45 at 10), so a pass on
// estimates favours large stages. Per op count, the median ratio of a measurement to its
// estimate; a count without measurements takes the nearest smaller count's, single ops none (0:
// the caller's scale; they are measured).
std::vector<double> correctionByOps(std::vector<std::vector<double>> ratiosByOps) {
    std::vector<double> median(ratiosByOps.size(), 0.0);
    for (size_t ops = 2; ops < ratiosByOps.size(); ++ops) {
        std::vector<double>& r = ratiosByOps[ops];
        if (r.empty()) {
            median[ops] = median[ops - 1];
            continue;
        }
        const auto mid = r.begin() + std::ptrdiff_t(r.size() / 2);
        std::nth_element(r.begin(), mid, r.end());
        median[ops] = *mid;
    }
    return median;
}

// Measured over simulated time of the single ops, so estimates sit on the measured scale.
double estimateScale(const Graph& g, CostModel& measured, CostModel& estimate, const RunConfig& run) {
    double measuredSum = 0, estimateSum = 0;
    for (OpId u : g.units()) {
        const Stage single{Strategy::Concurrent, {{u}}};
        const std::optional<double> ms = measured.knownLatencyMs(g, single, run);
        if (!ms) continue;
        measuredSum += *ms;
        estimateSum += estimate.stageLatencyMs(g, single, run);
    }
    return measuredSum > 0 && estimateSum > 0 ? measuredSum / estimateSum : 1.0;
}

// A stop flag for measuring: raised by the caller's cancel or when the deadline passes.
class Deadline {
  public:
    Deadline(CancelFlag cancel, std::chrono::steady_clock::time_point until, bool limited)
        : watcher_([this, cancel, until, limited] {
              while (!done_) {
                  if (cancelRequested(cancel) || (limited && std::chrono::steady_clock::now() > until)) {
                      stop_ = true;
                      return;
                  }
                  std::this_thread::sleep_for(std::chrono::milliseconds(10));
              }
          }) {}
    ~Deadline() {
        done_ = true;
        watcher_.join();
    }
    CancelFlag flag() const { return &stop_; }

  private:
    std::atomic<bool> stop_{false}, done_{false};
    std::thread watcher_;
};

// The stages of `s` part by part (`partOf`: each unit's part), or nothing when a stage spans
// parts or the parts come out of order (a fast scheduler's schedule may run across them).
std::optional<std::vector<std::vector<Stage>>> stagesByPart(const Schedule& s, const std::vector<int>& partOf,
                                                            int parts) {
    auto byPart = std::vector<std::vector<Stage>>(size_t(parts));
    int current = 0;
    for (const Stage& st : s.stages) {
        const std::vector<OpId> ops = st.allOps();
        if (ops.empty()) return std::nullopt;
        const int part = partOf[size_t(ops.front())];
        for (OpId id : ops)
            if (partOf[size_t(id)] != part) return std::nullopt;
        if (part < current) return std::nullopt;
        current = part;
        byPart[size_t(part)].push_back(st);
    }
    return byPart;
}

} // namespace

std::optional<ScheduleResult> bestPartByPart(const Graph& g, const std::vector<const ScheduleResult*>& passes,
                                             CostModel& measured, const RunConfig& run, int maxPartSize) {
    std::vector<int> partOf(size_t(g.size()), -1);
    int parts = 0;
    for (const Block& block : partitionBlocks(g, maxPartSize))
        for (const std::vector<OpId>& part : block.parts) {
            for (OpId id : part) partOf[size_t(id)] = parts;
            ++parts;
        }
    auto best = std::vector<std::vector<Stage>>(size_t(parts));
    std::vector<double> bestMs(size_t(parts), std::numeric_limits<double>::infinity());
    for (const ScheduleResult* pass : passes) {
        const auto byPart = stagesByPart(pass->schedule, partOf, parts);
        if (!byPart) continue;
        for (size_t p = 0; p < byPart->size(); ++p) {
            const std::vector<double> ms = stageLatenciesMs(g, (*byPart)[p], measured, run);
            const double sum = std::accumulate(ms.begin(), ms.end(), 0.0);
            if (sum < bestMs[p]) bestMs[p] = sum, best[p] = (*byPart)[p];
        }
    }
    if (std::isinf(std::accumulate(bestMs.begin(), bestMs.end(), 0.0))) return std::nullopt;
    ScheduleResult combined;
    for (std::vector<Stage>& stages : best)
        for (Stage& st : stages) combined.schedule.stages.push_back(std::move(st));
    combined.latencyMs = std::accumulate(bestMs.begin(), bestMs.end(), 0.0);
    combined.origin = "ios";
    return combined;
}

ScheduleResult batchedSearch(const Graph& g, CostModel& measured, const RunConfig& run,
                             double timeLimitSeconds, int maxPartSize, const SearchOnce& searchOnce,
                             const ProgressCallback& progress, CancelFlag cancel) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const bool limited = timeLimitSeconds > 0;
    const auto at = [&](double fraction) {
        return start + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(std::max(0.0, fraction * timeLimitSeconds)));
    };
    // The limit is the whole search's: searching and measuring stop at 85% of it, so the last pass
    // (on what was measured) and the measuring of its few new stages fit in the rest; that pass
    // gets 80% of what is left (RandWire at 60 s: about 7 s, in which its DP finishes three of
    // the six parts, not the largest; more time there changed its answer by 0.05%). The first
    // pass, on estimates alone, gets at most half, so a wide graph whose DP never finishes still
    // has its stages measured (without the cap it spent the whole limit on estimates, measured
    // nothing and overran by 30% in the closing work).
    const auto until = at(1.0), measureUntil = at(0.85), firstPassUntil = at(0.5);
    const auto secondsTo = [](Clock::time_point t) {
        return std::max(0.05, std::chrono::duration<double>(t - Clock::now()).count());
    };
    bool outOfTime = false;
    bool corrected = false; // estimates corrected by op count (after a sample cut the first batch)
    auto secondsLeft = [&](int pass) {
        if (!limited) return 0.0;
        if (outOfTime) return 0.8 * secondsTo(until); // the last pass: most of what is left
        if (corrected && pass == 1) return 0.5 * secondsTo(measureUntil); // its stages to measure after
        return secondsTo(pass == 0 ? firstPassUntil : measureUntil);
    };
    // The estimates come from the simulated model of the GPU that measures (scaled to its
    // measurements below).
    const std::unique_ptr<CostModel> estimate =
        makeCostModel("sim:" + simPresetForDevice(measured.device()), run);
    long long measuredStages = 0, movesMade = 0;
    // With a limit, each pass's result, to be judged on measurements when the search ends, whole
    // and part by part.
    std::vector<ScheduleResult> earlier;
    const auto keepBestEarlier = [&](ScheduleResult& result) {
        std::vector<const ScheduleResult*> passes{&result};
        for (const ScheduleResult& e : earlier) passes.push_back(&e);
        std::optional<ScheduleResult> combined = bestPartByPart(g, passes, measured, run, maxPartSize);
        for (const ScheduleResult& e : earlier) {
            const double ms = predictLatencyMs(g, e.schedule, measured, run);
            if (ms < result.latencyMs * (1 - 1e-9)) {
                result.schedule = e.schedule;
                result.latencyMs = ms;
                result.origin = e.origin;
            }
        }
        if (combined && combined->latencyMs < result.latencyMs * (1 - 1e-9)) {
            result.schedule = std::move(combined->schedule);
            result.latencyMs = combined->latencyMs;
            result.origin = combined->origin;
        }
    };
    double reported = 0;        // progress never goes back
    std::vector<double> ratios; // of a measurement to its (unscaled) estimate, over the stages measured
    std::vector<std::vector<double>> ratiosByOps(size_t(kMaxPartOps) + 1); // the same by op count
    Progress last;
    // Measures `stages` within the measuring deadline, progress running `from` to `to`; records
    // the ratios of what was measured to the estimates. Whether all were measured.
    const auto measureStages = [&](const std::vector<Stage>& stages, double from, double to) {
        size_t doneInBatch = 0;
        long long batchTotal = -1; // the stages the model measures (it folds equal signatures)
        bool all = true;
        try {
            const Deadline deadline(cancel, measureUntil, limited);
            measured.measureBatch(
                g, stages, run,
                [&](const Progress& batch) {
                    reported = std::max(reported, from + (to - from) * double(batch.done) /
                                                             double(std::max<long long>(batch.total, 1)));
                    last.fraction = reported;
                    last.stagesCosted = measuredStages + batch.done;
                    doneInBatch = static_cast<size_t>(batch.done);
                    batchTotal = batch.total;
                    if (progress) progress(last);
                },
                deadline.flag());
            doneInBatch = batchTotal >= 0 ? static_cast<size_t>(batchTotal) : stages.size();
        } catch (const Cancelled&) {
            if (cancelRequested(cancel) || !limited) throw;
            all = false; // what was measured stays measured
        }
        measuredStages += static_cast<long long>(doneInBatch);
        for (const Stage& st : stages) // the estimates' bounds will hold for what was measured
            if (const std::optional<double> ms = measured.knownLatencyMs(g, st, run)) {
                const double estimated = estimate->stageLatencyMs(g, st, run);
                if (estimated <= 0) continue;
                ratios.push_back(*ms / estimated);
                if (size_t(st.opCount()) < ratiosByOps.size())
                    ratiosByOps[size_t(st.opCount())].push_back(*ms / estimated);
            }
        return all;
    };
    for (int pass = 0;; ++pass) {
        // The first pass knows no measurement: the estimates' bounds (scaled as the estimates
        // are) hold for all it costs. What a search may miss depends only on its last pass (it
        // measures all it costs). A last pass cut short by the limit costs a stage of several
        // ops it has not measured as those ops one after another: estimates of such stages are
        // optimistic (RandWire on the H100: the first pass's DP predicts 0.82 ms for schedules
        // measuring 1.25-1.32), so on estimates that pass chose stages that measured dear, and
        // the first pass's schedule was kept (replayed from the H100's measurements, 60 s:
        // 1.3173 ms against 1.2553 unlimited; costed this way 1.2724, session 19).
        const double scale = estimateScale(g, measured, *estimate, run);
        SpeculativeCost speculative(
            measured, *estimate, scale, pass == 0 ? scale : kRatioMargin * std::max(0.0, boundRatio(ratios)),
            outOfTime, corrected ? correctionByOps(ratiosByOps) : std::vector<double>{});
        const auto passStart = Clock::now();
        ScheduleResult result = searchOnce(
            speculative,
            [&](const Progress& p) {
                last = p;
                last.stagesCosted = measuredStages;
                last.fraction = reported;
                if (progress) progress(last);
            },
            secondsLeft(pass));
        std::vector<Stage> wanted = speculative.takeWanted();
        const double passSeconds = std::chrono::duration<double>(Clock::now() - passStart).count();
        movesMade += result.stats.moves;
        result.stats.moves = movesMade;
        if (!wanted.empty() && (outOfTime || (limited && Clock::now() > measureUntil))) {
            // Out of time: this pass's schedule, its few unmeasured stages measured now.
            result.latencyMs = predictLatencyMs(g, result.schedule, measured, run);
            result.stats.complete = false;
            result.stats.stagesEstimated = static_cast<long long>(wanted.size());
            keepBestEarlier(result);
            result.stats.stagesCosted = measuredStages;
            result.stats.estimatesCorrected = corrected;
            result.stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
            return result;
        }
        if (wanted.empty()) {
            if (limited) keepBestEarlier(result);
            if (progress) {
                last.fraction = 1.0;
                last.bestLatencyMs = result.latencyMs;
                progress(last);
            }
            result.stats.stagesCosted = measuredStages;
            result.stats.estimatesCorrected = corrected;
            result.stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
            return result;
        }
        if (limited) {
            // This pass's schedule is measured first (a few stages), so it can be judged on
            // measurements at the end: a later pass, shorter or on other latencies, may do worse.
            std::unordered_set<std::string> first;
            std::vector<Stage> ordered;
            for (const Stage& st : result.schedule.stages)
                if (!measured.knownLatencyMs(g, st, run) && first.insert(stageIdentity(st)).second)
                    ordered.push_back(st);
            for (Stage& st : wanted)
                if (!first.count(stageIdentity(st))) ordered.push_back(std::move(st));
            wanted = std::move(ordered);
            earlier.push_back(result);
        }
        // The first batch is nearly all of the work; each later one closes half the gap to 1.
        const double from = pass == 0 ? 0.0 : 1.0 - 0.1 / (1 << (pass - 1));
        const double to = pass == 0 ? 0.9 : 1.0 - 0.1 / (1 << pass);
        last.bestLatencyMs = result.latencyMs;
        if (limited && pass == 0 && wanted.size() > kSampleStages) {
            // The sample first (the schedule's stages lead `wanted`, the single ops are all kept),
            // then the rest where its measuring time says the rest fits.
            std::vector<Stage> sample, rest;
            const size_t schedule = result.schedule.stages.size();
            for (size_t i = 0; i < wanted.size(); ++i) {
                const bool sampled =
                    i * kSampleStages % wanted.size() < kSampleStages; // evenly, kSampleStages
                (i < schedule || wanted[i].opCount() == 1 || sampled ? sample : rest)
                    .push_back(std::move(wanted[i]));
            }
            const auto sampleStart = Clock::now();
            const long long measuredBefore = measuredStages;
            const double mid =
                from + (to - from) * double(sample.size()) / double(sample.size() + rest.size());
            if (!measureStages(sample, from, mid)) {
                outOfTime = true;
                continue;
            }
            // The rest takes what the sample took per stage measured, times the rest's distinct
            // signatures (the live model measures a signature once: RandWire's 192,548 requests are
            // 56,000 signatures, while an even sample of them rarely repeats one).
            StageSignatures signatures;
            std::unordered_set<std::string> restSignatures;
            for (const Stage& st : rest) restSignatures.insert(signatures.of(g, st, run));
            const double restSeconds = std::chrono::duration<double>(Clock::now() - sampleStart).count() /
                                       double(std::max<long long>(measuredStages - measuredBefore, 1)) *
                                       double(restSignatures.size());
            // The corrected pass searches slower than the first (its estimates prune less: RandWire
            // 11 s against 5); with less than four first passes' time left the rest is measured as
            // far as it goes (RandWire at 30 s: 1.2911 ms corrected, 1.2731 not).
            const double measuringLeft = std::chrono::duration<double>(measureUntil - Clock::now()).count();
            if (restSeconds > measuringLeft && measuringLeft > 4 * passSeconds) {
                corrected = true; // the next pass, on corrected estimates, chooses what to measure
                continue;
            }
            wanted = std::move(rest);
            if (!measureStages(wanted, mid, to)) outOfTime = true;
            continue;
        }
        if (!measureStages(wanted, from, to)) outOfTime = true;
    }
}

} // namespace ioscope::detail
