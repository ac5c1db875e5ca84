// The live-profiling cost model: each candidate stage runs through the same runtime that
// executes schedules (same buffer plan, programs and fork/join launches). Stages are measured in
// batches: a few hundred stages are captured one after another into one CUDA graph (in stages
// mode, enqueued the same way), with a timing event between each two, and the graph is replayed
// a few times; a stage's latency is the median time between its two events. So a stage is timed
// as it runs inside a whole-schedule graph (fork, join and the gap to the next stage included),
// and one capture, one instantiation and one synchronisation serve hundreds of stages.
#include "cost/profile_cache.h"
#include "cost/stage_signature.h"
#include "exec/gpu_execution.h"
#include "gpu/kernels.h"
#include "gpu/stage_launch.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <unordered_map>

namespace ioscope {

using namespace gpu;

namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

constexpr size_t kChunkStages = 256; // stages per captured graph
constexpr int kSamples = 5;          // timed replays after one warm-up; the median is kept

using StageGroups = std::vector<std::vector<const Program*>>;

// Everything profiling one graph at one run configuration needs, built on first use.
struct GraphSession {
    const Graph* graph = nullptr;
    std::string hash;
    RunConfig run;
    std::unique_ptr<BufferPlan> plan;
    std::unique_ptr<ProgramCompiler> compiler;
    std::unordered_map<OpId, std::unique_ptr<Program>> programs;
    std::map<std::vector<OpId>, std::pair<std::unique_ptr<DeviceBuffer>, std::unique_ptr<Program>>> merged;
    double boundaryMs = 0; // added to every stage (calibrateBoundary)
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
        for (cudaEvent_t e : events_) cudaEventDestroy(e);
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
        for (size_t at = 0; at < todo.size(); at += kChunkStages) {
            if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
            const size_t end = std::min(todo.size(), at + kChunkStages);
            std::vector<StageGroups> chunk;
            int slots = 1;
            const auto compileStart = Clock::now();
            for (size_t i = at; i < end; ++i) {
                chunk.push_back(stageGroups(session, *todo[i].second));
                slots = std::max(slots, static_cast<int>(chunk.back().size()));
            }
            stats_.compileS += secondsSince(compileStart);
            device_.ensureSlots(slots);
            const std::vector<double> ms = measureStages(chunk);
            for (size_t i = at; i < end; ++i) {
                const double latency = std::max(0.5 * ms[i - at], ms[i - at] + session.boundaryMs);
                measured_[todo[i].first] = latency;
                if (record_) record_->insert(context(cfg), todo[i].first, latency);
            }
            session.merged.clear(); // merged weights are rebuilt on demand; memory stays bounded
            if (progress) progress(end, todo.size());
            if ((at / kChunkStages) % 20 == 19)
                reportStats(end, todo.size(), batchStart, algosBefore, session);
        }
        if (progress && todo.empty()) progress(0, 0);
        reportStats(todo.size(), todo.size(), batchStart, algosBefore, session);
    }

  private:
    // IOSCOPE_PROFILER_STATS=1: where the batches' time went, on stderr.
    void reportStats(size_t done, size_t total, Clock::time_point batchStart, size_t algosBefore,
                     const GraphSession& session) {
        if (!std::getenv("IOSCOPE_PROFILER_STATS")) return;
        std::fprintf(
            stderr,
            "profiler: %zu of %zu stages in %.2f s; so far compile %.2f s (%zu new conv algorithms), "
            "capture %.2f s, replay %.2f s; boundary %.4f ms\n",
            done, total, secondsSince(batchStart), stats_.compileS,
            device_.convAlgoCache().size() - algosBefore, stats_.captureS, stats_.replayS,
            session.boundaryMs);
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
        session_.reset(); // frees the previous graph's buffers first
        auto s = std::make_unique<GraphSession>();
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
        if (it != s.merged.end()) return *it->second.second;
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
        it = s.merged.emplace(ops, std::make_pair(std::move(buffer), std::move(program))).first;
        return *it->second.second;
    }

