// bench_live_search [--device H200] [--models a,b,...] [--random UNITS,WIDTH,SEED ...]
//                   [--time-limits 10,30,60] [--noise 0.15] [--stage-ms 1.09] [--reference 1]
//                   [--truth PROFILES.json --precision P --batch N] [--ios R,S]
// The time-limited IOS search on the live-profiling path (sched/batched_search.h) with a fake GPU
// on the CPU: "measured" latencies are the simulated model's times a deterministic per-stage
// factor (1 ± noise, from a hash of the stage's signature: the gap between estimates and
// measurements), keyed by stage signature as the live profiler keys them, and measuring sleeps
// `stage-ms` per stage (1.09 ms: the H200's 917 stages/s, docs/benchmarks.md "Search speed") and
// checks its stop flag every 256 stages (the profiler's batch). Prints, for each graph and limit,
// the stages measured, the single-op moves made and the returned schedule's latency under the
// "measured" model, evaluated fully without sleeping, against the best fast scheduler's.
// --reference 1 first runs the search on the "measured" model itself, without sleeping, at the
// first limit: what the search finds when measuring costs nothing.
// --truth replays a GPU's own measurements instead of the noise: a profile database written by a
// live search on that GPU (`ioscope-cli profile`, bench_gpu's profiles-*.json) answers each stage it
// holds; a stage it lacks is the simulated one times the median measured/simulated ratio of the
// file's stages asked for so far (counted as "outside the file"). With the model, precision and
// batch of the live search that wrote it, the search asks for the stages it asked for there, so
// changes to what the live search measures can be tried on the CPU against real measurements
// (--device names the GPU's simulated model).
#include "bench_args.h"
#include "cost/cost_factory.h"
#include "cost/profile_cache.h"
#include "cost/stage_signature.h"
#include "models/model_registry.h"
#include "sched/fast_schedulers.h"
#include "sched/scheduler.h"
#include "util/errors.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

using namespace ioscope;

namespace {

// What the fake GPU "measures": a latency per stage, given the stage's signature too.
class Truth : public CostModel {
  public:
    explicit Truth(CostModel& sim) : sim_(sim) {}
    std::string device() const override { return sim_.device(); }
    bool latenciesAreFixed() const override { return true; }
    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        return stageLatencyMs(g, stage, cfg, signatures_.of(g, stage, cfg));
    }
    virtual double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg,
                                  const std::string& sig) = 0;

  protected:
    CostModel& sim_;

  private:
    StageSignatures signatures_;
};

// The simulated latencies times 1 ± noise, fixed per stage signature.
class NoisyModel : public Truth {
  public:
    NoisyModel(CostModel& sim, double noise) : Truth(sim), noise_(noise) {}
    std::string name() const override { return "noisy(" + sim_.name() + ")"; }
    using Truth::stageLatencyMs;
    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg,
                          const std::string& sig) override {
        // FNV-1a of the signature, mapped to [-1, 1].
        std::uint64_t h = 1469598103934665603ull;
        for (unsigned char c : sig) h = (h ^ c) * 1099511628211ull;
        h ^= h >> 29;
        const double u = 2.0 * double(h % 1000003) / 1000002.0 - 1.0;
        return sim_.stageLatencyMs(g, stage, cfg) * (1 + noise_ * u);
    }

  private:
    double noise_;
};

