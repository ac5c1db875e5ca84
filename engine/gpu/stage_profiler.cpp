// The live-profiling cost model: each candidate stage runs through the same runtime that
// executes schedules (same buffer plan, programs and fork/join launches). Stages are measured in
// batches: a few hundred stages are captured one after another into one CUDA graph (in stages
// mode, enqueued the same way), each between two timing events and, for networks that do not
// fit in L2, after an L2 cache flush; the graph is replayed until the stages' times agree (two
// to five replays) and a stage's latency is the median time between its events. So a stage
// is timed as it runs inside a whole-schedule graph (fork and join included, weights read from
// memory), and one capture, one instantiation and one synchronisation serve hundreds of stages.
// What the events themselves cost is calibrated against a whole run. In graph mode a batch is
// assembled from the programs' own captured graphs (child-graph nodes), and batches are
// pipelined: while one batch's graph is replayed on the GPU (by a helper thread), the next batch
// is captured on the host.
#include "analysis/model_totals.h"
#include "cost/profile_cache.h"
#include "cost/replay_samples.h"
#include "cost/stage_signature.h"
#include "exec/gpu_execution.h"
#include "gpu/child_graphs.h"
#include "gpu/kernels.h"
#include "gpu/stage_launch.h"

#include <algorithm>
#include <chrono>
#include <cmath>
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

// Environment switches for inspecting and comparing the profiler on a GPU (docs/gpu-runtime.md),
// read once per cost model.
bool envIs(const char* name, const char* value) {
    const char* env = std::getenv(name);
    return env && std::string(env) == value;
}
struct ProfilerSwitches {
    bool stats = std::getenv("IOSCOPE_PROFILER_STATS") != nullptr; // where the time goes, on stderr
    // L2 flush before each stage: "0" never, "1" always; unset, when the network does not fit
    // in L2 (see GpuCostModel::flushCache).
    bool flushNever = envIs("IOSCOPE_PROFILER_FLUSH", "0");
    bool flushAlways = envIs("IOSCOPE_PROFILER_FLUSH", "1");
    // One batch replayed while the next is captured; off, one after the other (to compare).
    bool pipeline = !envIs("IOSCOPE_PROFILER_PIPELINE", "0");
    // Graph mode: batches assembled from the programs' own graphs (gpu/child_graphs.h) instead
    // of re-capturing their cuDNN calls; "0" re-captures them (to compare).
    bool childGraphs = !envIs("IOSCOPE_PROFILER_CHILD_GRAPHS", "0");
};

constexpr size_t kChunkStages = 256; // stages per captured graph
constexpr int kSamples = 5;          // timed runs per stage when stages are timed one by one

using StageGroups = std::vector<std::vector<const Program*>>;

// Everything profiling one graph at one run configuration needs, built on first use.
struct GraphSession {
    const Graph* graph = nullptr;
    std::string hash;
    RunConfig run;
    std::unique_ptr<BufferPlan> plan;
    std::unique_ptr<ProgramCompiler> compiler;
    std::unordered_map<OpId, std::unique_ptr<Program>> programs;
    struct Merged {
        std::unique_ptr<DeviceBuffer> buffer; // own output, when the members' slices are apart
        std::unique_ptr<Program> program;
        size_t lastChunk = 0; // the last batch that uses it; freed once that batch is measured
    };
    std::map<std::vector<OpId>, Merged> merged;
    size_t chunk = 0;      // the batch being compiled
    double boundaryMs = 0; // added to every stage (calibrateBoundary)
    bool flush = true;     // whether stages are timed after an L2 flush (flushCache)
    ChildGraphs children;  // with IOSCOPE_PROFILER_CHILD_GRAPHS=1: the programs, captured once
};

