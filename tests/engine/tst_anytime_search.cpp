// The budgeted (anytime) IOS search: windows of consecutive stages re-solved by the DP reach the
// DP's optimum when they may grow to the whole part and never make a schedule worse; the time
// limit holds on graphs far too wide for the DP; ensembles keep their members through the model
// and schedule files.
#include "cost/cost_factory.h"
#include "engine/random_graphs.h"
#include "engine/scheduler_test_support.h"
#include "graph/ensemble.h"
#include "io/model_json.h"
#include "models/model_registry.h"
#include "sched/fast_schedulers.h"
#include "sched/part_dp.h"
#include "sched/scheduler.h"
#include "sched/window_search.h"
#include "schedule/schedule_json.h"
#include "util/errors.h"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

using namespace ioscope;
using namespace ioscope::testing;

namespace {

double seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::vector<double> stageMsOf(const Graph& g, const std::vector<Stage>& stages, CostModel& cost) {
    return stageLatenciesMs(g, stages, cost, RunConfig{});
}

} // namespace

class TestAnytimeSearch : public QObject {
    Q_OBJECT
  private slots:
    void windowsReachTheOptimum();
    void windowsNeverWorsen();
    void movesNeverWorsen();
    void solvedWindowsAreNotSolvedAgain();
    void tinyBudgetStillValid();
    void timeLimitHoldsOnWideGraphs();
    void progressDuringTheWindows();
    void cancelStopsTheLocalSearch();
    void ensembleMembersRoundTrip();
};

// Windows allowed to grow to the whole part end at the DP's optimum, from any valid start (or
// below it, when single ops moved).
void TestAnytimeSearch::windowsReachTheOptimum() {
    std::mt19937 rng(808);
    for (int i = 0; i < 25; ++i) {
        std::vector<double> work;
        const Graph g = randomDag(rng, 4 + i % 17, &work);
        TestCostModel cost(work, 0.2 + 0.1 * (i % 4));
        SchedulerOptions o;
        o.maxGroupSize = 2 + i % 2;
        o.maxGroups = 3 + i % 4;
        const std::vector<double> singleMs = singleOpLatenciesMs(g, cost, o.run);
        std::vector<Stage> stages = sequentialSchedule(g).stages;
        std::vector<double> stageMs = stageMsOf(g, stages, cost);
        detail::SearchCounters counters;
        detail::WindowSearchStats stats;
        const double ms = detail::improveByWindows(
            g, stages, stageMs, cost, o, singleMs, counters, nullptr, [] { return false; }, 1'000'000,
            &stats);
        validateSchedule(g, Schedule{stages}, "windows");
        QVERIFY(stats.coveredWholePart);
        const ScheduleResult dp = detail::searchParts(g, {g.units()}, cost, o);
        // Moved ops may share a group with ops they have no edge with, which the DP's groups never
        // do: then the windows may end below the DP's optimum, never above it.
        QVERIFY2(stats.moves > 0 ? ms <= dp.latencyMs * (1 + 1e-9)
                                 : std::abs(ms - dp.latencyMs) <= 1e-9 * dp.latencyMs,
                 qPrintable(QStringLiteral("windows %1, DP %2").arg(ms).arg(dp.latencyMs)));
        QVERIFY(std::abs(predictLatencyMs(g, Schedule{stages}, cost, o.run) - ms) <= 1e-9 * ms);
    }
}

// Small windows on wide CNNs under the simulated model: valid, never worse than the start, and
// the latency returned is the schedule's.
void TestAnytimeSearch::windowsNeverWorsen() {
    std::mt19937 rng(99);
    for (int i = 0; i < 4; ++i) {
        const Graph g = randomMultiBranchCnn(rng, 24 + 6 * i, 6 + 2 * i);
        const auto cost = makeCostModel("sim:H200", RunConfig{});
        SchedulerOptions o;
        const std::vector<double> singleMs = singleOpLatenciesMs(g, *cost, o.run);
        std::vector<Stage> stages = fastStages(FastScheduler::Wavefront, g, g.units(), o, singleMs);
        std::vector<double> stageMs = stageMsOf(g, stages, *cost);
        double before = 0;
        for (double ms : stageMs) before += ms;
        detail::SearchCounters counters;
        const double after = detail::improveByWindows(
            g, stages, stageMs, *cost, o, singleMs, counters, nullptr, [] { return false; }, 2000);
        validateSchedule(g, Schedule{stages}, "windows");
        QVERIFY(after <= before);
        QVERIFY(std::abs(predictLatencyMs(g, Schedule{stages}, *cost, o.run) - after) <= 1e-9 * after);
    }
}

