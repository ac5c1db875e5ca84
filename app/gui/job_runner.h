#pragma once
// The one runner of the explorer's worker jobs (search, execution, model load), after Hotspot's
// JobTracker: a job is a function run on a worker thread that returns its result, and the runner
// does the rest for every job alike:
// - each run() is a new generation with its own cancel token; a newer run() or cancel() raises the
//   old token and whatever the old generation delivers later is dropped, so a stale result never
//   overwrites a newer one;
// - the result, or the failure, reaches the GUI thread (queued, only while the generation is
//   current); an exception becomes a message that names the file and the place: the engine's
//   errors (InputError, RuntimeFailure) say it themselves, anything else is prefixed with what was
//   running; Cancelled is no failure (cancel() has reported it already);
// - progress from the worker is throttled to what the GUI can use (JobContext::progress);
// - the destructor cancels and waits for every worker, so none posts to a dead object.
// Hand-offs through Qt are announced to ThreadSanitizer (util/tsan_handoff.h).
#include "util/cancel.h"
#include "util/tsan_handoff.h"

#include <QFuture>
#include <QObject>
#include <QString>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace ioscope::app {

class JobRunner;

// What a job's work sees on its worker thread.
class JobContext {
  public:
    // The token the engine checks (util/cancel.h).
    CancelFlag cancelFlag() const { return cancel_.get(); }
    bool cancelled() const { return cancelRequested(cancel_.get()); }
    // Seconds since the job started.
    double seconds() const;
    // Runs `fn` on the GUI thread while this job is still current (a partial result).
    template <class Fn> void post(Fn&& fn) const;
    // Progress: posts `fn` like post(), but at most once per kProgressInterval, and always when
    // `last`; a callback the engine calls thousands of times a second reaches the GUI ~20 times.
    template <class Fn> void progress(bool last, Fn&& fn) {
        if (progressDue(last)) post(std::forward<Fn>(fn));
    }
    static constexpr std::chrono::milliseconds kProgressInterval{50};

  private:
    friend class JobRunner;
    using Clock = std::chrono::steady_clock;
    JobContext(JobRunner* runner, quint64 generation, std::shared_ptr<std::atomic<bool>> cancel)
        : runner_(runner), generation_(generation), cancel_(std::move(cancel)) {}
    bool progressDue(bool last);

    JobRunner* runner_;
    quint64 generation_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    Clock::time_point start_ = Clock::now();
    Clock::time_point lastProgress_ = start_ - std::chrono::seconds(1);
};

class JobRunner : public QObject {
    Q_OBJECT
  public:
    explicit JobRunner(QObject* parent = nullptr) : QObject(parent) {}
    // Cancels and waits for every worker still running.
    ~JobRunner() override;

    bool isRunning() const { return running_; }
    quint64 generation() const { return generation_; }
    // True while any worker thread of this runner (current or cancelled) has not returned yet.
    bool workersBusy() const;
    // Blocks until every worker returned (tests, headless runs, shutdown).
    void waitForWorkers();

    // Starts `work(JobContext&)` on a worker thread as a new generation (cancelling the one in
    // flight) and returns the generation. On the GUI thread, while the generation is current:
    // `done(result)` with what `work` returned (`done()` when it returns nothing), or
    // `failed(message)` when it threw; `what` names the job for messages ("search",
    // "loading FILE"). A work that sees its token raised throws Cancelled (throwIfCancelled).
    template <class Work, class Done, class Failed>
    quint64 run(QString what, Work work, Done done, Failed failed) {
        JobContext context = begin();
        const quint64 gen = context.generation_;
        track(QtConcurrent::run(tsan::handOff(this, [this, what = std::move(what), work = std::move(work),
                                                     done = std::move(done), failed = std::move(failed),
                                                     context = std::move(context), gen]() mutable {
            try {
                using Result = std::invoke_result_t<Work&, JobContext&>;
                if constexpr (std::is_void_v<Result>) {
                    work(context);
                    finish(gen, std::move(done));
                } else {
                    finish(gen,
                           [done = std::move(done), r = work(context)]() mutable { done(std::move(r)); });
                }
            } catch (const Cancelled&) {
                // cancel() has reported it; a newer run() made this generation stale.
            } catch (...) {
                finish(gen, [failed = std::move(failed),
                             m = failureMessage(what, std::current_exception())]() mutable { failed(m); });
            }
        })));
        return gen;
    }

    // The message for a job's failure: an engine error's own text (it names the file and the
    // place), anything else as "WHAT: its text".
    static QString failureMessage(const QString& what, std::exception_ptr error);

  public slots:
    // Raises the current run's token; its worker stops at the next check and the runner reports
    // cancelled() at once. A no-op when idle.
    void cancel();

  signals:
    void runningChanged(bool running);
    void cancelled();

  private:
    friend class JobContext;
    JobContext begin();
    bool isCurrent(quint64 generation) const { return generation == generation_; }
    void end(quint64 generation);
    void track(QFuture<void> future);
    // Runs `fn` on the GUI thread unless this runner is gone and while `generation` is current.
    template <class Fn> void post(quint64 generation, Fn&& fn) {
        QMetaObject::invokeMethod(this,
                                  tsan::handOff(this,
                                                [this, generation, fn = std::forward<Fn>(fn)]() mutable {
                                                    if (isCurrent(generation)) fn();
                                                }),
                                  Qt::QueuedConnection);
    }
    // A worker's last word: delivered like post(), after marking the generation done.
    template <class Fn> void finish(quint64 generation, Fn&& fn) {
        post(generation, [this, generation, fn = std::forward<Fn>(fn)]() mutable {
            end(generation);
            fn();
        });
    }

    quint64 generation_ = 0;
    bool running_ = false;
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::vector<QFuture<void>> futures_;
};

template <class Fn> void JobContext::post(Fn&& fn) const {
    runner_->post(generation_, std::forward<Fn>(fn));
}

} // namespace ioscope::app
