// Critical path and slack of a schedule's predicted timeline: exact values on a hand-made
// timeline, and on random DAGs the defining property checked against the timeline itself: an
// op can grow by less than its slack without the schedule getting longer, and not by more.
#include "cost/cost_factory.h"
#include "engine/random_graphs.h"
#include "sched/schedule_slack.h"
#include "sched/scheduler.h"
#include "util/errors.h"

#include <QtTest>

#include <cmath>

using namespace ioscope;

namespace {

// The makespan of `t` when op `grown` runs `extraMs` longer: its group (lane) ends that much
// later; a stage lasts as long as its cost-model time or its longest group, whichever is more.
double makespanWith(const PredictedTimeline& t, OpId grown, double extraMs) {
    double total = 0;
    for (const TimelineStage& st : t.stages) {
        std::map<int, double> laneEnd;
        int solo = 1 << 20;
        for (const TimelineOp& op : st.ops) {
            const int lane = st.strategy == Strategy::Merge ? solo++ : op.lane;
            double& end = laneEnd.try_emplace(lane, st.startMs).first->second;
            end = std::max(end, op.endMs);
        }
        for (const TimelineOp& op : st.ops)
            if (op.op == grown) {
                const int lane = st.strategy == Strategy::Merge ? -1 : op.lane;
                if (lane < 0)
                    laneEnd[-1] = op.endMs + extraMs;
                else
                    laneEnd[lane] += extraMs;
            }
        double span = st.endMs - st.startMs;
        for (const auto& [lane, end] : laneEnd) span = std::max(span, end - st.startMs);
        total += span;
    }
    return total;
}

Op conv(const std::string& name, std::vector<OpId> inputs) {
    Op op;
    op.name = name;
    op.kind = OpKind::Conv;
    op.outChannels = 8;
    op.window = {3, 3, 1, 1, 1, 1, 1, 1};
    op.inputs = std::move(inputs);
    return op;
}

TimelineOp at(OpId op, int lane, double start, double end) {
    TimelineOp t;
    t.op = op;
    t.lane = lane;
    t.startMs = start;
    t.endMs = end;
    return t;
}

} // namespace

class TestScheduleSlack : public QObject {
    Q_OBJECT
  private slots:
    void handMadeTimeline() {
        Graph g("slack");
        const OpId x = g.addInput("x", Shape{3, 16, 16});
        const OpId a = g.addOp(conv("a", {x}));
        const OpId b = g.addOp(conv("b", {x}));
        const OpId c = g.addOp(conv("c", {a}));
        const OpId d = g.addOp(conv("d", {c, b}));
        g.finalize();
        // Stage 1: [a, c] on one stream (0-2, 2-5), [b] on another (0-1); stage 2: d (5-6).
        PredictedTimeline t;
        t.stages.resize(2);
        t.stages[0].startMs = 0;
        t.stages[0].endMs = 5;
        t.stages[0].ops = {at(a, 0, 0, 2), at(c, 0, 2, 5), at(b, 1, 0, 1)};
        t.stages[1].startMs = 5;
        t.stages[1].endMs = 6;
        t.stages[1].ops = {at(d, 0, 5, 6)};
        t.totalMs = 6;
        const ScheduleSlack s = scheduleSlack(g, t);
        QCOMPARE(s.slackMs[size_t(b)], 4.0);
        QCOMPARE(s.slackMs[size_t(a)], 0.0);
        QCOMPARE(s.slackMs[size_t(c)], 0.0);
        QCOMPARE(s.slackMs[size_t(d)], 0.0);
        QVERIFY(std::isnan(s.slackMs[size_t(x)])); // inputs are not placed
        QCOMPARE(s.criticalPath, (std::vector<OpId>{a, c, d}));
        QVERIFY(s.onPath(c) && !s.onPath(b) && !s.onPath(x));
        QVERIFY(s.pathEdge(a, c) && s.pathEdge(c, d));
        QVERIFY(!s.pathEdge(b, d) && !s.pathEdge(x, a));
        QCOMPARE(s.stageOf[size_t(d)], 1);
        QCOMPARE(s.makespanMs, 6.0);

        // Two tied groups in stage 1: the path takes the one stage 2's op reads.
        t.stages[0].ops = {at(b, 0, 0, 5), at(a, 1, 0, 2), at(c, 1, 2, 5)};
        const ScheduleSlack tied = scheduleSlack(g, t);
        QVERIFY(tied.critical[size_t(b)] && tied.critical[size_t(a)]);
        QCOMPARE(tied.criticalPath.front(), b); // b's group comes first, d reads b too
        t.stages[1].ops = {at(d, 0, 5, 6)};

        // A timeline naming an op the graph lacks is refused, not read out of bounds.
        t.stages[1].ops.push_back(at(99, 1, 5, 6));
        QVERIFY_THROWS_EXCEPTION(InputError, scheduleSlack(g, t));
    }

