// The schedule pipeline every front end runs (pipeline/schedule_pipeline.h): the search, the
// whole-run judgement of live cost models, the baselines and the document.
#include "engine/scheduler_test_support.h"
#include "pipeline/schedule_pipeline.h"
#include "sched/fast_schedulers.h"
#include "util/errors.h"

#include <QtTest>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

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

// Times each schedule as told (`others` for any not listed) and counts how often each is run.
struct ChosenTimes {
    std::vector<std::pair<Schedule, double>> times;
    double others = 2.0;
    std::vector<std::pair<Schedule, int>> runs;
    WholeRunTimer timer() {
        return [this](const Graph&, const Schedule& s) {
            auto counted =
                std::find_if(runs.begin(), runs.end(), [&](const auto& r) { return r.first == s; });
            if (counted == runs.end())
                runs.push_back({s, 1});
            else
                ++counted->second;
            for (const auto& [schedule, ms] : times)
                if (schedule == s) return ms;
            return others;
        };
    }
};

// The number of distinct schedules among `searched` and `rivals`.
int distinctSchedules(const Schedule& searched, const std::vector<NamedSchedule>& rivals) {
    std::vector<Schedule> seen{searched};
    for (const NamedSchedule& r : rivals)
        if (std::find(seen.begin(), seen.end(), r.schedule) == seen.end()) seen.push_back(r.schedule);
    return int(seen.size());
}

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
    void keepsTheFastestFastScheduler();
    void identicalSchedulesTimedOnce();
    void rivalsRunBeforeTheSearch();
    void limitCoversTheWholeJudgement();
    void rivalsAreTheFastSchedulers();
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
    // The searched schedule, the wavefront, the sequential one and the fast schedulers', each once.
    QCOMPARE(whole.runs, distinctSchedules(iosSchedule(g, cost, request.options).schedule,
                                           wholeRunRivals(g, cost, request.options)));
    QVERIFY(out.measured);
    QCOMPARE(out.origin, std::string("wavefront"));
    QCOMPARE(out.measured->kept, std::string("wavefront"));
    QCOMPARE(out.measured->keptMs, 1.0);
    QVERIFY(out.measured->note.find("wavefront measured faster, kept the wavefront schedule") !=
            std::string::npos);
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

// A fast scheduler's schedule measured faster than everything else is kept, and named.
void TestSchedulePipeline::keepsTheFastestFastScheduler() {
    Fixture f;
    const Graph& g = f.g;
    TestCostModel& cost = f.cost;
    ScheduleRequest request;
    const Schedule searched = iosSchedule(g, cost, request.options).schedule;
    const std::vector<NamedSchedule> rivals = wholeRunRivals(g, cost, request.options);
    // The last rival unlike the searched schedule (a fast scheduler's: the baselines come first).
    auto winner = std::find_if(rivals.rbegin(), rivals.rend(), [&](const NamedSchedule& r) {
        return !(r.schedule == searched) && r.name != "wavefront" && r.name != "sequential";
    });
    QVERIFY(winner != rivals.rend());
    ChosenTimes times;
    times.times = {{searched, 1.5}, {winner->schedule, 1.25}};
    PipelineHooks hooks;
    hooks.wholeRunTimer = times.timer();
    const ScheduleOutcome out = runSchedulePipeline(g, cost, request, hooks);
    QVERIFY(out.measured);
    QCOMPARE(out.origin, winner->name);
    QCOMPARE(out.measured->kept, winner->name);
    QVERIFY(!out.measured->keptSearched);
    QCOMPARE(out.measured->keptMs, 1.25);
    QCOMPARE(out.measured->searchedMs, 1.5);
    QVERIFY(out.chosen.schedule == winner->schedule);
    QVERIFY(out.measured->note.find(winner->name + " measured faster, kept") != std::string::npos);
    // Every candidate reported with its time, the searched one first; every schedule run once.
    QCOMPARE(out.measured->candidates.size(), rivals.size() + 1);
    QCOMPARE(out.measured->candidates.front().name, std::string("searched"));
    for (const auto& [schedule, n] : times.runs) QCOMPARE(n, 1);
    QCOMPARE(int(times.runs.size()), distinctSchedules(searched, rivals));
    QCOMPARE(out.measured->runs, int(times.runs.size()));
    validateSchedule(g, out.chosen.schedule, "kept");

    // The document and its JSON say which one was kept, and each candidate's time.
    const ScheduleDocument doc = scheduleDocumentFor(g, cost, request, out);
    QVERIFY(doc.measured && doc.measured->kept);
    QCOMPARE(*doc.measured->kept, winner->name);
    const ScheduleDocument back = scheduleFromJson(g, scheduleToJson(g, doc), "kept.json");
    QVERIFY(back.measured && back.measured->kept);
    QCOMPARE(*back.measured->kept, winner->name);
    QCOMPARE(*back.measured->medianMs, 1.25);
    QCOMPARE(back.measured->candidates.size(), rivals.size() + 1);
    QCOMPARE(back.measured->candidates.front(), (std::pair<std::string, double>("searched", 1.5)));
    QVERIFY(back.schedule == winner->schedule);

    // A tie with the searched schedule keeps the searched one.
    times.times = {{searched, 1.25}, {winner->schedule, 1.25}};
    times.runs.clear();
    const ScheduleOutcome tied = runSchedulePipeline(g, cost, request, hooks);
    QVERIFY(tied.measured && tied.measured->keptSearched);
    QCOMPARE(tied.measured->kept, std::string("searched"));
    QVERIFY(tied.chosen.schedule == searched);
}

