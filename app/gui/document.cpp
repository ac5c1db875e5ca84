#include "document.h"

namespace ioscope::app {

void Document::setModel(LoadedModel model) {
    setCurrentRun(-1); // views let go of the runs before they are destroyed
    emit aboutToChangeRuns();
    runs_.clear();
    nextId_ = 1; // run numbers count the runs of this model
    model_ = std::move(model);
    emit runsChanged();
    emit modelChanged();
}

const ScheduleRun* Document::run(int id) const {
    for (const auto& r : runs_)
        if (r.id == id) return &r;
    return nullptr;
}

const ScheduleRun* Document::latestOf(SchedulerKind kind) const {
    for (auto it = runs_.rbegin(); it != runs_.rend(); ++it)
        if (it->scheduler == kind) return &*it;
    return nullptr;
}

int Document::addRun(ScheduleRun run) {
    emit aboutToChangeRuns();
    run.id = nextId_++;
    runs_.push_back(std::move(run));
    emit runsChanged();
    return runs_.back().id;
}

void Document::setMeasured(int runId, const ExecutionResult& result) {
    for (auto& r : runs_)
        if (r.id == runId) {
            r.measured = result;
            emit runUpdated(runId);
            return;
        }
}

void Document::replaceRun(int id, ScheduleRun run) {
    for (auto& r : runs_)
        if (r.id == id) {
            emit aboutToChangeRuns();
            run.id = id;
            r = std::move(run);
            emit runsChanged();
            emit runUpdated(id);
            if (id == currentRunId_) emit currentRunChanged(id);
            return;
        }
}

void Document::clearRuns() {
    setCurrentRun(-1);
    emit aboutToChangeRuns();
    runs_.clear();
    emit runsChanged();
}

void Document::setCurrentRun(int id) {
    if (id != -1 && !run(id)) return;
    if (id == currentRunId_) return;
    currentRunId_ = id;
    emit currentRunChanged(id);
}

} // namespace ioscope::app
