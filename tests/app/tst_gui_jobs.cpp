// Worker jobs: a search delivers its runs, cancel stops the worker promptly, a result from an
// older generation is dropped, and a bad model reports a message naming the file.
#include "loaded_model.h"
#include "model_load_job.h"
#include "search_job.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>

using namespace ioscope;
using namespace ioscope::app;

class TestGuiJobs : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void searchDelivers();
    void cancelStopsPromptly();
    void staleResultsDropped();
    void badModelReportsFile();
    void cancelIsPromptInEveryPhase();

  private:
    std::shared_ptr<const Graph> small_, large_;
    std::shared_ptr<GpuContext> gpu_ = std::make_shared<GpuContext>();
};

void TestGuiJobs::initTestCase() {
    small_ = loadAndAnalyze(QStringLiteral("squeezenet")).graph;
    large_ = loadAndAnalyze(QStringLiteral("nasnet")).graph;
}

void TestGuiJobs::searchDelivers() {
    SearchJob job;
    QSignalSpy finished(&job, &SearchJob::finished);
    QSignalSpy running(&job, &SearchJob::runningChanged);
    job.start(small_, SearchRequest{}, gpu_);
    QVERIFY(job.isRunning());
    QVERIFY(finished.wait(60000));
    QVERIFY(!job.isRunning());
    const auto runs = finished.front().front().value<std::vector<ScheduleRun>>();
    QCOMPARE(runs.size(), size_t(3));
    QCOMPARE(runs[0].scheduler, SchedulerKind::Ios);
    QVERIFY(runs[0].latencyMs <= runs[2].latencyMs + 1e-9); // never worse than sequential
    QCOMPARE(running.size(), 2);
}

void TestGuiJobs::cancelStopsPromptly() {
    SearchJob job;
    QSignalSpy cancelled(&job, &SearchJob::cancelled);
    QSignalSpy finished(&job, &SearchJob::finished);
    QSignalSpy progressed(&job, &SearchJob::progressed);
    SearchRequest big; // NasNet with large groups: a search that runs for a while
    big.options.maxGroupSize = 4;
    big.options.maxGroups = 10;
    job.start(large_, big, gpu_);
    QTRY_VERIFY_WITH_TIMEOUT(progressed.size() > 0 || finished.size() > 0, 30000);
    if (!finished.isEmpty()) QSKIP("the search finished before it could be cancelled");
    QElapsedTimer clock;
    clock.start();
    job.cancel();
    QCOMPARE(cancelled.size(), 1);
    QVERIFY(!job.isRunning());
    while (job.workersBusy() && clock.elapsed() < 5000) QTest::qWait(5);
    const qint64 ms = clock.elapsed();
    qInfo("worker returned %lld ms after cancel", ms);
    QVERIFY2(!job.workersBusy(), "the worker did not stop within 5 s");
    QVERIFY(ms < 1000);
    QTest::qWait(50);
    QCOMPARE(finished.size(), 0); // nothing delivered after cancel
}

// A time-limited search of a wide model goes through every phase: the fast schedulers, exact
// parts, counting the states of wide parts, windows re-solved, the full DP tried on a wide part.
// Cancelled at points spread over the limit, its worker returns within a bound each time.
void TestGuiJobs::cancelIsPromptInEveryPhase() {
    const auto wide = loadAndAnalyze(QStringLiteral("randwire")).graph;
    SearchRequest request;
    request.options.maxGroupSize = 8;
    request.options.maxGroups = 16;
    request.options.timeLimitSeconds = 3;
    for (const int at : {50, 400, 1000, 1800, 2600}) {
        SearchJob job;
        QSignalSpy finished(&job, &SearchJob::finished);
        job.start(wide, request, gpu_);
        QTest::qWait(at);
        if (!finished.isEmpty()) continue; // a fast machine: nothing left to cancel
        QElapsedTimer clock;
        clock.start();
        job.cancel();
        job.waitForWorkers();
        const qint64 ms = clock.elapsed();
        qInfo("cancelled at %d ms: the worker returned in %lld ms", at, ms);
        QVERIFY2(ms < 500, qPrintable(QStringLiteral("at %1 ms: %2 ms").arg(at).arg(ms)));
    }
}

void TestGuiJobs::staleResultsDropped() {
    SearchJob job;
    QSignalSpy finished(&job, &SearchJob::finished);
    SearchRequest first;
    first.scheduler = SchedulerKind::Sequential;
    SearchRequest second;
    second.scheduler = SchedulerKind::Wavefront;
    job.start(small_, first, gpu_);
    const quint64 gen = job.start(small_, second, gpu_); // makes the first one stale
    QCOMPARE(gen, job.generation());
    QVERIFY(finished.wait(60000));
    job.waitForWorkers();
    QTest::qWait(50); // let any late delivery of the first run arrive (it must not)
    QCOMPARE(finished.size(), 1);
    const auto runs = finished.front().front().value<std::vector<ScheduleRun>>();
    QCOMPARE(runs.front().scheduler, SchedulerKind::Wavefront);
}

void TestGuiJobs::badModelReportsFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("broken.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"format\": \"ioscope-model\", \"version\": 1, \"ops\": [");
    f.close();
    ModelLoadJob job;
    QSignalSpy failed(&job, &ModelLoadJob::failed);
    QSignalSpy loaded(&job, &ModelLoadJob::loaded);
    job.start(path);
    QVERIFY(failed.wait(10000));
    QCOMPARE(loaded.size(), 0);
    QVERIFY2(failed.front().at(1).toString().contains(QStringLiteral("broken.json")),
             qPrintable(failed.front().at(1).toString()));
}

QTEST_MAIN(TestGuiJobs)
#include "tst_gui_jobs.moc"
