// The schedule pipeline every front end runs (pipeline/schedule_pipeline.h): the search, the
// whole-run judgement of live cost models, the baselines and the document.
#include "engine/scheduler_test_support.h"
#include "pipeline/schedule_pipeline.h"
#include "sched/fast_schedulers.h"
#include "util/errors.h"

#include <QtTest>

#include <map>

using namespace ioscope;
using namespace ioscope::testing;

namespace {

// Times whole schedules as `wavefrontMs` for `wavefront` and `otherMs` for anything else, and
// counts the runs: a live GPU stand-in on which the wavefront wins.
struct FakeWholeRuns {
    Schedule wavefront;
    double wavefrontMs = 1.0, otherMs = 2.0;
    int runs = 0;
    WholeRunTimer timer() {
        return [this](const Graph&, const Schedule& s) {
            ++runs;
            return s == wavefront ? wavefrontMs : otherMs;
        };
    }
};

// A random 12-op DAG and the scheduler tests' cost model over its work.
struct Fixture {
    std::vector<double> work;
    Graph g;
    TestCostModel cost;
    Fixture() : g(graph(&work)), cost(work, 0.3) {}
    static Graph graph(std::vector<double>* work) {
        std::mt19937 rng(3);
        return randomDag(rng, 12, work);
    }
};

PipelineHooks judgedBy(FakeWholeRuns& whole) {
    PipelineHooks hooks;
    hooks.wholeRunTimer = whole.timer();
    return hooks;
}

} // namespace

class TestSchedulePipeline : public QObject {
    Q_OBJECT
  private slots:
    void simulatedModelIsTheSearch();
    void keepsTheWavefrontMeasuredFaster();
    void keepsTheSearchedOnTies();
    void fastSchedulerRequest();
    void detailForTheViews();
    void cancelAndBadRequests();
    void documentOfTheOutcome();
};

// With a model that does not profile live, the outcome is the IOS search, unjudged, and the
// baselines are the request's wavefront (its stream limit) and the sequential schedule.
void TestSchedulePipeline::simulatedModelIsTheSearch() {
    Fixture f;
    const Graph& g = f.g;
    TestCostModel& cost = f.cost;
    QVERIFY(!isLiveCostModel(cost));
    ScheduleRequest request;
    request.options.maxStreams = 2;
    const ScheduleOutcome out = runSchedulePipeline(g, cost, request);
    const ScheduleResult direct = iosSchedule(g, cost, request.options);
    QVERIFY(!out.measured);
    QCOMPARE(out.origin, direct.origin);
    QVERIFY(out.chosen.schedule == direct.schedule);
    QCOMPARE(out.chosen.latencyMs, direct.latencyMs);
    QCOMPARE(out.chosen.stageLatencyMs.size(), direct.schedule.stages.size());
    QVERIFY(out.wavefront && out.sequential);
    QVERIFY(out.wavefront->schedule == wavefrontSchedule(g, 2));
    QVERIFY(out.sequential->schedule == sequentialSchedule(g));
    QCOMPARE(out.wavefront->latencyMs,
             predictLatencyMs(g, wavefrontSchedule(g, 2), cost, request.options.run));
    QVERIFY(out.lowerBoundMs > 0);
    QVERIFY(out.lowerBoundMs <= out.chosen.latencyMs + 1e-9);
    QVERIFY(out.chosen.opLatencyMs.empty()); // no detail asked for
}

// A whole-run timer on which the wavefront is faster: the pipeline keeps it, the same
// wavefront (the request's stream limit) it measured, and costs it under the model.
void TestSchedulePipeline::keepsTheWavefrontMeasuredFaster() {
    Fixture f;
    const Graph& g = f.g;
    TestCostModel& cost = f.cost;
    ScheduleRequest request;
    request.options.maxStreams = 3;
    FakeWholeRuns whole{wavefrontSchedule(g, 3)};
    QVERIFY(!(whole.wavefront == iosSchedule(g, cost, request.options).schedule));
    const ScheduleOutcome out = runSchedulePipeline(g, cost, request, judgedBy(whole));
    QCOMPARE(whole.runs, 3); // searched, wavefront, sequential
    QVERIFY(out.measured);
    QCOMPARE(out.origin, std::string("wavefront"));
    QCOMPARE(out.measured->kept, std::string("wavefront"));
    QCOMPARE(out.measured->keptMs, 1.0);
    QVERIFY(out.measured->note.find("kept the wavefront schedule") != std::string::npos);
    QVERIFY(out.chosen.schedule == whole.wavefront);
    QVERIFY(out.wavefront->schedule == whole.wavefront);
    QCOMPARE(out.chosen.latencyMs, predictLatencyMs(g, whole.wavefront, cost, request.options.run));
    validateSchedule(g, out.chosen.schedule, "kept");
}

