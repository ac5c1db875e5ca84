#include "document.h"

namespace ioscope::app {

void Document::setModel(LoadedModel model) {
    emit aboutToChangeRuns();
    runs_.clear();
    currentRunId_ = -1;
    model_ = std::move(model);
    emit runsChanged();
    emit currentRunChanged(-1);
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

void Document::clearRuns() {
    emit aboutToChangeRuns();
    runs_.clear();
    emit runsChanged();
    setCurrentRun(-1);
}

void Document::setCurrentRun(int id) {
    if (id != -1 && !run(id)) return;
    if (id == currentRunId_) return;
    currentRunId_ = id;
    emit currentRunChanged(id);
}

} // namespace ioscope::app
