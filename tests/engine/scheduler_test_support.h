#pragma once
// Shared by the scheduler tests: a small deterministic cost model with the shape that makes
// scheduling interesting, and random conv/add DAGs whose convs can often be merged.
#include "cost/cost_model.h"
#include "graph/graph.h"

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <vector>

namespace ioscope::testing {

// Stage latency = a fixed per-stage overhead + the busiest group's work, but never less than
// a share of the total work (the GPU saturates), plus a contention term growing with the
// square of the number of groups. Parallel stages save overheads for small work and lose to
// contention for many groups; merge stages do the work at a discount. Pure and thread-safe.
class TestCostModel : public CostModel {
  public:
    // `work[op]` per OpId; ops without an entry cost 1.
    explicit TestCostModel(std::vector<double> work = {}, double overhead = 0.5)
        : work_(std::move(work)), overhead_(overhead) {}

    std::string name() const override { return "test"; }
    std::string device() const override { return "test device"; }

    double stageLatencyMs(const Graph&, const Stage& stage, const RunConfig& cfg) override {
        calls.fetch_add(1, std::memory_order_relaxed);
        double total = 0, busiest = 0;
        for (const auto& group : stage.groups) {
            double w = 0;
            for (OpId id : group) w += workOf(id);
            total += w;
            busiest = std::max(busiest, w);
        }
        total *= cfg.batch;
        busiest *= cfg.batch;
        const double ops = stage.opCount();
        if (stage.strategy == Strategy::Merge) return overhead_ + 0.55 * total + 0.1 * ops;
        const double k = static_cast<double>(stage.groups.size());
        return overhead_ + std::max(busiest, 0.45 * total) + 0.25 * (k - 1) * (k - 1);
    }

    // Every stage pays the overhead, and a concurrent one the contention of its groups: in the same
    // floating-point order as stageLatencyMs, so the sums there are at least these.
    double stageFloorMs(int groups) const override {
        const double k = static_cast<double>(groups);
        return overhead_ + 0.25 * (k - 1) * (k - 1);
    }

    // A concurrent stage lasts at least its busiest group's work (the DP allows for the rounding
    // of summing it in another order).
    double opChainFloorMs(const Graph&, OpId id, const RunConfig& cfg) override {
        return workOf(id) * cfg.batch;
    }

    double workOf(OpId id) const {
        return static_cast<size_t>(id) < work_.size() ? work_[static_cast<size_t>(id)] : 1.0;
    }

    std::atomic<long long> calls{0};

  private:
    std::vector<double> work_;
    double overhead_;
};

inline Op convOp(const std::string& name, OpId input, int kernel, Activation act = Activation::None) {
    Op op;
    op.name = name;
    op.kind = OpKind::Conv;
    op.inputs = {input};
    op.window.kh = op.window.kw = kernel;
    op.window.ph = op.window.pw = kernel / 2;
    op.outChannels = 8;
    op.activation = act;
    return op;
}

inline Op addOp(const std::string& name, std::vector<OpId> inputs) {
    Op op;
    op.name = name;
    op.kind = OpKind::Add;
    op.inputs = std::move(inputs);
    return op;
}

// A random DAG of `units` ops on one 8x8x8 input: mostly convs (1x1 or 3x3, sometimes with
// ReLU) reading one earlier op, with some element-wise adds joining two earlier ops.
inline Graph randomDag(std::mt19937& rng, int units, std::vector<double>* work = nullptr) {
    Graph g("random");
    std::vector<OpId> ids{g.addInput("in", Shape{8, 8, 8})};
    auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
    for (int i = 0; i < units; ++i) {
        const std::string name = "op" + std::to_string(i);
        const bool add = ids.size() >= 3 && std::uniform_real_distribution<>(0, 1)(rng) < 0.3;
        if (add) {
            // Two distinct earlier units (the input is excluded so adds stay interesting).
            const size_t a = 1 + pick(ids.size() - 1);
            size_t b = 1 + pick(ids.size() - 1);
            if (b == a) b = a == 1 ? 2 : a - 1;
            ids.push_back(g.addOp(addOp(name, {ids[a], ids[b]})));
        } else {
            // Favour the first few producers so several convs share an input (merge chances).
            const size_t from = std::min(pick(ids.size()), pick(ids.size()));
            const int kernel = pick(2) ? 3 : 1;
            const Activation act = pick(4) == 0 ? Activation::Relu : Activation::None;
            ids.push_back(g.addOp(convOp(name, ids[from], kernel, act)));
        }
    }
    g.finalize("random");
    if (work) {
        work->assign(static_cast<size_t>(g.size()), 0.0);
        for (OpId u : g.units())
            (*work)[static_cast<size_t>(u)] = std::uniform_real_distribution<>(0.2, 3.0)(rng);
    }
    return g;
}

} // namespace ioscope::testing