// A rival equal to an earlier candidate shares its time and is not run again; ties keep the
// earliest candidate.
void TestSchedulePipeline::identicalSchedulesTimedOnce() {
    Fixture f;
    const Graph& g = f.g;
    const Schedule searched = sequentialSchedule(g);
    const Schedule wave = wavefrontSchedule(g, 2);
    ChosenTimes times;
    times.times = {{searched, 3.0}, {wave, 2.0}};
    const MeasuredChoice c = chooseFastestWhole(
        g, searched, {{"wavefront", wave}, {"sequential", searched}, {"nimble", wave}, {"lios", wave}},
        times.timer());
    QCOMPARE(c.runs, 2);
    QCOMPARE(int(times.runs.size()), 2);
    for (const auto& [schedule, n] : times.runs) QCOMPARE(n, 1);
    QCOMPARE(c.candidates.size(), size_t(5));
    QCOMPARE(c.candidates[2].sameAs, std::string("searched"));
    QCOMPARE(c.candidates[2].ms, 3.0);
    QCOMPARE(c.candidates[3].sameAs, std::string("wavefront"));
    QCOMPARE(c.candidates[4].ms, 2.0);
    QCOMPARE(c.kept, std::string("wavefront")); // the first of the equally fast
    QVERIFY(c.schedule == wave);
    QCOMPARE(c.sequentialMs, 3.0);
    QVERIFY(c.note.find("nimble = wavefront") != std::string::npos);
}

// The rivals are run before the search (they do not depend on it), the searched schedule last,
// unless it equals one of them.
void TestSchedulePipeline::rivalsRunBeforeTheSearch() {
    Fixture f;
    const Graph& g = f.g;
    ScheduleRequest request;
    std::vector<Schedule> order;
    PipelineHooks hooks;
    hooks.wholeRunTimer = [&](const Graph&, const Schedule& s) {
        order.push_back(s);
        return 2.0;
    };
    const ScheduleOutcome out = runSchedulePipeline(g, f.cost, request, hooks);
    const Schedule searched = iosSchedule(g, f.cost, request.options).schedule;
    const std::vector<NamedSchedule> rivals = wholeRunRivals(g, f.cost, request.options);
    std::vector<Schedule> distinctRivals;
    for (const NamedSchedule& r : rivals)
        if (std::find(distinctRivals.begin(), distinctRivals.end(), r.schedule) == distinctRivals.end())
            distinctRivals.push_back(r.schedule);
    const bool searchedIsRival =
        std::find(distinctRivals.begin(), distinctRivals.end(), searched) != distinctRivals.end();
    QCOMPARE(order.size(), distinctRivals.size() + (searchedIsRival ? 0 : 1));
    for (size_t i = 0; i < distinctRivals.size(); ++i) QVERIFY(order[i] == distinctRivals[i]);
    if (!searchedIsRival) QVERIFY(order.back() == searched);
    QVERIFY(out.measured && out.measured->keptSearched); // all equal: the searched one
    QCOMPARE(out.measured->runs, int(order.size()));
    QCOMPARE(out.searchLimitSeconds, 0.0); // no limit asked for
}