    // What the timing events cost (or save) against a whole-schedule graph without them: the
    // sequential schedule is measured once whole and once as single-op stages; the difference
    // per stage is added to every stage, so stage sums predict whole runs.
    void calibrateBoundary(GraphSession& s) {
        std::vector<StageGroups> stages;
        for (OpId id : s.graph->units()) stages.push_back({{&opProgram(s, id)}});
        double sum = 0;
        for (size_t at = 0; at < stages.size(); at += kChunkStages) {
            const std::vector<StageGroups> chunk(
                stages.begin() + long(at), stages.begin() + long(std::min(stages.size(), at + kChunkStages)));
            for (double ms : measureStages(chunk)) sum += ms;
        }
        cudaStream_t stream = device_.slot(0).stream;
        auto whole = [&] {
            for (const auto& st : stages) launchStage(device_, st);
        };
        CapturedGraph graph;
        std::function<void()> once = whole;
        if (mode_ == ExecMode::Graph) {
            graph.capture(device_, whole);
            once = [&] { graph.launch(stream); };
        }
        once();
        std::vector<double> runs;
        for (int i = 0; i < 7; ++i) runs.push_back(timeOnStream(stream, 1, once));
        std::nth_element(runs.begin(), runs.begin() + 3, runs.end());
        s.boundaryMs = (runs[3] - sum) / double(stages.size());
    }

    // The latency of each stage of `stages`, run back to back as described at the top.
    std::vector<double> measureStages(const std::vector<StageGroups>& stages) {
        if (!inGraphTiming_) return measureOneByOne(stages);
        const size_t n = stages.size();
        while (events_.size() < n + 1) {
            cudaEvent_t e = nullptr;
            IOSCOPE_CHECK(cudaEventCreate(&e));
            events_.push_back(e);
        }
        cudaStream_t stream = device_.slot(0).stream;
        const bool graphMode = mode_ == ExecMode::Graph;
        auto mark = [&](size_t i) {
            IOSCOPE_CHECK(graphMode ? cudaEventRecordWithFlags(events_[i], stream, cudaEventRecordExternal)
                                    : cudaEventRecord(events_[i], stream));
        };
        auto all = [&] {
            for (size_t i = 0; i < n; ++i) {
                mark(i);
                launchStage(device_, stages[i]);
            }
            mark(n);
        };
        CapturedGraph graph;
        std::function<void()> once = all;
        const auto captureStart = Clock::now();
        if (graphMode) {
            graph.capture(device_, all);
            once = [&] { graph.launch(stream); };
        }
        stats_.captureS += secondsSince(captureStart);
        const auto replayStart = Clock::now();
        once(); // warm-up: uploads the graph, touches the data
        std::vector<std::vector<double>> samples(n);
        for (int k = 0; k < kSamples; ++k) {
            once();
            IOSCOPE_CHECK(cudaStreamSynchronize(stream));
            for (size_t i = 0; i < n; ++i) {
                float ms = 0;
                if (cudaEventElapsedTime(&ms, events_[i], events_[i + 1]) != cudaSuccess) {
                    // A driver that cannot time events recorded by graph nodes: time one
                    // stage per graph launch instead (slower, same quantity).
                    cudaGetLastError();
                    inGraphTiming_ = false;
                    return measureOneByOne(stages);
                }
                samples[i].push_back(ms);
            }
        }
        stats_.replayS += secondsSince(replayStart);
        std::vector<double> medians(n);
        for (size_t i = 0; i < n; ++i) {
            std::nth_element(samples[i].begin(), samples[i].begin() + kSamples / 2, samples[i].end());
            medians[i] = samples[i][kSamples / 2];
        }
        return medians;
    }

    std::vector<double> measureOneByOne(const std::vector<StageGroups>& stages) {
        cudaStream_t stream = device_.slot(0).stream;
        std::vector<double> medians;
        for (const StageGroups& stage : stages) {
            auto body = [&] { launchStage(device_, stage); };
            CapturedGraph graph;
            std::function<void()> once = body;
            if (mode_ == ExecMode::Graph) {
                graph.capture(device_, body);
                once = [&] { graph.launch(stream); };
            }
            once();
            std::vector<double> samples;
            for (int k = 0; k < kSamples; ++k) samples.push_back(timeOnStream(stream, 1, once));
            std::nth_element(samples.begin(), samples.begin() + kSamples / 2, samples.end());
            medians.push_back(samples[kSamples / 2]);
        }
        return medians;
    }

    ExecMode mode_;
    bool inGraphTiming_ = true;
    std::shared_ptr<ProfileCache> record_;
    Device& device_;
    std::string cuda_, cudnn_;
    std::unique_ptr<GraphSession> session_;
    std::unordered_map<std::string, double> measured_;
    std::vector<cudaEvent_t> events_; // timing marks between batched stages
    struct {
        double compileS = 0, captureS = 0, replayS = 0;
    } stats_; // cumulative, for IOSCOPE_PROFILER_STATS
};

} // namespace

std::unique_ptr<CostModel> makeGpuCostModel(ExecMode mode, std::shared_ptr<ProfileCache> record) {
    return std::make_unique<GpuCostModel>(mode, std::move(record));
}

} // namespace ioscope