// Single ops moved between stages, from every fast scheduler's stages on wide CNNs: valid, never
// worse, at most s groups a stage and r ops in a group an op joined, the latency returned the
// schedule's; an expired budget moves nothing.
void TestAnytimeSearch::movesNeverWorsen() {
    std::mt19937 rng(1414);
    int moved = 0;
    for (int i = 0; i < 4; ++i) {
        const Graph g = randomMultiBranchCnn(rng, 20 + 8 * i, 5 + 3 * i);
        const auto cost = makeCostModel("sim:H200", RunConfig{});
        SchedulerOptions o;
        o.maxStreams = o.maxGroups;
        const std::vector<double> singleMs = singleOpLatenciesMs(g, *cost, o.run);
        for (FastScheduler s : allFastSchedulers()) {
            std::vector<Stage> stages = fastStages(s, g, g.units(), o, singleMs);
            std::vector<double> stageMs = stageMsOf(g, stages, *cost);
            double before = 0;
            for (double ms : stageMs) before += ms;
            detail::SearchCounters counters;
            std::vector<Stage> untouched = stages;
            std::vector<double> untouchedMs = stageMs;
            QCOMPARE(detail::improveByMoves(g, untouched, untouchedMs, *cost, o, singleMs, counters,
                                            [] { return true; }),
                     before);
            QVERIFY(untouched == stages);
            int moves = 0;
            const double after = detail::improveByMoves(
                g, stages, stageMs, *cost, o, singleMs, counters, [] { return false; }, &moves);
            validateSchedule(g, Schedule{stages}, "moves");
            QVERIFY2(after <= before, qPrintable(QStringLiteral("%1 after %2").arg(after).arg(before)));
            QVERIFY(moves == 0 || after < before);
            moved += moves;
            QVERIFY(std::abs(predictLatencyMs(g, Schedule{stages}, *cost, o.run) - after) <= 1e-9 * after);
            for (const Stage& st : stages) QVERIFY(int(st.groups.size()) <= o.maxGroups);
        }
    }
    QVERIFY(moved > 0); // the moves do something on these graphs
}

// A second call on the same part goes on from the first: windows whose ops were solved and whose
// stages still cost their optimum are skipped, so a converged search solves none again.
void TestAnytimeSearch::solvedWindowsAreNotSolvedAgain() {
    std::mt19937 rng(5);
    const Graph g = randomMultiBranchCnn(rng, 24, 6);
    const auto cost = makeCostModel("sim:H200", RunConfig{});
    SchedulerOptions o;
    const std::vector<double> singleMs = singleOpLatenciesMs(g, *cost, o.run);
    std::vector<Stage> stages = fastStages(FastScheduler::Wavefront, g, g.units(), o, singleMs);
    std::vector<double> stageMs = stageMsOf(g, stages, *cost);
    detail::SearchCounters counters;
    detail::WindowSearchStats stats;
    const auto never = [] { return false; };
    const double first = detail::improveByWindows(g, stages, stageMs, *cost, o, singleMs, counters, nullptr,
                                                  never, 4000, &stats);
    QVERIFY(stats.converged || stats.coveredWholePart);
    QVERIFY(stats.windowsSolved > 0);
    const int solved = stats.windowsSolved;
    const std::vector<Stage> kept = stages;
    if (!stats.coveredWholePart) {
        const double second = detail::improveByWindows(g, stages, stageMs, *cost, o, singleMs, counters,
                                                       nullptr, never, 4000, &stats);
        QCOMPARE(stats.windowsSolved, solved);
        QCOMPARE(second, first);
        QVERIFY(stages == kept);
    }
    validateSchedule(g, Schedule{stages}, "windows");
}

