// The adaptive repeat count of the GPU profiler's batch replays: quiet batches stop after the
// minimum, noisy ones replay up to the maximum, and each stage keeps its median.
#include "cost/replay_samples.h"

#include <QTest>

#include <stdexcept>

using namespace ioscope;

namespace {
// A rule with round numbers, independent of the profiler's defaults.
ReplaySampling twoToFive() {
    ReplaySampling rule;
    rule.minSamples = 2;
    rule.maxSamples = 5;
    rule.relTolerance = 0.03;
    rule.absToleranceMs = 0.001;
    rule.settledShare = 0.95;
    return rule;
}
} // namespace

class TestReplaySamples : public QObject {
    Q_OBJECT
  private slots:
    // The defaults: two replays at least, four at most (session 19).
    void defaultsTakeTwoToFourReplays() {
        const ReplaySampling rule;
        ReplaySamples quiet(2);
        quiet.add({0.010, 0.020});
        QVERIFY(!quiet.enough(rule));
        quiet.add({0.010, 0.020});
        QVERIFY(quiet.enough(rule));
        ReplaySamples noisy(2);
        for (int i = 0; i < 3; ++i) {
            noisy.add({0.010 * (1 + i), 0.020 * (1 + i)});
            QVERIFY(!noisy.enough(rule));
        }
        noisy.add({0.050, 0.090});
        QVERIFY(noisy.enough(rule));
    }

    void quietBatchStopsAtTheMinimum() {
        const ReplaySampling rule = twoToFive();
        ReplaySamples s(4);
        s.add({0.010, 0.020, 0.100, 0.5});
        QVERIFY(!s.enough(rule)); // one replay is never enough with minSamples 2
        s.add({0.0102, 0.0201, 0.101, 0.505});
        QCOMPARE(s.settledShare(rule), 1.0);
        QVERIFY(s.enough(rule));
        const std::vector<double> m = s.medians();
        QCOMPARE(m.size(), size_t(4));
        QVERIFY(qAbs(m[0] - 0.0101) < 1e-12); // two samples: their mean
        QVERIFY(qAbs(m[3] - 0.5025) < 1e-12);
    }

    void noisyBatchReplaysAgainUntilTheMaximum() {
        ReplaySampling rule = twoToFive();
        rule.maxSamples = 4;
        ReplaySamples s(20);
        std::vector<double> a(20, 0.050), b(20, 0.050);
        b[0] = 0.060; // one stage in 20 disagrees by 20%: 95% settled, enough
        s.add(a);
        s.add(b);
        QCOMPARE(s.settledShare(rule), 0.95);
        QVERIFY(s.enough(rule));

        ReplaySamples noisy(20);
        std::vector<double> c = a;
        c[0] = c[1] = 0.060; // two in 20: 90% settled, not enough
        noisy.add(a);
        noisy.add(c);
        QVERIFY(!noisy.enough(rule));
        noisy.add(a);
        QVERIFY(!noisy.enough(rule)); // the outliers stay in the spread
        noisy.add(a);
        QVERIFY(noisy.enough(rule)); // the maximum ends it
        // Medians shed the outlier: three of four samples say 50 us.
        QVERIFY(qAbs(noisy.medians()[0] - 0.050) < 1e-12);
    }

    void absoluteToleranceCoversTinyStages() {
        const ReplaySampling rule = twoToFive();
        ReplaySamples s(1);
        s.add({0.0020});
        s.add({0.0028}); // 40% apart but within 1 us: event resolution, not noise
        QVERIFY(s.enough(rule));
        QVERIFY(qAbs(s.medians()[0] - 0.0024) < 1e-12);
    }

    void oddCountsTakeTheMiddleSample() {
        ReplaySamples s(1);
        for (double ms : {0.9, 0.1, 0.5}) s.add({ms});
        QCOMPARE(s.medians()[0], 0.5);
        QCOMPARE(s.replays(), size_t(3));
    }

    void replaysMustTimeEveryStage() {
        ReplaySamples s(3);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, s.add({1.0, 2.0}));
    }
};

QTEST_GUILESS_MAIN(TestReplaySamples)
#include "tst_replay_samples.moc"
