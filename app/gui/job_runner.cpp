#include "job_runner.h"

#include "util/errors.h"

namespace ioscope::app {

double JobContext::seconds() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
}

bool JobContext::progressDue(bool last) {
    const Clock::time_point now = Clock::now();
    if (!last && now - lastProgress_ < kProgressInterval) return false;
    lastProgress_ = now;
    return true;
}

JobRunner::~JobRunner() {
    if (cancel_) cancel_->store(true);
    for (auto& f : futures_) f.waitForFinished();
}

bool JobRunner::workersBusy() const {
    for (const auto& f : futures_)
        if (!f.isFinished()) return true;
    return false;
}

void JobRunner::waitForWorkers() {
    for (auto& f : futures_) f.waitForFinished();
}

void JobRunner::cancel() {
    if (!running_ || !cancel_) return;
    cancel_->store(true);
    // The worker's own result is now stale: report at once, drop whatever it posts later.
    ++generation_;
    running_ = false;
    emit runningChanged(false);
    emit cancelled();
}

QString JobRunner::failureMessage(const QString& what, std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const InputError& e) {
        return QString::fromUtf8(e.what());
    } catch (const RuntimeFailure& e) {
        return QString::fromUtf8(e.what());
    } catch (const std::exception& e) {
        return what + QStringLiteral(": ") + QString::fromUtf8(e.what());
    } catch (...) {
        return what + QStringLiteral(": an unknown error");
    }
}

JobContext JobRunner::begin() {
    if (cancel_) cancel_->store(true);
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    ++generation_;
    const bool wasRunning = running_;
    running_ = true;
    if (!wasRunning) emit runningChanged(true);
    return JobContext(this, generation_, cancel_);
}

void JobRunner::end(quint64 generation) {
    if (!isCurrent(generation) || !running_) return;
    running_ = false;
    emit runningChanged(false);
}

void JobRunner::track(QFuture<void> future) {
    std::erase_if(futures_, [](const QFuture<void>& f) { return f.isFinished(); });
    futures_.push_back(std::move(future));
}

} // namespace ioscope::app