// A budget far too small for any window: the search still returns a valid schedule no worse than
// any fast scheduler, promptly.
void TestAnytimeSearch::tinyBudgetStillValid() {
    std::mt19937 rng(14);
    const Graph g = randomMultiBranchCnn(rng, 47, 14);
    const auto cost = makeCostModel("sim:H200", RunConfig{});
    for (double limit : {0.001, 0.02, 0.2}) {
        SchedulerOptions o;
        o.timeLimitSeconds = limit;
        const auto start = std::chrono::steady_clock::now();
        const ScheduleResult r = iosSchedule(g, *cost, o);
        QVERIFY2(seconds(start) < limit + 3.0, qPrintable(QStringLiteral("%1 s").arg(seconds(start))));
        validateSchedule(g, r.schedule, "limited");
        QVERIFY(std::abs(predictLatencyMs(g, r.schedule, *cost, o.run) - r.latencyMs) <= 1e-9 * r.latencyMs);
        for (FastScheduler s : allFastSchedulers())
            QVERIFY(r.latencyMs <= fastSchedule(s, g, *cost, o).latencyMs + 1e-12);
    }
}

// A 1 s limit on graphs whose DP would take hours (or whose windows converge before the limit): the
// search returns within the limit and a slack generous enough for sanitizer builds, valid and
// never worse than any fast scheduler.
void TestAnytimeSearch::timeLimitHoldsOnWideGraphs() {
    std::mt19937 rng(14);
    std::vector<Graph> graphs;
    graphs.push_back(randomMultiBranchCnn(rng, 47, 14));
    graphs.push_back(randomMultiBranchCnn(rng, 120, 30));
    // Windows that converge within the limit: the rest of it goes to iterated local search.
    std::mt19937 rng3(3);
    graphs.push_back(randomMultiBranchCnn(rng3, 34, 10));
    const Graph inc = loadModel("inception_v3"), sq = loadModel("squeezenet"), rw = loadModel("randwire"),
                nas = loadModel("nasnet");
    graphs.push_back(
        buildEnsemble({{"inception_v3", &inc}, {"squeezenet", &sq}, {"randwire", &rw}, {"nasnet", &nas}}));
    for (const Graph& g : graphs) {
        const auto cost = makeCostModel("sim:H200", RunConfig{});
        SchedulerOptions o;
        o.timeLimitSeconds = 1;
        const auto start = std::chrono::steady_clock::now();
        const ScheduleResult r = iosSchedule(g, *cost, o);
        const double took = seconds(start);
        QVERIFY2(took < o.timeLimitSeconds + 3.0,
                 qPrintable(QString::fromStdString(g.name()) + QStringLiteral(": %1 s").arg(took)));
        validateSchedule(g, r.schedule, "limited");
        for (FastScheduler s : allFastSchedulers())
            QVERIFY(r.latencyMs <= fastSchedule(s, g, *cost, o).latencyMs + 1e-12);
    }
}

// A time-limited search of a wide graph reports while it improves windows: the fraction never
// falls (and follows the clock), the best latency so far never rises and ends at the answer.
void TestAnytimeSearch::progressDuringTheWindows() {
    std::mt19937 rng(14);
    const Graph g = randomMultiBranchCnn(rng, 47, 14);
    const auto cost = makeCostModel("sim:H200", RunConfig{});
    SchedulerOptions o;
    o.timeLimitSeconds = 1.5;
    std::vector<Progress> reports;
    const ScheduleResult r = iosSchedule(g, *cost, o, [&](const Progress& p) { reports.push_back(p); });
    QVERIFY(!r.stats.complete); // the DP cannot finish: the windows ran to the limit
    long long duringWindows = 0;
    for (size_t i = 0; i < reports.size(); ++i) {
        const Progress& p = reports[i];
        QVERIFY(p.fraction >= 0 && p.fraction <= 1);
        QVERIFY(p.bestLatencyMs > 0);
        if (p.done > 0) ++duringWindows;
        if (i == 0) continue;
        QVERIFY2(p.fraction >= reports[i - 1].fraction, qPrintable(QStringLiteral("report %1").arg(i)));
        QVERIFY2(p.bestLatencyMs <= reports[i - 1].bestLatencyMs,
                 qPrintable(QStringLiteral("report %1: %2 after %3")
                                .arg(i)
                                .arg(p.bestLatencyMs)
                                .arg(reports[i - 1].bestLatencyMs)));
        QVERIFY(p.done >= reports[i - 1].done);
    }
    // Reports at most ~20 a second but steadily: several while the windows were re-solved.
    QVERIFY2(duringWindows >= 5, qPrintable(QStringLiteral("%1 reports during windows").arg(duringWindows)));
    QVERIFY(reports.back().fraction > 0.5); // it followed the clock to near the limit
    QVERIFY(reports.back().bestLatencyMs <= r.latencyMs * (1 + 1e-9) || r.origin != "ios");
}

