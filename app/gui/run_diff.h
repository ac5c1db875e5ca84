#pragma once
// The difference between two runs of one model: how each op's place changed (the ops it shares
// a stage or a stream with) and the predicted latency stage by stage.
#include "schedule_run.h"

#include <deque>
#include <utility>
#include <vector>

namespace ioscope::app {

enum class OpChange {
    Same,   // the same stage mates and the same stream mates
    Stream, // the same stage mates, another stream (group)
    Stage,  // other stage mates: moved, merged or split
    Absent, // not scheduled in one of the runs
};

// One row of the per-stage table. Stages are aligned by their ops, not by their index: a stage
// inserted or removed by an edit is a row of its own, and the stages after it still face their
// counterparts (by index, every later stage read as changed).
struct StageDiffRow {
    int stage = 0;                         // the row
    int beforeStage = -1, afterStage = -1; // the stage index in each run; -1: none faces it
    double beforeMs = -1, afterMs = -1;    // -1: no such stage in that run
    int opsMoved = 0;                      // ops of the after-stage whose stage mates changed
};

struct RunDiff {
    std::vector<OpChange> change; // by OpId
    std::vector<StageDiffRow> stages;
    int same = 0, stream = 0, stage = 0;
    double beforeMs = 0, afterMs = 0;
};

RunDiff diffRuns(const Graph& g, const ScheduleRun& before, const ScheduleRun& after);

// The pair the Compare dock shows until the user picks: after = the current run (else the
// newest); before = the run it was edited from, else the fastest other run whose times compare
// with it and whose schedule differs, else the newest other run. {-1, -1} with fewer than two runs.
std::pair<int, int> defaultDiffPair(const std::deque<ScheduleRun>& runs, int currentRunId);

} // namespace ioscope::app