void TestSchedulePipeline::keepsTheSearchedOnTies() {
    Fixture f;
    const Graph& g = f.g;
    TestCostModel& cost = f.cost;
    ScheduleRequest request;
    FakeWholeRuns whole{wavefrontSchedule(g, request.options.maxStreams)};
    whole.wavefrontMs = whole.otherMs; // all equal
    const ScheduleOutcome out = runSchedulePipeline(g, cost, request, judgedBy(whole));
    QVERIFY(out.measured && out.measured->keptSearched);
    QVERIFY(out.chosen.schedule == iosSchedule(g, cost, request.options).schedule);
}

// A fast scheduler's request: its schedule, never judged (no search to judge).
void TestSchedulePipeline::fastSchedulerRequest() {
    Fixture f;
    const Graph& g = f.g;
    TestCostModel& cost = f.cost;
    ScheduleRequest request;
    request.scheduler = "nimble";
    request.withBaselines = false;
    FakeWholeRuns whole;
    const ScheduleOutcome out = runSchedulePipeline(g, cost, request, judgedBy(whole));
    QCOMPARE(whole.runs, 0);
    QCOMPARE(out.origin, std::string("nimble"));
    QVERIFY(out.chosen.schedule == fastSchedule(FastScheduler::Nimble, g, cost, request.options).schedule);
    QVERIFY(!out.wavefront && !out.sequential);
}

// withDetail: every schedule carries each op's time alone and its predicted timeline.
void TestSchedulePipeline::detailForTheViews() {
    Fixture f;
    const Graph& g = f.g;
    TestCostModel& cost = f.cost;
    ScheduleRequest request;
    request.withDetail = true;
    const ScheduleOutcome out = runSchedulePipeline(g, cost, request);
    for (const CostedSchedule* c : {&out.chosen, &*out.wavefront, &*out.sequential}) {
        QCOMPARE(c->opLatencyMs.size(), size_t(g.size()));
        QCOMPARE(c->predicted.stages.size(), c->schedule.stages.size());
        QVERIFY(std::abs(c->predicted.totalMs - c->latencyMs) < 1e-9 * std::max(1.0, c->latencyMs));
    }
    const OpId first = g.units().front();
    QCOMPARE(out.chosen.opLatencyMs[size_t(first)],
             cost.stageLatencyMs(g, Stage{Strategy::Concurrent, {{first}}}, request.options.run));
}

void TestSchedulePipeline::cancelAndBadRequests() {
    Fixture f;
    const Graph& g = f.g;
    TestCostModel& cost = f.cost;
    const std::atomic<bool> raised{true};
    PipelineHooks hooks;
    hooks.cancel = &raised;
    QVERIFY_THROWS_EXCEPTION(Cancelled, runSchedulePipeline(g, cost, ScheduleRequest{}, hooks));
    ScheduleRequest bad;
    bad.scheduler = "quantum";
    QVERIFY_THROWS_EXCEPTION(InputError, runSchedulePipeline(g, cost, bad));
}

void TestSchedulePipeline::documentOfTheOutcome() {
    Fixture f;
    const Graph& g = f.g;
    TestCostModel& cost = f.cost;
    ScheduleRequest request;
    request.options.maxGroupSize = 2;
    request.options.maxStreams = 3;
    request.options.run.batch = 4;
    FakeWholeRuns whole{wavefrontSchedule(g, 3)};
    const ScheduleOutcome out = runSchedulePipeline(g, cost, request, judgedBy(whole));
    const ScheduleDocument doc = scheduleDocumentFor(g, cost, request, out);
    QVERIFY(doc.schedule == out.chosen.schedule);
    QCOMPARE(doc.scheduler, std::string("ios"));
    QCOMPARE(doc.maxGroupSize, 2);
    QCOMPARE(doc.maxStreams, 3);
    QCOMPARE(doc.run.batch, 4);
    QCOMPARE(doc.costModel, std::string("test"));
    QCOMPARE(*doc.latencyMs, out.chosen.latencyMs);
    QVERIFY(doc.search);
    QCOMPARE(doc.search->states, out.chosen.stats.states);
    QVERIFY(doc.measured);
    QCOMPARE(*doc.measured->medianMs, 1.0);
}

QTEST_APPLESS_MAIN(TestSchedulePipeline)
#include "tst_schedule_pipeline.moc"
