#pragma once
// Launching stages: each group's programs run in order on its own slot stream, the groups of a
// stage fork from and join back into slot 0 through events, so consecutive stages are ordered
// without any host synchronisation. The same calls are what a CUDA-graph capture records.
#include "gpu/op_program.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

namespace ioscope::gpu {

// How a program is put on a slot: enqueued (the default) or, while profiling, added as a
// captured child graph (gpu/child_graphs.h).
using ProgramLauncher = std::function<void(const Program&, Slot&)>;

// groups[g] = the programs group g runs, in order. Slots 0..groups.size()-1 must exist.
void launchStage(Device& device, const std::vector<std::vector<const Program*>>& groups,
                 const ProgramLauncher& launcher = {});

// Captures `body` (which enqueues on slot 0 and forks to other slots) into a CUDA graph and
// instantiates it. Ends the capture cleanly when `body` throws.
class CapturedGraph {
  public:
    CapturedGraph() = default;
    template <typename F> void capture(Device& device, F&& body) {
        begin(device);
        try {
            body();
        } catch (...) {
            abort(device);
            throw;
        }
        end(device);
    }
    ~CapturedGraph();
    CapturedGraph(const CapturedGraph&) = delete;
    CapturedGraph& operator=(const CapturedGraph&) = delete;
    void launch(cudaStream_t stream) const;
    // A fresh executable instance of the same graph (CUPTI must see instantiation to record it).
    void reinstantiate();
    size_t nodeCount() const;
    // Seconds the last capture spent in cudaGraphInstantiate (the rest is enqueueing).
    double instantiateSeconds() const { return instantiateS_; }

  private:
    void begin(Device& device);
    void end(Device& device);
    void abort(Device& device);
    cudaGraph_t graph_ = nullptr;
    cudaGraphExec_t exec_ = nullptr;
    double instantiateS_ = 0;
};

// One run of `body` the way a mode runs it: captured once into a CUDA graph and replayed
// (`captured`), or enqueued anew on every run (stages mode).
class ModeLaunch {
  public:
    template <typename F> ModeLaunch(Device& device, bool captured, F&& body) : body_(std::forward<F>(body)) {
        if (!captured) return;
        graph_ = std::make_unique<CapturedGraph>();
        graph_->capture(device, body_);
    }
    void operator()(cudaStream_t stream) const {
        if (graph_)
            graph_->launch(stream);
        else
            body_();
    }

  private:
    std::function<void()> body_;
    std::unique_ptr<CapturedGraph> graph_;
};

// The median of `samples` (the upper one of an even count); reorders them.
inline double medianOf(std::vector<double>& samples) {
    const auto mid = samples.begin() + long(samples.size() / 2);
    std::nth_element(samples.begin(), mid, samples.end());
    return *mid;
}

// Milliseconds of `launches` calls of `body` enqueued back to back on slot 0, timed with events.
template <typename F> double timeOnStream(cudaStream_t stream, int launches, F&& body) {
    cudaEvent_t start = nullptr, stop = nullptr;
    IOSCOPE_CHECK(cudaEventCreate(&start));
    IOSCOPE_CHECK(cudaEventCreate(&stop));
    float ms = 0;
    try {
        IOSCOPE_CHECK(cudaEventRecord(start, stream));
        for (int i = 0; i < launches; ++i) body();
        IOSCOPE_CHECK(cudaEventRecord(stop, stream));
        IOSCOPE_CHECK(cudaEventSynchronize(stop));
        IOSCOPE_CHECK(cudaEventElapsedTime(&ms, start, stop));
    } catch (...) {
        cudaEventDestroy(start);
        cudaEventDestroy(stop);
        throw;
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return ms;
}

} // namespace ioscope::gpu
