#pragma once
// A lower bound on the latency of any schedule of a set of ops under a cost model
// (docs/schedulers.md, "Lower bound"): no schedule beats its longest chain of ops, nor the
// device's capacity for its total work. The search reports its answer's gap to it.
#include "sched/scheduler.h"

#include <string>
#include <vector>

namespace ioscope {

struct LatencyBound {
    double criticalPathMs = 0; // the longest dependency chain, each op at its latency alone
    double workMs = 0;         // the total work at the device's full capacity (simulated models only)
    // The ops' time splits at "cut" ops (every other op an ancestor or a descendant) into phases
    // that cannot overlap: the larger of each phase's chain and work, summed over the phases.
    double phasedMs = 0;
    int phases = 0;
    double boundMs = 0; // the largest of the three
};

// `ops`: units of `g` (producers outside count as done); `singleMs[op]`: each op alone under
// `cost`. With a simulated model each op's own stage boundary is taken off the chain (ops of
// one chain may share a stage) and the work term is its kernels' SM time, bytes and launches
// over the device's SMs, bandwidth and front end. With other models the chain keeps the least
// single-op latency as the most an op can save by sharing a stage, ops that could be merged
// with a sibling count nothing (a model may cost a merged convolution below its members alone),
// and there is no work term. The work term counts after a phase's last launch the kernel's
// fixed tail at least.
LatencyBound latencyLowerBound(const Graph& g, const std::vector<OpId>& ops, CostModel& cost,
                               const RunConfig& run, const std::vector<double>& singleMs);
LatencyBound latencyLowerBound(const Graph& g, CostModel& cost, const RunConfig& run);

// The answer's distance above the bound, as a fraction (0.05: at most 5% slower than optimal).
double gapToBound(double latencyMs, double boundMs);

} // namespace ioscope
