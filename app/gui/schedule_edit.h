#pragma once
// Hand edits of a schedule: move an op or a group to another stage or stream, merge or split
// stages. Each edit returns the new schedule or the reason it is refused (validateSchedule's
// message: a producer would run after its consumer, two groups of a stage would be joined by an
// edge, a merge stage would break the merge rule). Pure functions; the window re-evaluates the
// result with the current cost model and keeps an undo stack.
#include "schedule/schedule.h"

#include <QString>

namespace ioscope::app {

struct EditResult {
    Schedule schedule; // valid when `refused` is empty
    QString refused;   // why the edit is not allowed
    bool ok() const { return refused.isEmpty(); }
};

// Where an op is: stage, group and position (-1s when absent).
struct OpPlace {
    int stage = -1, group = -1, index = -1;
};
OpPlace findOp(const Schedule& s, OpId op);

// Moves `op` into stage `toStage`: into group `toGroup`, or a new group (stream) when -1. With
// `newStage`, a new stage is inserted at index `toStage` instead and holds only the op. Ops of a
// group keep topological order. Stages and groups left empty disappear.
EditResult moveOp(const Graph& g, const Schedule& s, OpId op, int toStage, int toGroup,
                  bool newStage = false);
// Moves a whole group (stream) of `stage` to stage `toStage` as a new group of it.
EditResult moveGroup(const Graph& g, const Schedule& s, int stage, int group, int toStage);
// Stage k and k+1 become one concurrent stage (their groups side by side).
EditResult mergeStages(const Graph& g, const Schedule& s, int stage);
// Each group of stage k becomes a stage of its own, in order (a merge stage: each op).
EditResult splitStage(const Graph& g, const Schedule& s, int stage);

} // namespace ioscope::app
