// Hand edits of a schedule (validated as they go, refused with the reason) and the difference
// between two runs (each op's change of place, the latency stage by stage), on a small graph
// where every answer can be worked out by hand.
#include "run_diff.h"
#include "schedule_edit.h"
#include "widgets/test_graphs.h"

#include <QtTest>

using namespace ioscope;
using namespace ioscope::app;

namespace {

// input -> branch_a, branch_b, pool -> branch_c; all three -> concat -> head.
Schedule wavefront(const Graph& g) {
    Schedule s;
    s.stages.push_back(
        {Strategy::Concurrent, {{g.find("branch_a")}, {g.find("branch_b")}, {g.find("pool")}}});
    s.stages.push_back({Strategy::Concurrent, {{g.find("branch_c")}}});
    s.stages.push_back({Strategy::Concurrent, {{g.find("concat")}}});
    s.stages.push_back({Strategy::Concurrent, {{g.find("head")}}});
    return s;
}

ScheduleRun runOf(const Schedule& s, std::vector<double> stageMs) {
    ScheduleRun r;
    r.schedule = s;
    r.stageLatencyMs = std::move(stageMs);
    for (double ms : r.stageLatencyMs) r.latencyMs += ms;
    return r;
}

} // namespace

class TestScheduleEdit : public QObject {
    Q_OBJECT
  private slots:
    void moveOpIntoAnotherStream() {
        const Graph g = testgraphs::diamond();
        const Schedule s = wavefront(g);
        // branch_c joins pool's stream in stage 1: a chain pool -> branch_c, valid.
        const EditResult r = moveOp(g, s, g.find("branch_c"), 0, 2, false);
        QVERIFY2(r.ok(), qPrintable(r.refused));
        QCOMPARE(r.schedule.stages.size(), size_t(3)); // stage 2 emptied and dropped
        QCOMPARE(r.schedule.stages[0].groups[2], (std::vector<OpId>{g.find("pool"), g.find("branch_c")}));
    }

    void invalidMovesAreRefusedWithTheReason() {
        const Graph g = testgraphs::diamond();
        const Schedule s = wavefront(g);
        // branch_c before its producer pool.
        EditResult r = moveOp(g, s, g.find("branch_c"), 0, 0, true);
        QVERIFY(!r.ok());
        QVERIFY2(r.refused.contains(QStringLiteral("branch_c")) || r.refused.contains(QStringLiteral("pool")),
                 qPrintable(r.refused));
        // branch_c as a new stream of stage 1, beside its producer: an edge joins two groups.
        r = moveOp(g, s, g.find("branch_c"), 0, -1, false);
        QVERIFY(!r.ok());
        // Stages counted from 1, as the explorer shows them (the engine's reason counts from 0).
        QVERIFY2(r.refused.contains(QStringLiteral("from another group of stage 1")), qPrintable(r.refused));

        // No such stage.
        QVERIFY(!moveOp(g, s, g.find("head"), 9, -1, false).ok());
        // Merging the stage of branch_c with concat's: concat reads branch_c.
        QVERIFY(!mergeStages(g, s, 1).ok());
    }

    void moveOpToANewStageAndBack() {
        const Graph g = testgraphs::diamond();
        const Schedule s = wavefront(g);
        const EditResult r = moveOp(g, s, g.find("branch_b"), 1, -1, true); // after stage 1
        QVERIFY2(r.ok(), qPrintable(r.refused));
        QCOMPARE(r.schedule.stages.size(), size_t(5));
        QCOMPARE(findOp(r.schedule, g.find("branch_b")).stage, 1);
        // And back as a stream of stage 1.
        const EditResult back = moveOp(g, r.schedule, g.find("branch_b"), 0, -1, false);
        QVERIFY2(back.ok(), qPrintable(back.refused));
        QCOMPARE(back.schedule.stages.size(), size_t(4));
    }

