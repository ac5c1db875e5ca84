#pragma once
// The explorer's state: the open model and the schedule runs made on it. Views observe it;
// jobs deliver into it on the GUI thread.
#include "loaded_model.h"
#include "schedule_run.h"

#include <QObject>

#include <deque>

namespace ioscope::app {

class Document : public QObject {
    Q_OBJECT
  public:
    explicit Document(QObject* parent = nullptr) : QObject(parent) {}

    bool hasModel() const { return model_.graph != nullptr; }
    const LoadedModel& model() const { return model_; }
    const Graph* graph() const { return model_.graph.get(); }
    // Replaces the model and forgets every run made on the previous one.
    void setModel(LoadedModel model);

    // A deque: views hold pointers to runs, and appending must not move them.
    const std::deque<ScheduleRun>& runs() const { return runs_; }
    const ScheduleRun* run(int id) const;
    // The most recent run made by `kind` (the timeline lanes), or null.
    const ScheduleRun* latestOf(SchedulerKind kind) const;
    // Appends a run, assigning its id; returns the id.
    int addRun(ScheduleRun run);
    void setMeasured(int runId, const ExecutionResult& result);
    // Replaces what run `id` holds (an edited schedule, re-evaluated), keeping its id; views
    // reload it as if it were picked again.
    void replaceRun(int id, ScheduleRun run);
    void clearRuns();

    // The run the schedule table, the properties and the exports refer to (-1: none).
    int currentRunId() const { return currentRunId_; }
    const ScheduleRun* currentRun() const { return run(currentRunId_); }
    void setCurrentRun(int id);

  signals:
    void modelChanged();
    void aboutToChangeRuns();
    void runsChanged();
    void runUpdated(int id);
    void currentRunChanged(int id);

  private:
    LoadedModel model_;
    std::deque<ScheduleRun> runs_;
    int nextId_ = 1;
    int currentRunId_ = -1;
};

} // namespace ioscope::app
