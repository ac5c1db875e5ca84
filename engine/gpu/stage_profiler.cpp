// The live-profiling cost model: each candidate stage runs through the same runtime that
// executes schedules (same buffer plan, programs and fork/join launches). In graph mode a stage
// is captured several times back to back into one CUDA graph and replayed, so the measurement
// holds what a stage boundary costs inside a whole-schedule graph (fork, join, launch gaps) and
// stage sums predict whole runs; the repeat count adapts so every sample lasts long enough.
#include "cost/profile_cache.h"
#include "cost/stage_signature.h"
#include "exec/gpu_execution.h"
#include "gpu/kernels.h"
#include "gpu/stage_launch.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace ioscope {

using namespace gpu;

namespace {

constexpr int kCopies = 8;               // stage copies per captured graph
constexpr int kSamples = 3;              // timed samples; the median is kept
constexpr double kSampleTargetMs = 0.06; // each sample at least this long

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
    std::string name() const override { return mode_ == ExecMode::Graph ? "gpu" : "gpu:stages"; }
    std::string device() const override { return device_.name(); }

    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        auto lock = device_.lock();
        const std::string sig = stageSignature(g, stage, cfg);
        auto known = measured_.find(sig);
        if (known != measured_.end()) return known->second;
        GraphSession& session = sessionFor(g, cfg);
        std::vector<std::vector<const Program*>> groups;
        if (stage.strategy == Strategy::Merge && stage.opCount() > 1) {
            groups.push_back({&mergedProgram(session, stage.allOps())});
        } else {
            for (const auto& group : stage.groups) {
                std::vector<const Program*> list;
                for (OpId id : group) list.push_back(&opProgram(session, id));
                groups.push_back(std::move(list));
            }
        }
        device_.ensureSlots(static_cast<int>(groups.size()));
        const double ms = measure(groups) + session.boundaryMs;
        measured_[sig] = ms;
        if (record_) record_->insert(context(cfg), sig, ms);
        return ms;
    }

  private:
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

    // What a stage boundary costs beyond a stage measured on its own (kernels that differ from
    // the last, one long graph): the whole sequential schedule is measured once per graph and
    // compared with the sum of its single-op stages; the difference per stage is added to every
    // stage, so stage sums predict whole runs.
    void calibrateBoundary(GraphSession& s) {
        std::vector<std::vector<std::vector<const Program*>>> stages;
        double sum = 0;
        for (OpId id : s.graph->units()) {
            stages.push_back({{&opProgram(s, id)}});
            sum += measure(stages.back());
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
        s.boundaryMs = std::max(0.0, (runs[3] - sum) / double(stages.size()));
    }

    double measure(const std::vector<std::vector<const Program*>>& groups) {
        cudaStream_t stream = device_.slot(0).stream;
        auto copies = [&] {
            for (int i = 0; i < kCopies; ++i) launchStage(device_, groups);
        };
        CapturedGraph graph;
        std::function<void()> once = copies;
        if (mode_ == ExecMode::Graph) {
            graph.capture(device_, copies);
            once = [&] { graph.launch(stream); };
        }
        once(); // warm-up (uploads the graph, touches the data)
        std::vector<double> samples{timeOnStream(stream, 1, once)};
        const int launches = std::clamp(int(std::ceil(kSampleTargetMs / std::max(samples[0], 1e-4))), 1, 64);
        while (int(samples.size()) < kSamples)
            samples.push_back(timeOnStream(stream, launches, once) / launches);
        std::nth_element(samples.begin(), samples.begin() + kSamples / 2, samples.end());
        return samples[kSamples / 2] / kCopies;
    }

    ExecMode mode_;
    std::shared_ptr<ProfileCache> record_;
    Device& device_;
    std::string cuda_, cudnn_;
    std::unique_ptr<GraphSession> session_;
    std::unordered_map<std::string, double> measured_;
};

} // namespace

std::unique_ptr<CostModel> makeGpuCostModel(ExecMode mode, std::shared_ptr<ProfileCache> record) {
    return std::make_unique<GpuCostModel>(mode, std::move(record));
}

} // namespace ioscope