// A GPU's measurements replayed from its profile database (--truth).
class ReplayedModel : public Truth {
  public:
    ReplayedModel(CostModel& sim, const std::string& path, const RunConfig& run) : Truth(sim), path_(path) {
        ProfileCache file = ProfileCache::load(path);
        for (const ProfileContext& c : file.contexts())
            if (c.precision == run.precision && c.batch == run.batch) context_ = c;
        if (!context_)
            throw InputError(path, "holds no measurements in " + std::string(toString(run.precision)) +
                                       " at batch " + std::to_string(run.batch));
        cache_ = std::move(file);
    }
    std::string name() const override { return "replayed(" + path_ + ")"; }
    using Truth::stageLatencyMs;
    // Locked: --reference runs the DP on this model itself, whose levels may run on several threads.
    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg,
                          const std::string& sig) override {
        const std::lock_guard lock(mutex_);
        if (std::optional<double> ms = cache_.find(*context_, sig)) {
            if (!ratioOf_.count(sig)) ratioOf_.emplace(sig, *ms / sim_.stageLatencyMs(g, stage, cfg));
            return *ms;
        }
        outside_.insert(sig);
        return sim_.stageLatencyMs(g, stage, cfg) * medianRatio();
    }
    size_t outsideCount() const {
        const std::lock_guard lock(mutex_);
        return outside_.size();
    }

  private:
    double medianRatio() const { // of the file's stages asked for so far
        if (ratioOf_.empty()) return 1.0;
        std::vector<double> r;
        for (const auto& [sig, ratio] : ratioOf_) r.push_back(ratio);
        std::nth_element(r.begin(), r.begin() + std::ptrdiff_t(r.size() / 2), r.end());
        return r[r.size() / 2];
    }
    std::string path_;
    ProfileCache cache_;
    std::optional<ProfileContext> context_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, double> ratioOf_;
    std::unordered_set<std::string> outside_; // stages asked for that the file lacks
};

// A GPU that measures in batches: the noisy latencies, `perStage` of sleep each, keyed by signature.
class FakeGpu : public CostModel {
  public:
    FakeGpu(Truth& truth, std::chrono::nanoseconds perStage) : truth_(truth), perStage_(perStage) {}
    std::string name() const override { return "fake-gpu"; }
    std::string device() const override { return truth_.device(); }
    bool measuresInBatches() const override { return true; }
    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        if (auto ms = knownLatencyMs(g, stage, cfg)) return *ms;
        measureBatch(g, {stage}, cfg, {}, nullptr);
        return *knownLatencyMs(g, stage, cfg);
    }
    std::optional<double> knownLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        const auto it = measured_.find(signatures_.of(g, stage, cfg));
        if (it == measured_.end()) return std::nullopt;
        return it->second;
    }
    void measureBatch(const Graph& g, const std::vector<Stage>& stages, const RunConfig& cfg,
                      const ProgressCallback& progress, CancelFlag cancel) override {
        ++batches;
        std::vector<std::pair<std::string, const Stage*>> todo;
        std::unordered_map<std::string, bool> queued;
        for (const Stage& st : stages) {
            std::string sig = signatures_.of(g, st, cfg);
            if (measured_.count(sig) || !queued.emplace(sig, true).second) continue;
            todo.emplace_back(std::move(sig), &st);
        }
        auto at = std::chrono::steady_clock::now();
        for (size_t i = 0; i < todo.size(); ++i) {
            if (i % 256 == 0) throwIfCancelled(cancel);
            at += perStage_;
            std::this_thread::sleep_until(at);
            measured_[todo[i].first] = truth_.stageLatencyMs(g, *todo[i].second, cfg, todo[i].first);
            if (progress && ((i + 1) % 256 == 0 || i + 1 == todo.size()))
                progress(countedProgress(static_cast<long long>(i + 1), static_cast<long long>(todo.size())));
        }
    }
    int batches = 0;
    size_t measuredCount() const { return measured_.size(); }

  private:
    Truth& truth_;
    std::chrono::nanoseconds perStage_;
    StageSignatures signatures_; // as the live profiler keys its measurements
    std::unordered_map<std::string, double> measured_;
};

} // namespace

