// The live-profiling cost model: each candidate stage runs through the same runtime that
// executes schedules (same buffer plan, programs and fork/join launches; gpu/profiling_session.h).
// Stages are measured in batches of 256, each batch captured into one CUDA graph with every stage
// between two timing events (gpu/stage_timer.h), so a stage is timed as it runs inside a
// whole-schedule graph and one capture, one instantiation and one synchronisation serve hundreds
// of stages. In graph mode the batches are pipelined: while one batch's graph is replayed on the
// GPU (by a helper thread), the next batch is captured on the host. What the timing events cost
// against a whole run is calibrated once per graph (calibrateBoundary).
#include "cost/profile_cache.h"
#include "cost/stage_signature.h"
#include "gpu/gpu_execution.h"
#include "gpu/profiling_session.h"
#include "gpu/stage_timer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <numeric>
#include <random>
#include <unordered_map>

namespace ioscope {

using namespace gpu;

namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

constexpr size_t kChunkStages = 256; // stages per captured graph

ReplaySampling samplingOf(const ProfilerOptions& switches) {
    ReplaySampling rule;
    rule.minSamples = switches.minReplays;
    rule.maxSamples = switches.maxReplays;
    return rule;
}

class GpuCostModel : public GpuMeasuredCostModel {
  public:
    GpuCostModel(GpuContext& gpu, ExecMode mode, std::shared_ptr<ProfileCache> record)
        : mode_(mode), switches_(gpu.options().profiler), record_(std::move(record)), gpu_(gpu),
          device_(gpu.device()), timer_(device_, mode == ExecMode::Graph, switches_.childGraphs,
                                        samplingOf(switches_), switches_.flushL2Multiple) {
        const std::string v = device_.versions(); // "CUDA 13.0, cuDNN 9.14.0"
        const auto comma = v.find(", cuDNN ");
        cuda_ = v.substr(5, comma - 5);
        cudnn_ = v.substr(comma + 8);
    }
    std::string name() const override { return mode_ == ExecMode::Graph ? "gpu" : "gpu:stages"; }
    std::string device() const override { return device_.name(); }
    GpuContext& gpuContext() const override { return gpu_; }
    ExecMode mode() const override { return mode_; }

    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        auto lock = device_.lock();
        if (std::optional<double> ms = knownLatencyMs(g, stage, cfg)) return *ms;
        measureBatch(g, {stage}, cfg, {}, nullptr);
        return measured_.at(signatures_.of(g, stage, cfg));
    }

    bool measuresInBatches() const override { return true; }

