#pragma once
// Shared plumbing of the explorer's worker jobs: each start() gets a new generation and its
// own cancellation flag, so cancelling stops the worker promptly and a result that arrives
// from an older generation is dropped instead of overwriting a newer one.
#include "util/tsan_handoff.h"

#include <QFuture>
#include <QObject>

#include <atomic>
#include <memory>
#include <vector>

namespace ioscope::app {

class BackgroundJob : public QObject {
    Q_OBJECT
  public:
    explicit BackgroundJob(QObject* parent = nullptr) : QObject(parent) {}
    // Cancels and waits for every worker still running, so none posts to a dead object.
    ~BackgroundJob() override;

    bool isRunning() const { return running_; }
    quint64 generation() const { return generation_; }
    // True while any worker thread of this job (current or cancelled) has not returned yet.
    bool workersBusy() const;
    // Blocks until every worker returned (tests, headless runs, shutdown).
    void waitForWorkers();

  public slots:
    // Raises the current run's flag; the worker stops at its next check and the job reports
    // cancelled(). A no-op when idle.
    void cancel();

  signals:
    void runningChanged(bool running);
    void cancelled();

  protected:
    struct Ticket {
        quint64 generation = 0;
        std::shared_ptr<std::atomic<bool>> cancel;
    };
    // Starts a new generation: cancels the previous one (its late results will be dropped).
    Ticket begin();
    bool isCurrent(quint64 generation) const { return generation == generation_; }
    // Marks the generation done (when current) and tells observers.
    void end(quint64 generation);
    void track(QFuture<void> future);
    // Runs `fn` on the GUI thread unless this job is gone; workers deliver through it. Workers
    // start with their lambda wrapped as tsan::handOff(this, ...) too (util/tsan_handoff.h).
    template <class Fn> void post(Fn&& fn) {
        QMetaObject::invokeMethod(this, tsan::handOff(this, std::forward<Fn>(fn)), Qt::QueuedConnection);
    }
    // Delivers a worker's last word (its result or its failure): on the GUI thread, only while
    // `generation` is current, after marking it done.
    template <class Fn> void finish(quint64 generation, Fn&& fn) {
        post([this, generation, fn = std::forward<Fn>(fn)]() mutable {
            if (!isCurrent(generation)) return;
            end(generation);
            fn();
        });
    }

  private:
    quint64 generation_ = 0;
    bool running_ = false;
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::vector<QFuture<void>> futures_;
};

} // namespace ioscope::app