int main(int argc, char** argv) {
    std::string device = "H200", truthFile;
    RunConfig run;
    std::vector<std::string> models, randoms;
    bool reference = false;
    std::vector<double> limits = {10, 30, 60};
    double noise = 0.15, stageMs = 1.09;
    int iosR = SchedulerOptions{}.maxGroupSize, iosS = SchedulerOptions{}.maxGroups;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--device")
            device = v;
        else if (a == "--models")
            models = bench::split(v, ',');
        else if (a == "--random")
            randoms.push_back(v);
        else if (a == "--time-limits") {
            limits.clear();
            for (const std::string& l : bench::split(v, ',')) limits.push_back(std::stod(l));
        } else if (a == "--noise")
            noise = std::stod(v);
        else if (a == "--stage-ms")
            stageMs = std::stod(v);
        else if (a == "--ios") { // R,S: the DP's ops per group and groups per stage
            if (std::sscanf(v.c_str(), "%d,%d", &iosR, &iosS) != 2 || iosR < 1 || iosS < 1) {
                std::fprintf(stderr, "bench_live_search: --ios takes R,S\n");
                return 2;
            }
        } else if (a == "--reference")
            reference = v == "1";
        else if (a == "--truth")
            truthFile = v;
        else if (a == "--precision") {
            const std::optional<Precision> p = precisionFromString(v);
            if (!p) {
                std::fprintf(stderr,
                             "bench_live_search: --precision must be fp32, tf32, fp16 or bf16, not '%s'\n",
                             v.c_str());
                return 2;
            }
            run.precision = *p;
        } else if (a == "--batch")
            run.batch = std::stoi(v);
        else {
            std::fprintf(stderr, "bench_live_search: unknown option '%s'\n", a.c_str());
            return 2;
        }
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    try {
        std::vector<Graph> graphs;
        for (const std::string& m : models) graphs.push_back(loadModel(m));
        for (const std::string& r : randoms) {
            graphs.push_back(bench::randomCnnFromSpec(r));
        }
        if (truthFile.empty())
            std::printf("fake GPU: sim:%s x (1 +- %.2f per stage signature), %.3f ms a stage measured; IOS "
                        "r=%d s=%d\n",
                        device.c_str(), noise, stageMs, iosR, iosS);
        else
            std::printf("fake GPU: the measurements of %s (estimates sim:%s), %.3f ms a stage measured; IOS "
                        "r=%d s=%d, %s, batch %d\n",
                        truthFile.c_str(), device.c_str(), stageMs, iosR, iosS,
                        std::string(toString(run.precision)).c_str(), run.batch);
        std::printf("| graph | limit s | wall s | batches | stages measured | moves made | "
                    "searched ms | measured ms | best fast ms | complete "
                    "|\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (const Graph& g : graphs) {
            const auto sim = makeCostModel("sim:" + device, run);
            std::unique_ptr<Truth> truthModel;
            if (truthFile.empty())
                truthModel = std::make_unique<NoisyModel>(*sim, noise);
            else
                truthModel = std::make_unique<ReplayedModel>(*sim, truthFile, run);
            Truth& truth = *truthModel;
            double bestFast = 1e300;
            SchedulerOptions fastOptions;
            fastOptions.run = run;
            for (FastScheduler s : allFastSchedulers())
                bestFast = std::min(bestFast, fastSchedule(s, g, truth, fastOptions).latencyMs);
            if (reference) {
                SchedulerOptions o;
                o.run = run;
                o.maxGroupSize = iosR, o.maxGroups = iosS;
                o.timeLimitSeconds = limits.front();
                const ScheduleResult r = iosSchedule(g, truth, o);
                std::printf(
                    "| %s | %g | reference: searched on the measured model itself, no sleeping | | | %lld | "
                    "%.4f | %.4f | %.4f | %s |\n",
                    g.name().c_str(), limits.front(), r.stats.moves, r.latencyMs, r.latencyMs, bestFast,
                    r.stats.complete ? "yes" : "no");
            }
            for (double limit : limits) {
                FakeGpu gpu(truth, std::chrono::nanoseconds(static_cast<long long>(stageMs * 1e6)));
                SchedulerOptions o;
                o.run = run;
                o.maxGroupSize = iosR, o.maxGroups = iosS;
                o.timeLimitSeconds = limit;
                const auto start = std::chrono::steady_clock::now();
                const ScheduleResult r = iosSchedule(g, gpu, o);
                const double wall =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                validateSchedule(g, r.schedule);
                const double ms = predictLatencyMs(g, r.schedule, truth, o.run);
                std::printf("| %s | %g | %.1f | %d | %zu | %lld | %.4f | %.4f | %.4f | %s |\n",
                            g.name().c_str(), limit, wall, gpu.batches, gpu.measuredCount(), r.stats.moves,
                            r.latencyMs, ms, bestFast, r.stats.complete ? "yes" : "no");
            }
            if (const auto* replayed = dynamic_cast<const ReplayedModel*>(&truth))
                std::printf("(%s: %zu stages asked for outside the file, answered by the median ratio)\n",
                            g.name().c_str(), replayed->outsideCount());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_live_search: %s\n", e.what());
        return 1;
    }
    return 0;
}
