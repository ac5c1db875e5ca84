#pragma once
// Times batches of stages on slot 0, the way the live profiler measures them: each stage after
// an optional L2 flush and between two timing events, the whole batch captured into one CUDA
// graph (graph mode) or enqueued (stages mode), run 3-5 times (cost/replay_samples.h), the
// median per stage kept. In graph mode a batch can be captured on one thread while the previous
// one replays on another (capture / replay); measure does both in turn.
#include "cost/replay_samples.h"
#include "gpu/profiling_session.h"
#include "gpu/stage_launch.h"

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace ioscope::gpu {

class StageTimer {
  public:
    // `sampling` and `flushL2Multiple` come from the context's ProfilerOptions (gpu/gpu_context.h).
    StageTimer(Device& device, bool graphMode, bool childGraphs, ReplaySampling sampling,
               double flushL2Multiple);
    ~StageTimer();
    StageTimer(const StageTimer&) = delete;
    StageTimer& operator=(const StageTimer&) = delete;

    // Follows the session's flush choice and child graphs. Allocates the flush buffer on first
    // use, so call it before any capture begins.
    void use(ProfilingSession& session);

    // A batch captured for a later replay; two event sets let one replay while the next is
    // captured.
    struct Batch {
        std::vector<StageGroups> stages;
        std::unique_ptr<CapturedGraph> graph;
        int eventSet = 0;
    };
    void capture(Batch& batch, int eventSet);
    // Replays a captured batch on the timer's own stream (safe on a helper thread while the
    // host captures the next batch). Empty when the driver cannot time events recorded by
    // graph nodes; measureOneByOne then gives the same quantity.
    std::optional<std::vector<double>> replay(const Batch& batch);

    // Each stage's latency, captured or enqueued and run in turn (no pipelining).
    std::vector<double> measure(const std::vector<StageGroups>& stages);
    // One stage per launch: slower, for drivers without in-graph event timing.
    std::vector<double> measureOneByOne(const std::vector<StageGroups>& stages);

    // Whether batches can be timed inside one graph (false after a driver refused).
    bool inGraphTiming() const { return inGraphTiming_; }
    const ReplaySampling& sampling() const { return sampling_; }

    struct Stats {
        double captureS = 0, instantiateS = 0, replayS = 0;
        size_t replays = 0, batches = 0;
        double settledAtMin = 0; // summed over batches: share of stages settled after minSamples
    };
    const Stats& stats() const { return stats_; }

  private:
    std::vector<cudaEvent_t>& timingEvents(int set, size_t count);
    void flushCache(cudaStream_t stream);
    void enqueueTimed(const std::vector<StageGroups>& stages, const std::vector<cudaEvent_t>& marks,
                      bool captured);
    void prepareChildren(const std::vector<StageGroups>& stages);
    std::optional<std::vector<double>> readMarks(size_t n, const std::vector<cudaEvent_t>& marks,
                                                 const std::function<void()>& once);

    Device& device_;
    const bool graphMode_;
    const bool childGraphs_;
    const ReplaySampling sampling_;
    const double flushL2Multiple_;
    bool inGraphTiming_ = true;
    bool flushing_ = true;
    ChildGraphs* children_ = nullptr;    // the session's, when batches are built from child graphs
    std::vector<cudaEvent_t> events_[2]; // timing marks between batched stages, two pipelined sets
    cudaStream_t replayStream_ = nullptr;
    cudaEvent_t replayDone_ = nullptr; // blocking-sync: the replay thread sleeps while it waits
    std::unique_ptr<DeviceBuffer> flush_, flushSink_; // see flushCache
    Stats stats_;
};

} // namespace ioscope::gpu
