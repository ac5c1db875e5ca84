#include "background_job.h"

namespace ioscope::app {

BackgroundJob::~BackgroundJob() {
    if (cancel_) cancel_->store(true);
    for (auto& f : futures_) f.waitForFinished();
}

bool BackgroundJob::workersBusy() const {
    for (const auto& f : futures_)
        if (!f.isFinished()) return true;
    return false;
}

void BackgroundJob::waitForWorkers() {
    for (auto& f : futures_) f.waitForFinished();
}

void BackgroundJob::cancel() {
    if (!running_ || !cancel_) return;
    cancel_->store(true);
    // The worker's own result is now stale: report at once, drop whatever it posts later.
    ++generation_;
    running_ = false;
    emit runningChanged(false);
    emit cancelled();
}

BackgroundJob::Ticket BackgroundJob::begin() {
    if (cancel_) cancel_->store(true);
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    ++generation_;
    const bool wasRunning = running_;
    running_ = true;
    if (!wasRunning) emit runningChanged(true);
    return {generation_, cancel_};
}

void BackgroundJob::end(quint64 generation) {
    if (!isCurrent(generation) || !running_) return;
    running_ = false;
    emit runningChanged(false);
}

void BackgroundJob::track(QFuture<void> future) {
    std::erase_if(futures_, [](const QFuture<void>& f) { return f.isFinished(); });
    futures_.push_back(std::move(future));
}

} // namespace ioscope::app
