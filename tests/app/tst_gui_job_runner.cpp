// The explorer's job runner (app/gui/job_runner.h) on its own: a result is delivered on the GUI
// thread, an exception becomes an error message that names the place, cancel stops the worker and
// is reported once, a stale generation's result is dropped, progress is throttled.
#include "job_runner.h"

#include "util/errors.h"

#include <QSignalSpy>
#include <QThread>
#include <QThreadPool>
#include <QtTest>

#include <algorithm>
#include <future>
#include <stdexcept>
#include <vector>

using namespace ioscope;
using namespace ioscope::app;

class TestGuiJobRunner : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void resultDelivered();
    void voidWorkFinishes();
    void exceptionBecomesError();
    void cancelStopsWorker();
    void staleResultDropped();
    void progressThrottled();
};

namespace {
const auto noFailure = [](const QString& m) {
    QFAIL(qPrintable(QStringLiteral("unexpected failure: ") + m));
};
} // namespace

void TestGuiJobRunner::initTestCase() {
    // staleResultDropped holds one worker while the next runs: two threads even on one core.
    QThreadPool::globalInstance()->setMaxThreadCount(std::max(4, QThread::idealThreadCount()));
}

void TestGuiJobRunner::resultDelivered() {
    JobRunner runner;
    QSignalSpy running(&runner, &JobRunner::runningChanged);
    std::vector<int> got;
    QThread* on = nullptr;
    const quint64 gen = runner.run(
        QStringLiteral("answer"), [](JobContext&) { return 42; },
        [&](int v) {
            got.push_back(v);
            on = QThread::currentThread();
        },
        noFailure);
    QCOMPARE(gen, runner.generation());
    QVERIFY(runner.isRunning());
    QTRY_COMPARE(got.size(), size_t(1));
    QCOMPARE(got.front(), 42);
    QCOMPARE(on, QThread::currentThread());
    QVERIFY(!runner.isRunning());
    QCOMPARE(running.size(), 2); // true, then false
    QCOMPARE(running.at(0).at(0).toBool(), true);
    QCOMPARE(running.at(1).at(0).toBool(), false);
}

void TestGuiJobRunner::voidWorkFinishes() {
    JobRunner runner;
    bool ran = false, done = false;
    runner.run(
        QStringLiteral("side effect"), [&](JobContext&) { ran = true; }, [&] { done = true; }, noFailure);
    QTRY_VERIFY(done);
    QVERIFY(ran);
}

void TestGuiJobRunner::exceptionBecomesError() {
    JobRunner runner;
    QStringList messages;
    const auto fail = [&](const QString& m) { messages.push_back(m); };
    const auto never = [](int) { QFAIL("a failed job delivered a result"); };
    runner.run(
        QStringLiteral("search"), [](JobContext&) -> int { throw std::runtime_error("out of memory"); },
        never, fail);
    QTRY_COMPARE(messages.size(), 1);
    QCOMPARE(messages.back(), QStringLiteral("search: out of memory"));
    QVERIFY(!runner.isRunning());
    // The engine's errors already name the file and the place: kept as they are.
    runner.run(
        QStringLiteral("loading m.json"),
        [](JobContext&) -> int { throw InputError("m.json: unknown op kind 'foo', ops[3]"); }, never, fail);
    QTRY_COMPARE(messages.size(), 2);
    QCOMPARE(messages.back(), QStringLiteral("m.json: unknown op kind 'foo', ops[3]"));
    runner.run(
        QStringLiteral("execution"), [](JobContext&) -> int { throw 7; }, never, fail);
    QTRY_COMPARE(messages.size(), 3);
    QCOMPARE(messages.back(), QStringLiteral("execution: an unknown error"));
}

void TestGuiJobRunner::cancelStopsWorker() {
    JobRunner runner;
    QSignalSpy cancelled(&runner, &JobRunner::cancelled);
    std::atomic<bool> started{false}, sawCancel{false};
    bool delivered = false, failed = false;
    runner.run(
        QStringLiteral("spin"),
        [&](JobContext& job) {
            started = true;
            while (!job.cancelled()) QThread::msleep(1);
            sawCancel = true;
            throwIfCancelled(job.cancelFlag());
            return 1;
        },
        [&](int) { delivered = true; }, [&](const QString&) { failed = true; });
    QTRY_VERIFY(started);
    runner.cancel();
    QCOMPARE(cancelled.size(), 1); // reported at once, on the GUI thread
    QVERIFY(!runner.isRunning());
    runner.waitForWorkers();
    QVERIFY(sawCancel);
    QCoreApplication::processEvents();
    QVERIFY(!delivered);
    QVERIFY(!failed); // Cancelled is no failure
    runner.cancel();  // idle: a no-op
    QCOMPARE(cancelled.size(), 1);
}

void TestGuiJobRunner::staleResultDropped() {
    JobRunner runner;
    std::promise<void> release;
    std::shared_future<void> gate = release.get_future().share();
    std::atomic<bool> oldSawToken{false};
    std::vector<int> got;
    const quint64 first = runner.run(
        QStringLiteral("old"),
        [gate, &oldSawToken](JobContext& job) {
            gate.wait();
            oldSawToken = job.cancelled();
            return 1; // ignores its token: the runner must still drop the result
        },
        [&](int v) { got.push_back(v); }, noFailure);
    const quint64 second = runner.run(
        QStringLiteral("new"), [](JobContext&) { return 2; }, [&](int v) { got.push_back(v); }, noFailure);
    QVERIFY(second > first);
    QTRY_COMPARE(got.size(), size_t(1));
    release.set_value();
    runner.waitForWorkers();
    QCoreApplication::processEvents();
    QCoreApplication::processEvents();
    QCOMPARE(got, std::vector<int>{2});
    QVERIFY(oldSawToken); // the newer run raised the old one's token
    QVERIFY(!runner.isRunning());
}

void TestGuiJobRunner::progressThrottled() {
    JobRunner runner;
    std::vector<int> seen;
    bool done = false;
    constexpr int kCalls = 1000;
    runner.run(
        QStringLiteral("count"),
        [&seen](JobContext& job) {
            for (int i = 1; i <= kCalls; ++i) job.progress(i == kCalls, [&seen, i] { seen.push_back(i); });
        },
        [&] { done = true; }, noFailure);
    QTRY_VERIFY(done);
    QVERIFY2(seen.size() >= 2 && seen.size() < 20, qPrintable(QString::number(seen.size())));
    QCOMPARE(seen.front(), 1);     // the first is due at once
    QCOMPARE(seen.back(), kCalls); // and the last always comes, before the result
}

QTEST_GUILESS_MAIN(TestGuiJobRunner)
#include "tst_gui_job_runner.moc"