    void slackIsHowMuchAnOpCanGrow() {
        std::mt19937 rng(2026);
        RunConfig run;
        auto cost = makeCostModel("sim:H100", run);
        int checkedOps = 0, withSlack = 0;
        for (int trial = 0; trial < 40; ++trial) {
            testing::RandomGraphOptions o;
            o.units = std::uniform_int_distribution<int>(2, 14)(rng);
            o.maxFanIn = 2;
            const Graph g = testing::randomGraph(rng, o);
            SchedulerOptions so;
            so.maxGroupSize = 3;
            so.maxGroups = 4;
            for (const Schedule& schedule :
                 {wavefrontSchedule(g, 4), iosSchedule(g, *cost, so).schedule, sequentialSchedule(g)}) {
                const PredictedTimeline t = predictTimeline(g, schedule, *cost, run);
                const ScheduleSlack s = scheduleSlack(g, t);
                QCOMPARE(s.makespanMs, t.totalMs);
                QCOMPARE(int(s.stageOf.size()), g.size());
                double pathTime = 0;
                int stagesOnPath = 0, lastStage = -1;
                for (OpId op : s.criticalPath) {
                    QVERIFY(s.critical[size_t(op)]);
                    QVERIFY(s.stageOf[size_t(op)] >= lastStage); // in time order
                    if (s.stageOf[size_t(op)] != lastStage) ++stagesOnPath;
                    lastStage = s.stageOf[size_t(op)];
                    pathTime += s.endMs[size_t(op)] - s.startMs[size_t(op)];
                }
                QCOMPARE(stagesOnPath, int(schedule.stages.size())); // one group per stage
                if (std::none_of(schedule.stages.begin(), schedule.stages.end(),
                                 [](const Stage& st) { return st.strategy == Strategy::Merge; }))
                    QVERIFY(std::abs(pathTime - t.totalMs) <= 1e-9 * std::max(1.0, t.totalMs));
                for (OpId op : g.units()) {
                    const double slack = s.slackMs[size_t(op)];
                    QVERIFY(slack >= 0);
                    QCOMPARE(bool(s.critical[size_t(op)]), slack == 0);
                    ++checkedOps;
                    const double base = makespanWith(t, -1, 0);
                    const double tol = 1e-9 * std::max(1.0, base);
                    if (slack > 0) {
                        ++withSlack;
                        QVERIFY(makespanWith(t, op, slack * 0.99) <= base + tol);
                        QVERIFY(makespanWith(t, op, slack * 1.01 + 1e-6) > base + tol);
                    } else {
                        QVERIFY(makespanWith(t, op, 1e-3) > base + tol);
                    }
                }
            }
        }
        QVERIFY(checkedOps > 500);
        QVERIFY(withSlack > 50); // the property was exercised on ops that have slack
    }
};

QTEST_APPLESS_MAIN(TestScheduleSlack)
#include "tst_schedule_slack.moc"