// The 34-op graph's windows converge within a second and the rest of a long limit goes to the
// iterated local search: a cancel raised there ends the search at once, not at the limit.
void TestAnytimeSearch::cancelStopsTheLocalSearch() {
    std::mt19937 rng(3);
    const Graph g = randomMultiBranchCnn(rng, 34, 10);
    const auto cost = makeCostModel("sim:H200", RunConfig{});
    SchedulerOptions o;
    o.timeLimitSeconds = 60;
    std::atomic<bool> cancel{false};
    const auto start = std::chrono::steady_clock::now();
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(2500));
        cancel = true;
    });
    bool cancelled = false;
    try {
        iosSchedule(g, *cost, o, {}, &cancel);
    } catch (const Cancelled&) {
        cancelled = true;
    }
    canceller.join();
    const double took = seconds(start);
    QVERIFY(cancelled);
    // A round of the local search is the cancel's granularity; sanitizer builds run ~5x slower (an
    // ASan run on 2 busy cores returned 2.1 s after the cancel).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    const double slack = 10.0;
#else
    const double slack = 2.0;
#endif
    QVERIFY2(took < 2.5 + slack, qPrintable(QStringLiteral("returned after %1 s").arg(took)));
}

// An ensemble's members survive the model file and the schedule file; a schedule naming another
// member for an op is refused, naming the place.
void TestAnytimeSearch::ensembleMembersRoundTrip() {
    std::mt19937 rng(7);
    RandomGraphOptions ro;
    ro.units = 10;
    const Graph a = randomGraph(rng, ro), b = randomGraph(rng, ro);
    const Graph e = buildEnsemble({{"a", &a}, {"b", &b}});
    const Graph back = modelFromJson(modelToJson(e), "ensemble.json");
    QCOMPARE(back.members(), e.members());
    for (OpId id = 0; id < e.size(); ++id) {
        const OpId same = back.find(e.op(id).name);
        QVERIFY(same >= 0);
        QCOMPARE(back.op(same).member, e.op(id).member);
    }
    // A plain model writes no members.
    QVERIFY(nlohmann::json::parse(modelToJson(a)).count("members") == 0);

    TestCostModel cost;
    const ScheduleDocument doc = makeScheduleDocument(e, iosSchedule(e, cost, SchedulerOptions{}).schedule);
    const std::string text = scheduleToJson(e, doc);
    nlohmann::json j = nlohmann::json::parse(text);
    QCOMPARE(j["model"]["members"].get<std::vector<std::string>>(), e.members());
    const nlohmann::json& stage0 = j["stages"][0];
    QCOMPARE(stage0["members"].size(), stage0["groups"].size());
    QCOMPARE(stage0["members"][0][0].get<int>(),
             e.op(e.find(stage0["groups"][0][0].get<std::string>())).member);
    const ScheduleDocument read = scheduleFromJson(e, text, "s.json");
    QCOMPARE(read.members, e.members());
    QCOMPARE(read.schedule.stages.size(), doc.schedule.stages.size());

    j["stages"][0]["members"][0][0] = 1 - stage0["members"][0][0].get<int>();
    try {
        scheduleFromJson(e, j.dump(), "s.json");
        QFAIL("a wrong member was accepted");
    } catch (const InputError& err) {
        QVERIFY2(std::string(err.what()).find("stages[0].members[0][0]") != std::string::npos, err.what());
    }
    nlohmann::json m = nlohmann::json::parse(modelToJson(e));
    m["ops"][1]["member"] = 5;
    QVERIFY_THROWS_EXCEPTION(InputError, modelFromJson(m.dump(), "bad.json"));
}

QTEST_APPLESS_MAIN(TestAnytimeSearch)
#include "tst_anytime_search.moc"
