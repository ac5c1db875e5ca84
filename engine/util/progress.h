#pragma once
// The one progress report of long engine work and its callback; with util/cancel.h's CancelFlag,
// the engine's one progress-and-cancel interface. A search (sched/scheduler.h, the pipeline)
// fills all of it; measuring a batch of stages (CostModel::measureBatch) and fitting the
// simulated model (cost/sim_calibration.h) fill the counts and what else applies.
#include <algorithm>
#include <functional>

namespace ioscope {

struct Progress {
    double fraction = 0; // 0..1 over the whole work
    long long done = 0,
              total = 0;  // units of work done and in all (stages measured, fit rounds), when counted
    long long states = 0; // a search's DP states so far
    long long transitions = 0;
    long long stagesCosted = 0; // distinct stages the cost model was asked for
    double bestLatencyMs = 0;   // a search's best complete estimate so far (finished parts + sequential rest)
    double loss = 0;            // a fit's loss so far
};

using ProgressCallback = std::function<void(const Progress&)>;

// `done` of `total` units, the fraction with them (0 of 0 is none done).
inline Progress countedProgress(long long done, long long total) {
    Progress p;
    p.done = done;
    p.total = total;
    p.fraction = total > 0 ? std::min(1.0, double(done) / double(total)) : 0.0;
    return p;
}

} // namespace ioscope