    void groupsMoveAndStagesSplitAndMerge() {
        const Graph g = testgraphs::diamond();
        const Schedule s = wavefront(g);
        const EditResult split = splitStage(g, s, 0);
        QVERIFY2(split.ok(), qPrintable(split.refused));
        QCOMPARE(split.schedule.stages.size(), size_t(6));
        const EditResult merged = mergeStages(g, split.schedule, 0);
        QVERIFY2(merged.ok(), qPrintable(merged.refused));
        QCOMPARE(merged.schedule.stages[0].groups.size(), size_t(2));
        QVERIFY(!splitStage(g, s, 1).ok()); // one stream: nothing to split
        // branch_b's group to stage 2, beside branch_c: no edge between them.
        const EditResult moved = moveGroup(g, s, 0, 1, 1);
        QVERIFY2(moved.ok(), qPrintable(moved.refused));
        QCOMPARE(moved.schedule.stages[1].groups.size(), size_t(2));
        QVERIFY(!moveGroup(g, s, 0, 2, 2).ok()); // pool would run after branch_c, which reads it
    }

    void diffNamesEachOpsChange() {
        const Graph g = testgraphs::diamond();
        const Schedule before = wavefront(g);
        const EditResult stream = moveOp(g, before, g.find("branch_c"), 0, 2, false);
        QVERIFY(stream.ok());
        const RunDiff d =
            diffRuns(g, runOf(before, {0.4, 0.2, 0.0, 0.3}), runOf(stream.schedule, {0.5, 0.0, 0.3}));
        // pool keeps its stage mates but gains a stream mate; branch_c moved stage; the rest
        // of stage 1 got a new stage mate too (branch_c).
        QCOMPARE(d.change[size_t(g.find("branch_c"))], OpChange::Stage);
        QCOMPARE(d.change[size_t(g.find("branch_a"))], OpChange::Stage);
        QCOMPARE(d.change[size_t(g.find("concat"))], OpChange::Same);
        QCOMPARE(d.change[size_t(g.find("head"))], OpChange::Same);
        QCOMPARE(d.change[size_t(g.find("input"))], OpChange::Absent);
        QCOMPARE(d.same + d.stream + d.stage, int(g.units().size()));
        QCOMPARE(d.stages.size(), size_t(4));
        QCOMPARE(d.stages[0].beforeMs, 0.4);
        QCOMPARE(d.stages[0].afterMs, 0.5);
        QCOMPARE(d.stages[0].opsMoved, 4); // a, b, pool, branch_c all have new stage mates
        // Stages face their counterparts by their ops: stage 2 (branch_c) is gone, concat's and
        // head's stages moved up one and did not change.
        QCOMPARE(d.stages[1].beforeMs, 0.2);
        QCOMPARE(d.stages[1].afterMs, -1.0);
        QCOMPARE(d.stages[1].afterStage, -1);
        QCOMPARE(d.stages[3].beforeStage, 3);
        QCOMPARE(d.stages[3].afterStage, 2);
        QCOMPARE(d.stages[3].beforeMs, 0.3);
        QCOMPARE(d.stages[3].afterMs, 0.3);
        QCOMPARE(d.stages[3].opsMoved, 0);
        QVERIFY(qFuzzyCompare(d.afterMs - d.beforeMs, -0.1));
        // A split stage: same stage mates lost; a stream change alone.
        Schedule streams = before;
        streams.stages[0].groups = {{g.find("branch_a"), g.find("branch_b")}, {g.find("pool")}};
        const RunDiff s2 = diffRuns(g, runOf(before, {1, 1, 1, 1}), runOf(streams, {1, 1, 1, 1}));
        QCOMPARE(s2.change[size_t(g.find("branch_a"))], OpChange::Stream);
        QCOMPARE(s2.change[size_t(g.find("pool"))], OpChange::Same);
    }
};

QTEST_MAIN(TestScheduleEdit)
#include "tst_schedule_edit.moc"