    std::optional<double> knownLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        auto lock = device_.lock();
        auto it = measured_.find(signatures_.of(g, stage, cfg));
        if (it == measured_.end()) return std::nullopt;
        return it->second;
    }

    void measureBatch(const Graph& g, const std::vector<Stage>& stages, const RunConfig& cfg,
                      const ProgressCallback& progress, CancelFlag cancel) override {
        auto lock = device_.lock();
        ProfilingSession& session = sessionFor(g, cfg);
        // Equal signatures cost the same: each is measured once.
        std::vector<std::pair<std::string, const Stage*>> todo;
        {
            std::unordered_map<std::string, bool> queued;
            for (const Stage& st : stages) {
                std::string sig = signatures_.of(g, st, cfg);
                if (measured_.count(sig) || !queued.emplace(sig, true).second) continue;
                todo.emplace_back(std::move(sig), &st);
            }
        }
        const size_t algosBefore = device_.convAlgoCache().size();
        const auto batchStart = Clock::now();
        // Builds the programs of the batch starting at `at` (conv algorithms are timed here, so
        // the GPU must be idle).
        auto compile = [&](size_t at) {
            Chunk c;
            c.at = at;
            c.end = std::min(todo.size(), at + kChunkStages);
            c.index = session.beginBatch();
            int slots = 1;
            const auto compileStart = Clock::now();
            for (size_t i = c.at; i < c.end; ++i) {
                c.batch.stages.push_back(session.stageGroups(*todo[i].second));
                slots = std::max(slots, static_cast<int>(c.batch.stages.back().size()));
            }
            compileS_ += secondsSince(compileStart);
            device_.ensureSlots(slots);
            return c;
        };
        auto keep = [&](const Chunk& c, const std::vector<double>& ms) {
            for (size_t i = c.at; i < c.end; ++i) {
                measured_[todo[i].first] = withBoundary(session, ms[i - c.at]);
                if (record_) record_->insert(context(cfg), todo[i].first, measured_[todo[i].first]);
            }
            session.releaseMergesUpTo(c.index); // merged weights are rebuilt on demand
            if (progress)
                progress(countedProgress(static_cast<long long>(c.end), static_cast<long long>(todo.size())));
            if (c.index % 20 == 0) reportStats(c.end, todo.size(), batchStart, algosBefore, session);
        };

        if (switches_.pipeline && mode_ == ExecMode::Graph && timer_.inGraphTiming() && !todo.empty()) {
            Chunk current = compile(0);
            timer_.capture(current.batch, 0);
            for (;;) {
                throwIfCancelled(cancel);
                const bool more = current.end < todo.size();
                Chunk next;
                if (more) next = compile(current.end);
                // The GPU replays this batch while the host captures the next one.
                std::future<std::optional<std::vector<double>>> replayed =
                    std::async(std::launch::async, [&] { return timer_.replay(current.batch); });
                try {
                    if (more) timer_.capture(next.batch, 1 - current.batch.eventSet);
                } catch (...) {
                    replayed.wait();
                    throw;
                }
                std::optional<std::vector<double>> ms = replayed.get();
                if (!ms) ms = timer_.measureOneByOne(current.batch.stages);
                keep(current, *ms);
                if (!more) break;
                current = std::move(next);
            }
        } else {
            for (size_t at = 0; at < todo.size();) {
                throwIfCancelled(cancel);
                const Chunk c = compile(at);
                keep(c, timer_.measure(c.batch.stages));
                at = c.end;
            }
        }
        if (progress && todo.empty()) progress(countedProgress(0, 0));
        reportStats(todo.size(), todo.size(), batchStart, algosBefore, session);
    }

  private:
    // One batch of stages on its way through the pipeline of measureBatch.
    struct Chunk {
        size_t at = 0, end = 0; // its range of the batch's stages
        size_t index = 0;       // ProfilingSession::beginBatch's number
        StageTimer::Batch batch;
    };

    // IOSCOPE_PROFILER_STATS=1: where the batches' time went, on stderr.
    void reportStats(size_t done, size_t total, Clock::time_point batchStart, size_t algosBefore,
                     const ProfilingSession& session) {
        if (!switches_.stats) return;
        const StageTimer::Stats& t = timer_.stats();
        std::fprintf(
            stderr,
            "profiler: %zu of %zu stages in %.2f s; so far compile %.2f s (%zu new conv algorithms), "
            "capture %.2f s (of which instantiation %.2f s), replay %.2f s (overlapped, %.2f replays per "
            "batch, %.0f%% of stages settled after %d); boundary %.4f ms, %zu stages at the floor, L2 "
            "flush %s (%.2g x L2)\n",
            done, total, secondsSince(batchStart), compileS_, device_.convAlgoCache().size() - algosBefore,
            t.captureS, t.instantiateS, t.replayS, t.batches ? double(t.replays) / double(t.batches) : 0.0,
            t.batches ? 100.0 * t.settledAtMin / double(t.batches) : 0.0, timer_.sampling().minSamples,
            session.boundaryMs, clamped_, session.flush ? "on" : "off", switches_.flushL2Multiple);
    }

    ProfileContext context(const RunConfig& cfg) const {
        return {device_.name(), cuda_,     cudnn_,
                cfg.precision,  cfg.batch, mode_ == ExecMode::Graph ? "graph" : "stages",
                cfg.layout};
    }

    ProfilingSession& sessionFor(const Graph& g, const RunConfig& cfg) {
        if (session_ && &session_->graph() == &g && session_->run() == cfg) return *session_;
        const std::string hash = g.contentHash();
        if (session_ && session_->hash() == hash && session_->run() == cfg) {
            session_->rebind(g);
            return *session_;
        }
        session_.reset(); // frees the previous graph's buffers first
        auto s = std::make_unique<ProfilingSession>(device_, g, cfg);
        s->flush = flushNeeded(*s);
        timer_.use(*s); // before any capture: allocates the flush buffer
        calibrateBoundary(*s);
        session_ = std::move(s);
        return *session_;
    }

    // Batches hold many stages over the same ops, so a stage would find its weights in L2 where
    // a whole run reads them from memory (gpu/stage_timer.cpp). A network whose weights and
    // activations fit in half the L2 keeps them there from one run to the next, so its stages
    // are timed without the flush, as they run. IOSCOPE_PROFILER_FLUSH=0 / =1 overrides.
    bool flushNeeded(const ProfilingSession& s) const {
        if (switches_.flush == ProfilerOptions::Flush::Never) return false;
        if (switches_.flush == ProfilerOptions::Flush::Always) return true;
        return s.workingSetBytes() > 0.5 * double(device_.l2CacheBytes());
    }

    // A measured stage time with what its boundary costs in a whole run added (see
    // calibrateBoundary). A stage never costs less than half its own measurement.
    double withBoundary(const ProfilingSession& s, double ms) {
        const double adjusted = ms + s.boundaryMs;
        if (adjusted >= 0.5 * ms) return adjusted;
        ++clamped_;
        return 0.5 * ms;
    }

    // What the timing events cost (or save) against a whole-schedule graph without them: the
    // sequential schedule is measured once whole and once as single-op stages; the difference
    // per stage is added to every stage, so stage sums predict whole runs.
    // The single-op stages keep these in-order measurements. Measured again among a batch of
    // unrelated multi-stream stages, they came out about 2.5 us slower each on the H200
    // (Inception V3 tf32: 1.85 ms predicted for a 1.54 ms sequential run).
    void calibrateBoundary(ProfilingSession& s) {
        const std::vector<OpId>& units = s.graph().units();
        std::vector<StageGroups> stages;
        for (OpId id : units) stages.push_back({{&s.opProgram(id)}});
        cudaStream_t stream = device_.slot(0).stream;
        const auto wholeOf = [&](size_t count) {
            const ModeLaunch once(device_, mode_ == ExecMode::Graph, [&] {
                for (size_t i = 0; i < count; ++i) launchStage(device_, stages[i]);
            });
            for (int i = 0; i < 10; ++i) once(stream); // warm-up (clocks, caches, graph upload)
            std::vector<double> runs;
            for (int i = 0; i < 9; ++i) runs.push_back(timeOnStream(stream, 1, [&] { once(stream); }));
            return medianOf(runs);
        };
        const double whole = wholeOf(stages.size());
        const std::vector<double> singles = measureInChunks(stages);
        const double sum = std::accumulate(singles.begin(), singles.end(), 0.0);
        const auto n = double(stages.size());
        s.boundaryMs = (whole - sum) / n;
        std::map<std::string, std::pair<double, int>> bySignature; // equal signatures: their mean
        for (size_t i = 0; i < stages.size(); ++i) {
            const Stage single{Strategy::Concurrent, {{units[i]}}};
            auto& [total, count] = bySignature[stageSignature(s.graph(), single, s.run())];
            total += singles[i];
            ++count;
        }
        for (const auto& [signature, totalCount] : bySignature) {
            if (measured_.count(signature)) continue;
            const double ms = withBoundary(s, totalCount.first / totalCount.second);
            measured_[signature] = ms;
            if (record_) record_->insert(context(s.run()), signature, ms);
        }
        if (!switches_.stats) return;
        // Diagnostics: the same per-stage cost fitted with a per-run constant (a second, half-
        // length whole run), and the single-op stages measured in shuffled order.
        const size_t half = stages.size() / 2;
        const double wholeHalf = wholeOf(half);
        const double sumHalf = std::accumulate(singles.begin(), singles.begin() + long(half), 0.0);
        const double perStage = ((whole - wholeHalf) - (sum - sumHalf)) / (n - double(half));
        const double perRun = whole - sum - n * perStage;
        std::vector<size_t> order(stages.size());
        std::iota(order.begin(), order.end(), size_t{0});
        std::shuffle(order.begin(), order.end(), std::mt19937(7));
        std::vector<StageGroups> shuffled;
        for (size_t i : order) shuffled.push_back(stages[i]);
        const std::vector<double> again = measureInChunks(shuffled);
        std::fprintf(stderr,
                     "profiler: calibration over %zu single-op stages: whole run %.4f ms, stage sum %.4f ms "
                     "(shuffled order %.4f ms), boundary %.5f ms per stage; fitted with a per-run constant: "
                     "%.5f ms per stage + %.4f ms per run\n",
                     stages.size(), whole, sum, std::accumulate(again.begin(), again.end(), 0.0),
                     s.boundaryMs, perStage, perRun);
    }

    std::vector<double> measureInChunks(const std::vector<StageGroups>& stages) {
        std::vector<double> ms;
        for (size_t at = 0; at < stages.size(); at += kChunkStages) {
            const std::vector<StageGroups> chunk(
                stages.begin() + long(at), stages.begin() + long(std::min(stages.size(), at + kChunkStages)));
            for (double t : timer_.measure(chunk)) ms.push_back(t);
        }
        return ms;
    }

    ExecMode mode_;
    const ProfilerOptions switches_; // the context's (gpu/gpu_context.h)
    std::shared_ptr<ProfileCache> record_;
    GpuContext& gpu_;
    Device& device_;
    StageTimer timer_;
    std::string cuda_, cudnn_;
    std::unique_ptr<ProfilingSession> session_;
    StageSignatures signatures_; // the search asks for millions of stages' signatures
    std::unordered_map<std::string, double> measured_;
    double compileS_ = 0; // for IOSCOPE_PROFILER_STATS, cumulative
    size_t clamped_ = 0;  // stages held at half their measurement (withBoundary)
};

} // namespace

std::unique_ptr<CostModel> GpuContext::makeLiveCostModel(ExecMode mode,
                                                         std::shared_ptr<ProfileCache> record) {
    return makeGpuCostModel(*this, mode, std::move(record));
}

std::unique_ptr<CostModel> makeGpuCostModel(GpuContext& gpu, ExecMode mode,
                                            std::shared_ptr<ProfileCache> record) {
    return std::make_unique<GpuCostModel>(gpu, mode, std::move(record));
}

} // namespace ioscope