class GpuCostModel : public CostModel {
  public:
    GpuCostModel(ExecMode mode, std::shared_ptr<ProfileCache> record)
        : mode_(mode), record_(std::move(record)), device_(Device::instance()) {
        const std::string v = device_.versions(); // "CUDA 13.0, cuDNN 9.14.0"
        const auto comma = v.find(", cuDNN ");
        cuda_ = v.substr(5, comma - 5);
        cudnn_ = v.substr(comma + 8);
    }
    ~GpuCostModel() override {
        for (const auto& set : events_)
            for (cudaEvent_t e : set) cudaEventDestroy(e);
        if (replayDone_) cudaEventDestroy(replayDone_);
        if (replayStream_) cudaStreamDestroy(replayStream_);
    }
    std::string name() const override { return mode_ == ExecMode::Graph ? "gpu" : "gpu:stages"; }
    std::string device() const override { return device_.name(); }

    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        auto lock = device_.lock();
        if (std::optional<double> ms = knownLatencyMs(g, stage, cfg)) return *ms;
        measureBatch(g, {stage}, cfg, {}, nullptr);
        return measured_.at(stageSignature(g, stage, cfg));
    }

    bool measuresInBatches() const override { return true; }

    std::optional<double> knownLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        auto lock = device_.lock();
        auto it = measured_.find(stageSignature(g, stage, cfg));
        if (it == measured_.end()) return std::nullopt;
        return it->second;
    }

    void measureBatch(const Graph& g, const std::vector<Stage>& stages, const RunConfig& cfg,
                      const BatchProgress& progress, const std::atomic<bool>* cancel) override {
        auto lock = device_.lock();
        GraphSession& session = sessionFor(g, cfg);
        // Equal signatures cost the same: each is measured once.
        std::vector<std::pair<std::string, const Stage*>> todo;
        {
            std::unordered_map<std::string, bool> queued;
            for (const Stage& st : stages) {
                std::string sig = stageSignature(g, st, cfg);
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
            c.index = ++session.chunk;
            int slots = 1;
            const auto compileStart = Clock::now();
            for (size_t i = c.at; i < c.end; ++i) {
                c.stages.push_back(stageGroups(session, *todo[i].second));
                slots = std::max(slots, static_cast<int>(c.stages.back().size()));
            }
            stats_.compileS += secondsSince(compileStart);
            device_.ensureSlots(slots);
            return c;
        };
        auto keep = [&](const Chunk& c, const std::vector<double>& ms) {
            for (size_t i = c.at; i < c.end; ++i) {
                measured_[todo[i].first] = withBoundary(session, ms[i - c.at]);
                if (record_) record_->insert(context(cfg), todo[i].first, measured_[todo[i].first]);
            }
            // Merged weights are rebuilt on demand; memory stays bounded.
            std::erase_if(session.merged, [&](const auto& m) {
                if (m.second.lastChunk > c.index) return false;
                session.children.forget(m.second.program.get());
                return true;
            });
            if (progress) progress(c.end, todo.size());
            if (c.index % 20 == 0) reportStats(c.end, todo.size(), batchStart, algosBefore, session);
        };
        auto cancelled = [&] { return cancel && cancel->load(std::memory_order_relaxed); };

        if (switches_.pipeline && mode_ == ExecMode::Graph && inGraphTiming_ && !todo.empty()) {
            Chunk current = compile(0);
            capture(current, 0);
            for (;;) {
                if (cancelled()) throw Cancelled();
                const bool more = current.end < todo.size();
                Chunk next;
                if (more) next = compile(current.end);
                // The GPU replays this batch while the host captures the next one.
                std::future<std::optional<std::vector<double>>> replayed =
                    std::async(std::launch::async, [&] { return replay(current); });
                try {
                    if (more) capture(next, 1 - current.eventSet);
                } catch (...) {
                    replayed.wait();
                    throw;
                }
                std::optional<std::vector<double>> ms = replayed.get();
                if (!ms) ms = measureOneByOne(current.stages);
                keep(current, *ms);
                if (!more) break;
                current = std::move(next);
            }
        } else {
            for (size_t at = 0; at < todo.size();) {
                if (cancelled()) throw Cancelled();
                const Chunk c = compile(at);
                keep(c, measureStages(c.stages));
                at = c.end;
            }
        }
        if (progress && todo.empty()) progress(0, 0);
        reportStats(todo.size(), todo.size(), batchStart, algosBefore, session);
    }

  private:
    // IOSCOPE_PROFILER_STATS=1: where the batches' time went, on stderr.
    void reportStats(size_t done, size_t total, Clock::time_point batchStart, size_t algosBefore,
                     const GraphSession& session) {
        if (!switches_.stats) return;
        std::fprintf(
            stderr,
            "profiler: %zu of %zu stages in %.2f s; so far compile %.2f s (%zu new conv algorithms), "
            "capture %.2f s (of which instantiation %.2f s), replay %.2f s (overlapped, %.2f replays per "
            "batch, %.0f%% of stages settled after %d); boundary %.4f ms, %zu stages at the floor, L2 flush "
            "%s\n",
            done, total, secondsSince(batchStart), stats_.compileS,
            device_.convAlgoCache().size() - algosBefore, stats_.captureS, stats_.instantiateS,
            stats_.replayS, stats_.batches ? double(stats_.replays) / double(stats_.batches) : 0.0,
            stats_.batches ? 100.0 * stats_.settledAtMin / double(stats_.batches) : 0.0, sampling_.minSamples,
            session.boundaryMs, stats_.clamped, session.flush ? "on" : "off");
    }

    ProfileContext context(const RunConfig& cfg) const {
        return {device_.name(), cuda_,     cudnn_,
                cfg.precision,  cfg.batch, mode_ == ExecMode::Graph ? "graph" : "stages"};
    }

    GraphSession& sessionFor(const Graph& g, const RunConfig& cfg) {
        if (session_ && session_->graph == &g && session_->run == cfg && session_->plan) return *session_;
        const std::string hash = g.contentHash();
        if (session_ && session_->hash == hash && session_->run == cfg) {
            session_->graph = &g;
            return *session_;
        }
        children_ = nullptr;
        session_.reset(); // frees the previous graph's buffers first
        auto s = std::make_unique<GraphSession>();
        children_ = switches_.childGraphs ? &s->children : nullptr;
        s->graph = &g;
        s->hash = hash;
        s->run = cfg;
        device_.setPrecision(cfg.precision);
        s->plan = std::make_unique<BufferPlan>(g, std::vector<std::vector<OpId>>{}, cfg.batch);
        // Stage inputs hold deterministic, finite values (their content never matters for time).
        launchPatternFill(s->plan->base(), static_cast<long long>(s->plan->bytes() / sizeof(float)), 7u,
                          device_.slot(0).stream);
        IOSCOPE_CHECK(cudaStreamSynchronize(device_.slot(0).stream));
        s->compiler = std::make_unique<ProgramCompiler>(device_, g, *s->plan, cfg.precision);
        s->flush = flushNeeded(g, *s->plan);
        flushing_ = s->flush;
        if (!flush_) {
            const size_t bytes = std::max<size_t>(2 * device_.l2CacheBytes(), size_t(16) << 20);
            flush_ = std::make_unique<DeviceBuffer>(bytes, "cache flush buffer");
            flushSink_ = std::make_unique<DeviceBuffer>(sizeof(float), "cache flush sink");
        }
        calibrateBoundary(*s);
        session_ = std::move(s);
        return *session_;
    }

    StageGroups stageGroups(GraphSession& s, const Stage& stage) {
        if (stage.strategy == Strategy::Merge && stage.opCount() > 1)
            return {{&mergedProgram(s, stage.allOps())}};
        StageGroups groups;
        for (const auto& group : stage.groups) {
            std::vector<const Program*> list;
            for (OpId id : group) list.push_back(&opProgram(s, id));
            groups.push_back(std::move(list));
        }
        return groups;
    }

    const Program& opProgram(GraphSession& s, OpId id) {
        auto it = s.programs.find(id);
        if (it == s.programs.end())
            it = s.programs.emplace(id, std::make_unique<Program>(s.compiler->compileOp(id))).first;
        return *it->second;
    }

    // A merge stage as the executor runs it: when the members' slices lie side by side (a concat
    // buffer), the merged convolution writes there; otherwise it writes its own buffer and the
    // copies the members' consumers will make are measured with it.
    const Program& mergedProgram(GraphSession& s, std::vector<OpId> ops) {
        std::sort(ops.begin(), ops.end(),
                  [&](OpId a, OpId b) { return s.plan->op(a).out.ptr < s.plan->op(b).out.ptr; });
        auto it = s.merged.find(ops);
        if (it != s.merged.end()) {
            it->second.lastChunk = s.chunk;
            return *it->second.program;
        }
        int channels = 0;
        bool contiguous = true;
        for (size_t i = 0; i < ops.size(); ++i) {
            const View& v = s.plan->op(ops[i]).out;
            channels += v.shape.c;
            if (i > 0) {
                const View& prev = s.plan->op(ops[i - 1]).out;
                contiguous =
                    contiguous && v.stride == prev.stride && v.ptr == prev.ptr + prev.shape.elements();
            }
        }
        const View first = s.plan->op(ops.front()).out;
        const Shape shape{channels, first.shape.h, first.shape.w};
        std::unique_ptr<DeviceBuffer> buffer;
        std::unique_ptr<Program> program;
        if (contiguous) {
            program = std::make_unique<Program>(
                s.compiler->compileMerged(ops, View{first.ptr, shape, first.stride}));
        } else {
            buffer = std::make_unique<DeviceBuffer>(size_t(shape.elements()) * s.run.batch * sizeof(float),
                                                    "merged output");
            const View y{buffer->floats(), shape, shape.elements()};
            program = std::make_unique<Program>(s.compiler->compileMerged(ops, y));
            int channel = 0;
            for (OpId id : ops) {
                const View& member = s.plan->op(id).out;
                s.compiler->appendCopy(
                    *program, View{y.ptr + (long long)channel * shape.h * shape.w, member.shape, y.stride},
                    member);
                channel += member.shape.c;
            }
        }
        it =
            s.merged.emplace(ops, GraphSession::Merged{std::move(buffer), std::move(program), s.chunk}).first;
        return *it->second.program;
    }

    // A measured stage time with what its boundary costs in a whole run added (see
    // calibrateBoundary). A stage never costs less than half its own measurement.
    double withBoundary(const GraphSession& s, double ms) {
        const double adjusted = ms + s.boundaryMs;
        if (adjusted >= 0.5 * ms) return adjusted;
        ++stats_.clamped;
        return 0.5 * ms;
    }

    // What the timing events cost (or save) against a whole-schedule graph without them: the
    // sequential schedule is measured once whole and once as single-op stages; the difference
    // per stage is added to every stage, so stage sums predict whole runs.
    // The single-op stages keep these in-order measurements. Measured again among a batch of
    // unrelated multi-stream stages, they came out about 2.5 us slower each on the H200
    // (Inception V3 tf32: 1.85 ms predicted for a 1.54 ms sequential run).
    void calibrateBoundary(GraphSession& s) {
        std::vector<StageGroups> stages;
        for (OpId id : s.graph->units()) stages.push_back({{&opProgram(s, id)}});
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
            const Stage single{Strategy::Concurrent, {{s.graph->units()[i]}}};
            auto& [total, count] = bySignature[stageSignature(*s.graph, single, s.run)];
            total += singles[i];
            ++count;
        }
        for (const auto& [signature, totalCount] : bySignature) {
            if (measured_.count(signature)) continue;
            const double ms = withBoundary(s, totalCount.first / totalCount.second);
            measured_[signature] = ms;
            if (record_) record_->insert(context(s.run), signature, ms);
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
            for (double t : measureStages(chunk)) ms.push_back(t);
        }
        return ms;
    }

    // One batch of stages on its way through the pipeline of measureBatch.
    struct Chunk {
        size_t at = 0, end = 0; // its range of the batch's stages
        size_t index = 0;       // GraphSession::chunk when compiled
        std::vector<StageGroups> stages;
        std::unique_ptr<CapturedGraph> graph;
        int eventSet = 0; // which of the two sets of timing events its graph records
    };

    std::vector<cudaEvent_t>& timingEvents(int set, size_t count) {
        std::vector<cudaEvent_t>& events = events_[size_t(set)];
        while (events.size() < count) {
            cudaEvent_t e = nullptr;
            IOSCOPE_CHECK(cudaEventCreate(&e));
            events.push_back(e);
        }
        return events;
    }

    // Evicts the L2 cache before a timed stage. Batches hold many stages over the same ops, so
    // without it a stage would find its weights in L2 where a whole run reads them from memory:
    // on the H200 that made concurrent fp32 stages look up to a third faster than they run.
    // A network whose weights and activations fit in half the L2 keeps them there from one run
    // to the next, so its stages are timed without the flush, as they run.
    // IOSCOPE_PROFILER_FLUSH=0 / =1 turns it off / on for every network (to compare).
    // The buffer is allocated in sessionFor, before any capture.
    bool flushNeeded(const Graph& g, const BufferPlan& plan) const {
        if (switches_.flushNever) return false;
        if (switches_.flushAlways) return true;
        const double workingSet = double(modelTotals(g).params) * sizeof(float) + double(plan.bytes());
        return workingSet > 0.5 * double(device_.l2CacheBytes());
    }
    void flushCache(cudaStream_t stream) {
        if (!flushing_) return;
        launchCacheFlush(flush_->floats(), static_cast<long long>(flush_->bytes() / sizeof(float)),
                         flushSink_->floats(), stream);
    }

    // Enqueues the chunk's stages on slot 0, each after a cache flush and between two timing events.
    void enqueueTimed(const std::vector<StageGroups>& stages, const std::vector<cudaEvent_t>& marks,
                      bool captured) {
        ProgramLauncher launcher;
        if (captured && children_) launcher = [this](const Program& p, Slot& s) { children_->append(p, s); };
        cudaStream_t stream = device_.slot(0).stream;
        auto mark = [&](size_t i) {
            IOSCOPE_CHECK(captured ? cudaEventRecordWithFlags(marks[i], stream, cudaEventRecordExternal)
                                   : cudaEventRecord(marks[i], stream));
        };
        for (size_t i = 0; i < stages.size(); ++i) {
            flushCache(stream);
            mark(2 * i);
            launchStage(device_, stages[i], launcher);
            mark(2 * i + 1);
        }
    }

    // With child graphs on, captures the programs of `stages` not captured yet (before the
    // batch's own capture begins: a stream cannot capture two graphs at once).
    void prepareChildren(const std::vector<StageGroups>& stages) {
        if (!children_) return;
        for (const StageGroups& stage : stages) children_->prepare(device_, stage);
    }

    void capture(Chunk& c, int eventSet) {
        const auto start = Clock::now();
        c.eventSet = eventSet;
        const std::vector<cudaEvent_t>& marks = timingEvents(eventSet, 2 * c.stages.size());
        c.graph = std::make_unique<CapturedGraph>();
        prepareChildren(c.stages);
        c.graph->capture(device_, [&] { enqueueTimed(c.stages, marks, true); });
        stats_.captureS += secondsSince(start);
        stats_.instantiateS += c.graph->instantiateSeconds();
    }

    // Replays a captured chunk (one warm-up, kSamples timed runs) on the profiler's own stream;
    // runs on a helper thread while the next chunk is captured. Empty when the driver cannot
    // time events recorded by graph nodes.
    std::optional<std::vector<double>> replay(const Chunk& c) {
        IOSCOPE_CHECK(cudaSetDevice(0));
        const auto start = Clock::now();
        if (!replayStream_) {
            IOSCOPE_CHECK(cudaStreamCreateWithFlags(&replayStream_, cudaStreamNonBlocking));
            IOSCOPE_CHECK(
                cudaEventCreateWithFlags(&replayDone_, cudaEventBlockingSync | cudaEventDisableTiming));
        }
        const std::vector<cudaEvent_t>& marks = events_[size_t(c.eventSet)];
        // Waits asleep: a spinning wait polls the driver, and its locks then slow the capture
        // running in the other thread (RandWire: 1.3 ms instead of 0.4 ms per stage captured).
        std::optional<std::vector<double>> medians = readMarks(c.stages.size(), marks, [&] {
            c.graph->launch(replayStream_);
            IOSCOPE_CHECK(cudaEventRecord(replayDone_, replayStream_));
            IOSCOPE_CHECK(cudaEventSynchronize(replayDone_));
        });
        stats_.replayS += secondsSince(start);
        return medians;
    }

    // Runs `once` (which must finish the work) as many times as the adaptive rule asks for
    // (cost/replay_samples.h) and reads the median time of each stage between its two marks.
    // No warm-up run: every stage starts behind a flush or a join anyway, and the median of at
    // least three runs sheds a slow first one.
    std::optional<std::vector<double>> readMarks(size_t n, const std::vector<cudaEvent_t>& marks,
                                                 const std::function<void()>& once) {
        ReplaySamples samples(n);
        std::vector<double> replayMs(n);
        while (!samples.enough(sampling_)) {
            once();
            for (size_t i = 0; i < n; ++i) {
                float ms = 0;
                if (cudaEventElapsedTime(&ms, marks[2 * i], marks[2 * i + 1]) != cudaSuccess) {
                    cudaGetLastError();
                    return std::nullopt;
                }
                replayMs[i] = ms;
            }
            samples.add(replayMs);
            if (samples.replays() == size_t(sampling_.minSamples))
                stats_.settledAtMin += samples.settledShare(sampling_);
        }
        stats_.replays += samples.replays();
        ++stats_.batches;
        return samples.medians();
    }

    // The latency of each stage of `stages`, run back to back as described at the top, without
    // pipelining (calibration, stages mode).
    std::vector<double> measureStages(const std::vector<StageGroups>& stages) {
        if (!inGraphTiming_) return measureOneByOne(stages);
        const std::vector<cudaEvent_t>& marks = timingEvents(0, 2 * stages.size());
        cudaStream_t stream = device_.slot(0).stream;
        const bool graphMode = mode_ == ExecMode::Graph;
        const auto captureStart = Clock::now();
        if (graphMode) prepareChildren(stages);
        const ModeLaunch once(device_, graphMode, [&] { enqueueTimed(stages, marks, graphMode); });
        stats_.captureS += secondsSince(captureStart);
        const auto replayStart = Clock::now();
        std::optional<std::vector<double>> medians = readMarks(stages.size(), marks, [&] {
            once(stream);
            IOSCOPE_CHECK(cudaStreamSynchronize(stream));
        });
        stats_.replayS += secondsSince(replayStart);
        return medians ? *medians : measureOneByOne(stages);
    }

    // Fallback for a driver that cannot time events recorded by graph nodes: one stage per
    // launch (slower, same quantity).
    std::vector<double> measureOneByOne(const std::vector<StageGroups>& stages) {
        inGraphTiming_ = false;
        cudaStream_t stream = device_.slot(0).stream;
        std::vector<double> medians;
        for (const StageGroups& stage : stages) {
            const ModeLaunch once(device_, mode_ == ExecMode::Graph, [&] { launchStage(device_, stage); });
            once(stream);
            std::vector<double> samples;
            for (int k = 0; k < kSamples; ++k) {
                flushCache(stream);
                samples.push_back(timeOnStream(stream, 1, [&] { once(stream); }));
            }
            medians.push_back(medianOf(samples));
        }
        return medians;
    }

    ExecMode mode_;
    bool inGraphTiming_ = true;
    const ProfilerSwitches switches_;
    const ReplaySampling sampling_;
    bool flushing_ = true;            // the current session's GraphSession::flush
    ChildGraphs* children_ = nullptr; // the current session's, when in use
    std::shared_ptr<ProfileCache> record_;
    Device& device_;
    std::string cuda_, cudnn_;
    std::unique_ptr<GraphSession> session_;
    std::unordered_map<std::string, double> measured_;
    std::vector<cudaEvent_t> events_[2]; // timing marks between batched stages, two pipelined sets
    cudaStream_t replayStream_ = nullptr;
    cudaEvent_t replayDone_ = nullptr; // blocking-sync: the replay thread sleeps while it waits
    std::unique_ptr<DeviceBuffer> flush_, flushSink_; // see flushCache
    struct {
        double compileS = 0, captureS = 0, instantiateS = 0, replayS = 0;
        size_t clamped = 0, replays = 0, batches = 0;
        double settledAtMin = 0; // summed over batches: share of stages settled after minSamples
    } stats_;                    // cumulative, for IOSCOPE_PROFILER_STATS
};

} // namespace

std::unique_ptr<CostModel> makeGpuCostModel(ExecMode mode, std::shared_ptr<ProfileCache> record) {
    return std::make_unique<GpuCostModel>(mode, std::move(record));
}

} // namespace ioscope
