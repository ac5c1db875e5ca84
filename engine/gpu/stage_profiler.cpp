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
constexpr int kSamples = 5;              // timed samples; the median is kept
constexpr double kSampleTargetMs = 0.25; // each sample at least this long

// Everything profiling one graph at one run configuration needs, built on first use.
struct GraphSession {
    const Graph* graph = nullptr;
    std::string hash;
    RunConfig run;
    std::unique_ptr<BufferPlan> plan;
    std::unique_ptr<ProgramCompiler> compiler;
    std::unordered_map<OpId, std::unique_ptr<Program>> programs;
    std::map<std::vector<OpId>, std::pair<std::unique_ptr<DeviceBuffer>, std::unique_ptr<Program>>> merged;
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
        const double ms = measure(groups);
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
        session_ = std::move(s);
        return *session_;
    }

    const Program& opProgram(GraphSession& s, OpId id) {
        auto it = s.programs.find(id);
        if (it == s.programs.end())
            it = s.programs.emplace(id, std::make_unique<Program>(s.compiler->compileOp(id))).first;
        return *it->second;
    }

    const Program& mergedProgram(GraphSession& s, const std::vector<OpId>& ops) {
        auto it = s.merged.find(ops);
        if (it == s.merged.end()) {
            int channels = 0;
            for (OpId id : ops) channels += s.graph->op(id).out.c;
            const Shape first = s.graph->op(ops.front()).out;
            const Shape shape{channels, first.h, first.w};
            auto buffer = std::make_unique<DeviceBuffer>(
                size_t(shape.elements()) * s.run.batch * sizeof(float), "merged output");
            const View y{buffer->floats(), shape, shape.elements()};
            auto program = std::make_unique<Program>(s.compiler->compileMerged(ops, y));
            it = s.merged.emplace(ops, std::make_pair(std::move(buffer), std::move(program))).first;
        }
        return *it->second.second;
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
        const double first = timeOnStream(stream, 1, once);
        const int launches = std::clamp(int(std::ceil(kSampleTargetMs / std::max(first, 1e-4))), 1, 64);
        std::vector<double> samples;
        for (int i = 0; i < kSamples; ++i) samples.push_back(timeOnStream(stream, launches, once) / launches);
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
