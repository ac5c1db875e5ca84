// latencyLowerBound: the critical path and the work bound of a set of ops.
#include "sched/lower_bound.h"

#include "cost/sim_cost_model.h"
#include "sched/fast_schedulers.h"
#include "sched/sub_dag.h"

#include <algorithm>
#include <limits>

namespace ioscope {

LatencyBound latencyLowerBound(const Graph& g, const std::vector<OpId>& ops, CostModel& cost,
                               const RunConfig& run, const std::vector<double>& singleMs) {
    LatencyBound b;
    const detail::SubDag d(g, ops);
    if (d.size() == 0) return b;
    const auto* sim = dynamic_cast<const SimCostModel*>(&cost);
    // What an op alone pays that a chain in one stage pays once: the stage boundary.
    double shared = std::numeric_limits<double>::infinity();
    if (sim) {
        shared = sim->simDevice().stageBaseUs / 1000.0;
    } else {
        for (OpId u : d.ops) shared = std::min(shared, singleMs[static_cast<size_t>(u)]);
    }
    // A model other than the simulated one may cost a merged convolution below its members
    // alone: an op that could merge with a sibling (same producer) counts nothing on the chain.
    std::vector<char> mergeable(static_cast<size_t>(d.size()), 0);
    if (!sim)
        for (size_t i = 0; i < mergeable.size(); ++i) {
            const OpId u = d.ops[i];
            if (g.predecessors(u).size() != 1) continue;
            for (OpId v : g.successors(g.predecessors(u).front()))
                if (v != u && mergeRuleViolation(g, {u, v}).empty()) mergeable[i] = 1;
        }
    std::vector<double> chain(static_cast<size_t>(d.size()), 0);
    double longest = 0;
    for (size_t i = 0; i < chain.size(); ++i) {
        double before = 0;
        for (int p : d.pred[i]) before = std::max(before, chain[static_cast<size_t>(p)]);
        chain[i] =
            before + (mergeable[i] ? 0.0 : std::max(0.0, singleMs[static_cast<size_t>(d.ops[i])] - shared));
        longest = std::max(longest, chain[i]);
    }
    b.criticalPathMs = longest + shared;
    if (sim) {
        const SimDevice& dev = sim->simDevice();
        double smUs = 0, bytes = 0, kernels = 0;
        for (OpId u : d.ops)
            for (const auto& stream : sim->stageStreams(g, Stage{Strategy::Concurrent, {{u}}}, run))
                for (const SimKernel& k : stream) {
                    smUs += double(k.blocks) / std::max(1, k.blocksPerSm) * k.blockUs;
                    bytes += k.bytes;
                    kernels += 1;
                }
        const double bandwidth = dev.memGBs * 1e3 * dev.memEff; // bytes per microsecond
        const double busyUs = std::max(
            {smUs / std::max(1, dev.sms), bytes / std::max(1e-9, bandwidth), kernels * dev.launchUs});
        b.workMs = (dev.stageBaseUs + busyUs) / 1000.0;
    }
    b.boundMs = std::max(b.criticalPathMs, b.workMs);
    return b;
}

LatencyBound latencyLowerBound(const Graph& g, CostModel& cost, const RunConfig& run) {
    return latencyLowerBound(g, g.units(), cost, run, singleOpLatenciesMs(g, cost, run));
}

double gapToBound(double latencyMs, double boundMs) {
    return boundMs > 0 ? std::max(0.0, latencyMs / boundMs - 1.0) : 0.0;
}

} // namespace ioscope