// A time limit counts from the budget's start (a front end's layout probe included) and keeps one
// whole run back for judging the searched schedule; the search gets at least a tenth of it.
void TestSchedulePipeline::limitCoversTheWholeJudgement() {
    QCOMPARE(searchShareOfLimit(60, 10, 5), 45.0);
    QCOMPARE(searchShareOfLimit(60, 58, 5), 6.0);
    QCOMPARE(searchShareOfLimit(0, 10, 5), 0.0);
    QCOMPARE(searchShareOfLimit(2, 0, 0), 2.0);

    Fixture f;
    ScheduleRequest request;
    request.options.timeLimitSeconds = 4;
    PipelineHooks hooks;
    int runs = 0;
    hooks.wholeRunTimer = [&](const Graph&, const Schedule&) {
        ++runs;
        std::this_thread::sleep_for(std::chrono::milliseconds(40));
        return 1.0;
    };
    const auto now = std::chrono::steady_clock::now();
    hooks.budgetStart = now - std::chrono::seconds(1); // a second already spent before the pipeline
    const ScheduleOutcome out = runSchedulePipeline(f.g, f.cost, request, hooks);
    // 4 s less the second, the rivals' runs (40 ms each) and one more run kept back.
    QVERIFY2(out.searchLimitSeconds < 3 - 0.04 * (runs - 1) - 0.04 + 0.01,
             std::to_string(out.searchLimitSeconds).c_str());
    QVERIFY(out.searchLimitSeconds > 2.0);
    QCOMPARE(out.chosen.stats.complete, true); // a 12-op DAG searches in far less
    const ScheduleDocument doc = scheduleDocumentFor(f.g, f.cost, request, out);
    QVERIFY(doc.search);
    QCOMPARE(doc.search->timeLimitSeconds, 4.0); // the request's limit is what the file records

    // The budget already spent: the search still gets a tenth of the limit.
    hooks.budgetStart = now - std::chrono::seconds(30);
    QCOMPARE(runSchedulePipeline(f.g, f.cost, request, hooks).searchLimitSeconds, 0.4);
    // No limit stays none; without a whole-run judgement the search has the request's limit.
    request.options.timeLimitSeconds = 0;
    QCOMPARE(runSchedulePipeline(f.g, f.cost, request, hooks).searchLimitSeconds, 0.0);
    request.options.timeLimitSeconds = 4;
    QCOMPARE(runSchedulePipeline(f.g, f.cost, request).searchLimitSeconds, 4.0);
}

// The rivals: the baselines first, then the fast schedulers', none twice.
void TestSchedulePipeline::rivalsAreTheFastSchedulers() {
    Fixture f;
    SchedulerOptions options;
    options.maxStreams = 3;
    const std::vector<NamedSchedule> rivals = wholeRunRivals(f.g, f.cost, options);
    QVERIFY(rivals.size() >= 2);
    QCOMPARE(rivals[0].name, std::string("wavefront"));
    QVERIFY(rivals[0].schedule == wavefrontSchedule(f.g, 3));
    QCOMPARE(rivals[1].name, std::string("sequential"));
    for (size_t i = 0; i < rivals.size(); ++i) {
        validateSchedule(f.g, rivals[i].schedule, rivals[i].name);
        if (i >= 2) QVERIFY(fastSchedulerFromString(rivals[i].name));
        for (size_t j = 0; j < i; ++j) QVERIFY(!(rivals[i].schedule == rivals[j].schedule));
    }
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
