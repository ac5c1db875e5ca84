// latencyLowerBound: the critical path and the work bound of a set of ops.
#include "sched/lower_bound.h"

#include "cost/sim_cost_model.h"
#include "sched/fast_schedulers.h"
#include "sched/sub_dag.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>

namespace ioscope {
namespace {

// Cut ops: every other op of the set is an ancestor or a descendant, so the ops before a cut
// finish before it starts and those after start after it ends. An op's phase is the number of
// cuts among its strict ancestors (a cut ends its phase), in local (topological) order.
// Quadratic in the ops: larger sets keep one phase.
constexpr size_t kMaxPhasedOps = 8192;

std::vector<int> phasesOf(const detail::SubDag& d) {
    const size_t n = static_cast<size_t>(d.size()), words = (n + 63) / 64;
    if (n > kMaxPhasedOps) return std::vector<int>(n, 0); // one phase: the bound stays valid
    std::vector<std::uint64_t> anc(n * words, 0);         // strict ancestors, one bit row per op
    std::vector<int> ancestors(n, 0), descendants(n, 0);
    for (size_t i = 0; i < n; ++i) {
        std::uint64_t* row = &anc[i * words];
        for (int p : d.pred[i]) {
            const std::uint64_t* from = &anc[static_cast<size_t>(p) * words];
            for (size_t w = 0; w < words; ++w) row[w] |= from[w];
            row[static_cast<size_t>(p) / 64] |= std::uint64_t(1) << (p % 64);
        }
        for (size_t w = 0; w < words; ++w)
            for (std::uint64_t bits = row[w]; bits; bits &= bits - 1) {
                ++ancestors[i];
                ++descendants[w * 64 + static_cast<size_t>(std::countr_zero(bits))];
            }
    }
    std::vector<int> phase(n, 0);
    for (size_t i = 0; i < n; ++i)
        for (size_t w = 0; w < words; ++w)
            for (std::uint64_t bits = anc[i * words + w]; bits; bits &= bits - 1) {
                const size_t j = w * 64 + static_cast<size_t>(std::countr_zero(bits));
                phase[i] += ancestors[j] + descendants[j] + 1 == static_cast<int>(n);
            }
    return phase;
}

} // namespace

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
    const size_t n = static_cast<size_t>(d.size());
    // The phase of each op: how many cut ops are its strict ancestors.
    const std::vector<int> phase = phasesOf(d);
    const int phases = n ? phase.back() + 1 : 0;
    std::vector<double> chain(n, 0), phaseChain(n, 0);
    std::vector<double> phaseLongest(static_cast<size_t>(phases), 0);
    double longest = 0;
    for (size_t i = 0; i < n; ++i) {
        const double own =
            mergeable[i] ? 0.0 : std::max(0.0, singleMs[static_cast<size_t>(d.ops[i])] - shared);
        double before = 0, beforeInPhase = 0;
        for (int p : d.pred[i]) {
            before = std::max(before, chain[static_cast<size_t>(p)]);
            if (phase[static_cast<size_t>(p)] == phase[i])
                beforeInPhase = std::max(beforeInPhase, phaseChain[static_cast<size_t>(p)]);
        }
        chain[i] = before + own;
        phaseChain[i] = beforeInPhase + own;
        longest = std::max(longest, chain[i]);
        double& pl = phaseLongest[static_cast<size_t>(phase[i])];
        pl = std::max(pl, phaseChain[i]);
    }
    b.criticalPathMs = longest + shared;
    std::vector<double> phaseWork(static_cast<size_t>(phases), 0);
    if (sim) {
        const SimDevice& dev = sim->simDevice();
        const double bandwidth = dev.memGBs * 1e3 * dev.memEff; // bytes per microsecond
        struct Work {
            double smUs = 0, bytes = 0, kernels = 0;
            double busyUs(const SimDevice& dev, double bandwidth) const {
                // The front end launches one kernel at a time, and the last one launched still
                // has its fixed tail to run.
                const double launches = kernels > 0 ? kernels * dev.launchUs + dev.kernelTailUs : 0;
                return std::max({smUs / std::max(1, dev.sms), bytes / std::max(1e-9, bandwidth), launches});
            }
        };
        Work total;
        std::vector<Work> perPhase(static_cast<size_t>(phases));
        for (size_t i = 0; i < n; ++i)
            for (const auto& stream : sim->stageStreams(g, Stage{Strategy::Concurrent, {{d.ops[i]}}}, run))
                for (const SimKernel& k : stream)
                    for (Work* w : {&total, &perPhase[static_cast<size_t>(phase[i])]}) {
                        w->smUs += double(k.blocks) / std::max(1, k.blocksPerSm) * k.blockUs;
                        w->bytes += k.bytes;
                        w->kernels += 1;
                    }
        b.workMs = (dev.stageBaseUs + total.busyUs(dev, bandwidth)) / 1000.0;
        for (int p = 0; p < phases; ++p)
            phaseWork[static_cast<size_t>(p)] =
                perPhase[static_cast<size_t>(p)].busyUs(dev, bandwidth) / 1000.0;
    }
    b.phases = phases;
    b.phasedMs = shared;
    for (int p = 0; p < phases; ++p)
        b.phasedMs += std::max(phaseLongest[static_cast<size_t>(p)], phaseWork[static_cast<size_t>(p)]);
    b.boundMs = std::max({b.criticalPathMs, b.workMs, b.phasedMs});
    return b;
}

LatencyBound latencyLowerBound(const Graph& g, CostModel& cost, const RunConfig& run) {
    return latencyLowerBound(g, g.units(), cost, run, singleOpLatenciesMs(g, cost, run));
}

double gapToBound(double latencyMs, double boundMs) {
    return boundMs > 0 ? std::max(0.0, latencyMs / boundMs - 1.0) : 0.0;
}

} // namespace ioscope
