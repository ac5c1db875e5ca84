// The explorer's thread hand-offs (JobRunner): a work run on a worker thread, its result posted
// back to the GUI thread. In the ThreadSanitizer preset this is the test that fails if a hand-off
// through Qt is not announced with tsan::handOff (Qt's own synchronization is invisible to TSan:
// docs/limits.md); everywhere it checks that every result arrives whole, on the GUI thread.
#include "job_runner.h"

#include <QSignalSpy>
#include <QThread>
#include <QtTest>

#include <string>
#include <vector>

using namespace ioscope::app;

namespace {

// Builds strings on a worker from data built on the GUI thread; delivers them back.
class EchoJob : public JobRunner {
    Q_OBJECT
  public:
    std::vector<std::string> received;
    QThread* deliveredOn = nullptr;

    void start(std::vector<std::string> input) {
        run(
            QStringLiteral("echo"),
            [input = std::move(input)](JobContext&) {
                std::vector<std::string> out;
                for (const std::string& s : input) out.push_back(s + std::string(64, '!'));
                return out;
            },
            [this](std::vector<std::string> out) {
                received.insert(received.end(), out.begin(), out.end());
                deliveredOn = QThread::currentThread();
                emit delivered();
            },
            [](const QString&) {});
    }

  signals:
    void delivered();
};

} // namespace

class TestGuiHandoff : public QObject {
    Q_OBJECT
  private slots:
    void resultsCrossThreadsWhole() {
        EchoJob job;
        QSignalSpy delivered(&job, &EchoJob::delivered);
        for (int i = 0; i < 20; ++i) {
            job.start({"run " + std::to_string(i), std::string(200, char('a' + i))});
            QVERIFY(delivered.wait(10000));
        }
        job.waitForWorkers();
        QCOMPARE(int(job.received.size()), 40);
        QCOMPARE(job.received[38], "run 19" + std::string(64, '!'));
        QCOMPARE(job.deliveredOn, QThread::currentThread());
    }
};

QTEST_GUILESS_MAIN(TestGuiHandoff)
#include "tst_gui_handoff.moc"
