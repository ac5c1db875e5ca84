#pragma once
// One interface for stage latencies (docs/semantics.md, "Cost models"): simulated, live GPU profiling, or a
// profile cache replayed offline.
#include "graph/graph.h"
#include "schedule/run_config.h"
#include "schedule/schedule.h"
#include "util/cancel.h"
#include "util/errors.h"
#include "util/progress.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ioscope {

class CostModel {
  public:
    virtual ~CostModel() = default;
    // "sim:H100", "gpu", "cache:FILE".
    virtual std::string name() const = 0;
    // The device the latencies describe ("NVIDIA H100 (simulated)", the real GPU's name).
    virtual std::string device() const = 0;
    // Latency in milliseconds of one stage, including what its boundary to the next costs in
    // the mode schedules run in. Must be safe to call from several threads.
    virtual double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) = 0;

    // A lower bound on the latency of every stage of `groups` groups in which each group holds an op
    // whose latency alone is above zero (the search skips endings that cannot win by it). Zero, the
    // default, is always sound; a model returns more only where its formula guarantees it.
    virtual double stageFloorMs(int groups) const {
        (void)groups;
        return 0;
    }

    // A lower bound on what `op` adds to the time of the group (stream) that runs it in any
    // concurrent stage: such a stage costs at least F plus the largest sum of these over the ops of
    // one of its groups, where F is stageFloorMs(k) when each of its k groups holds an op whose
    // latency alone is above zero, else stageFloorMs(1) when some group's sum is above zero, else
    // zero. An op with a bound above zero must cost more than zero alone. The search skips endings
    // that cannot win by it (sched/part_dp.cpp, allowing for rounding). Zero, the default, is
    // always sound; a model returns more only where its formula guarantees it, or, for a measured
    // model, with a stated safety margin (docs/semantics.md, "Pruning by stage bounds").
    virtual double opChainFloorMs(const Graph& g, OpId op, const RunConfig& cfg) {
        (void)g, (void)op, (void)cfg;
        return 0;
    }

    // Whether stageFloorMs and opChainFloorMs bound only the latencies the model estimates, not
    // those it answers through knownLatencyMs (a speculative model: a measurement may fall below
    // its estimate's bound). The search then skips an ending by them only when its latency is not
    // known, and costs every known one.
    virtual bool boundsAreEstimates() const { return false; }

    // Whether stageLatencyMs is a pure function of the stage for the model's whole life (one stage
    // always costs the same): searches may then keep what they learnt for later searches.
    virtual bool latenciesAreFixed() const { return false; }

    // What searches keep with a model whose latencies are fixed (sched/part_dp.cpp: the latencies
    // of each part's endings by op set), made by the first search that asks and dropped with the
    // model. Its users guard its contents themselves.
    class SearchMemo {
      public:
        virtual ~SearchMemo() = default;
    };
    template <class Memo> Memo& searchMemo() {
        std::lock_guard lock(searchMemoMutex_);
        if (!searchMemo_) searchMemo_ = std::make_unique<Memo>();
        return static_cast<Memo&>(*searchMemo_);
    }

    // Models that measure many stages at once far faster than one at a time (live profiling:
    // one CUDA graph times hundreds of stages) say so; iosSchedule then searches speculatively
    // (sched/batched_search.h) and only ever asks stageLatencyMs for stages already measured.
    virtual bool measuresInBatches() const { return false; }
    // The latency of a stage measured before, without measuring anything.
    virtual std::optional<double> knownLatencyMs(const Graph&, const Stage&, const RunConfig&) {
        return std::nullopt;
    }
    // Measures every stage of `stages` (none known yet; one that appears twice is measured once).
    // `progress` gets the stages done of the total (Progress::done, total) now and then; throws
    // Cancelled when *cancel becomes true.
    virtual void measureBatch(const Graph& g, const std::vector<Stage>& stages, const RunConfig& cfg,
                              const ProgressCallback& progress, CancelFlag cancel) {
        for (size_t i = 0; i < stages.size(); ++i) {
            throwIfCancelled(cancel);
            stageLatencyMs(g, stages[i], cfg);
            if (progress)
                progress(
                    countedProgress(static_cast<long long>(i + 1), static_cast<long long>(stages.size())));
        }
    }

  private:
    std::mutex searchMemoMutex_;
    std::unique_ptr<SearchMemo> searchMemo_; // one type per model: sched's PartDp is its only user
};

} // namespace ioscope
