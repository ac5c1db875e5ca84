// The fast schedulers (Nimble, LIOS, Opara, HIOS, and the baselines), the lower bound, the
// anytime search's incumbents, and ensembles.
#include "analysis/width.h"
#include "cost/cost_factory.h"
#include "engine/random_graphs.h"
#include "engine/scheduler_test_support.h"
#include "exec/cpu_executor.h"
#include "graph/ensemble.h"
#include "models/model_registry.h"
#include "sched/fast_schedulers.h"
#include "sched/lower_bound.h"
#include "sched/part_dp.h"
#include "sched/scheduler.h"
#include "util/errors.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <set>

using namespace ioscope;
using namespace ioscope::testing;

namespace {

// Every op once, streams following the graph's edges in order.
void checkStreamsArePaths(const Graph& g, const std::vector<std::vector<OpId>>& streams, bool chains) {
    std::multiset<OpId> seen;
    for (const auto& s : streams) {
        QVERIFY(!s.empty());
        for (size_t i = 0; i < s.size(); ++i) {
            seen.insert(s[i]);
            if (i > 0 && chains) {
                const auto& preds = g.predecessors(s[i]);
                QVERIFY(std::find(preds.begin(), preds.end(), s[i - 1]) != preds.end());
            }
            if (i > 0 && chains) QVERIFY(s[i - 1] < s[i]); // ids are a topological order
        }
    }
    const std::multiset<OpId> units(g.units().begin(), g.units().end());
    QVERIFY(seen == units);
}

// What ensemble output `id` computes alone: the same-named output of its member's own run.
const Tensor& aloneOutput(const Graph& e, OpId id, const std::vector<const CpuRunResult*>& runs,
                          const std::vector<const Graph*>& graphs) {
    const Op& op = e.op(id);
    const auto m = static_cast<size_t>(op.member);
    const std::string name = op.name.substr(op.name.find('/') + 1);
    const CpuRunResult& run = *runs.at(m);
    for (size_t k = 0; k < run.outputIds.size(); ++k)
        if (graphs.at(m)->op(run.outputIds[k]).name == name) return run.outputs[k];
    throw std::runtime_error("no output named " + name);
}

} // namespace

class TestFastSchedulers : public QObject {
    Q_OBJECT
  private slots:
    void namesRoundTrip();
    void validOnRandomDags();
    void streamAssignments();
    void nimbleCoversAChainWithOneStream();
    void boundNeverExceedsAnySchedule();
    void boundUnderTheSimulatedModel();
    void searchNeverWorseThanFastSchedulers();
    void multiBranchGeneratorHasItsWidth();
    void ensembleRunsLikeItsMembers();
    void ensembleRejectsBadInput();
};

void TestFastSchedulers::namesRoundTrip() {
    for (FastScheduler s : allFastSchedulers()) QVERIFY(fastSchedulerFromString(toString(s)) == s);
    QVERIFY(!fastSchedulerFromString("ios"));
    QVERIFY(fastSchedulerNamesText().find("nimble") != std::string::npos);
}

// Each scheduler, on both random DAG families, over whole graphs and over parts: valid, at most
// maxStreams groups a stage, and its predicted latency is its stages' sum.
void TestFastSchedulers::validOnRandomDags() {
    std::mt19937 rng(1414);
    int schedules = 0, parallel = 0;
    for (int i = 0; i < 60; ++i) {
        std::vector<double> work;
        RandomGraphOptions ro;
        ro.units = 5 + i % 40;
        ro.inputs = 1 + i % 3;
        ro.chainOfBlocks = i % 4 == 0;
        const Graph g = i % 2 ? randomDag(rng, 4 + i % 30, &work) : randomGraph(rng, ro);
        TestCostModel cost(work, 0.3);
        SchedulerOptions o;
        o.maxStreams = 1 + i % 6;
        for (FastScheduler s : allFastSchedulers()) {
            const ScheduleResult r = fastSchedule(s, g, cost, o);
            validateSchedule(g, r.schedule, std::string(toString(s)));
            for (const Stage& st : r.schedule.stages) {
                QVERIFY(static_cast<int>(st.groups.size()) <= o.maxStreams);
                QVERIFY(st.strategy == Strategy::Concurrent);
            }
            QVERIFY(std::abs(predictLatencyMs(g, r.schedule, cost, o.run) - r.latencyMs) < 1e-9);
            QCOMPARE(r.origin, std::string(toString(s)));
            if (r.schedule.stages.size() < g.units().size()) ++parallel;
            ++schedules;
            // Over a part (ops after the first third, the earlier ones done): valid once the
            // earlier ops run first.
            const std::vector<OpId> units = g.units();
            const size_t cut = units.size() / 3;
            const std::vector<OpId> head(units.begin(), units.begin() + static_cast<long>(cut)),
                tail(units.begin() + static_cast<long>(cut), units.end());
            const std::vector<double> singleMs = singleOpLatenciesMs(g, cost, o.run);
            Schedule joined{fastStages(s, g, head, o, singleMs)};
            for (Stage& st : fastStages(s, g, tail, o, singleMs)) joined.stages.push_back(std::move(st));
            validateSchedule(g, joined, "parts");
        }
    }
    QCOMPARE(schedules, 360);
    QVERIFY2(parallel > 150, qPrintable(QString::number(parallel)));
}

void TestFastSchedulers::streamAssignments() {
    std::mt19937 rng(7);
    for (int i = 0; i < 40; ++i) {
        std::vector<double> work;
        const Graph g = randomDag(rng, 3 + i, &work);
        TestCostModel cost(work);
        const std::vector<double> singleMs = singleOpLatenciesMs(g, cost, RunConfig{});
        const auto nimble = nimbleStreams(g, g.units());
        checkStreamsArePaths(g, nimble, true);
        checkStreamsArePaths(g, longestPathStreams(g, g.units(), singleMs), true);
        const auto lios = listScheduledStreams(g, g.units(), singleMs, 4);
        checkStreamsArePaths(g, lios, false);
        QVERIFY(lios.size() <= 4);
        // No path cover is smaller than the width (Dilworth); none of chains along edges is
        // larger than one stream per op.
        QVERIFY(static_cast<int>(nimble.size()) >= maximumAntichain(g).width);
        QVERIFY(nimble.size() <= g.units().size());
    }
}

// A chain with shortcuts (a -> b -> c, a -> c): the transitive reduction drops a -> c, and one
// stream covers all; a fan of k independent ops needs k streams.
void TestFastSchedulers::nimbleCoversAChainWithOneStream() {
    Graph g("chain");
    const OpId in = g.addInput("in", Shape{8, 8, 8});
    const OpId a = g.addOp(convOp("a", in, 1));
    const OpId b = g.addOp(convOp("b", a, 1));
    const OpId c = g.addOp(addOp("c", {a, b}));
    const OpId d = g.addOp(addOp("d", {a, c}));
    g.finalize();
    const auto streams = nimbleStreams(g, g.units());
    QCOMPARE(streams.size(), size_t(1));
    QCOMPARE(streams.front(), (std::vector<OpId>{a, b, c, d}));

    Graph fan("fan");
    const OpId fin = fan.addInput("in", Shape{8, 8, 8});
    for (int i = 0; i < 5; ++i) fan.addOp(convOp("c" + std::to_string(i), fin, 3));
    fan.finalize();
    QCOMPARE(nimbleStreams(fan, fan.units()).size(), size_t(5));
    TestCostModel cost;
    const ScheduleResult r = fastSchedule(FastScheduler::Nimble, fan, cost, SchedulerOptions{});
    QCOMPARE(r.schedule.stages.size(), size_t(1));
    QCOMPARE(r.schedule.stages.front().groups.size(), size_t(5));
}

// The bound is below the optimum (the exhaustive search on tiny DAGs, the DP on larger ones) and
// below every fast schedule.
void TestFastSchedulers::boundNeverExceedsAnySchedule() {
    std::mt19937 rng(99);
    for (int i = 0; i < 60; ++i) {
        std::vector<double> work;
        const Graph g = randomDag(rng, 2 + i % 14, &work);
        TestCostModel cost(work, 0.2 + 0.1 * (i % 4));
        SchedulerOptions o;
        const LatencyBound b = latencyLowerBound(g, cost, o.run);
        QVERIFY(b.boundMs > 0);
        QCOMPARE(b.boundMs, std::max({b.criticalPathMs, b.workMs, b.phasedMs}));
        const ScheduleResult best =
            g.units().size() <= 7 ? exhaustiveSchedule(g, cost, o) : iosSchedule(g, cost, o);
        QVERIFY2(b.boundMs <= best.latencyMs + 1e-9,
                 qPrintable(QStringLiteral("bound %1 > optimum %2").arg(b.boundMs).arg(best.latencyMs)));
        for (FastScheduler s : allFastSchedulers())
            QVERIFY(b.boundMs <= fastSchedule(s, g, cost, o).latencyMs + 1e-9);
        QVERIFY(gapToBound(best.latencyMs, b.boundMs) >= 0);
    }
}

// Under the simulated H200: the bound (critical path and work) stays below every scheduler's
// schedule of the bundled networks and of random multi-branch CNNs, and the search reports it.
void TestFastSchedulers::boundUnderTheSimulatedModel() {
    std::mt19937 rng(5);
    std::vector<Graph> graphs;
    for (const char* name : {"squeezenet", "inception_v3", "randwire", "nasnet"})
        graphs.push_back(loadModel(name));
    for (int i = 0; i < 4; ++i) graphs.push_back(randomMultiBranchCnn(rng, 20 + 9 * i, 4 + 3 * i));
    for (const Graph& g : graphs) {
        const auto cost = makeCostModel("sim:H200", RunConfig{});
        SchedulerOptions o;
        const LatencyBound b = latencyLowerBound(g, *cost, o.run);
        QVERIFY(b.workMs > 0 && b.criticalPathMs > 0);
        // Networks of modules joined by single ops split into phases; the sum over the phases is
        // at least the whole graph's chain.
        if (g.name() == "inception_v3") QVERIFY(b.phases > 10);
        QVERIFY(b.phasedMs >= b.criticalPathMs - 1e-12);
        for (FastScheduler s : allFastSchedulers()) {
            const double ms = fastSchedule(s, g, *cost, o).latencyMs;
            QVERIFY2(b.boundMs <= ms,
                     qPrintable(QString::fromStdString(g.name() + " " + std::string(toString(s))) +
                                QStringLiteral(": bound %1 > %2").arg(b.boundMs).arg(ms)));
        }
        o.timeLimitSeconds = 2;
        const ScheduleResult r = iosSchedule(g, *cost, o);
        QVERIFY(std::abs(r.stats.lowerBoundMs - b.boundMs) <= 1e-12 * b.boundMs);
        QVERIFY2(b.boundMs <= r.latencyMs, qPrintable(QString::fromStdString(g.name())));
    }
}

// Every budget, down to almost none: valid, and never worse than any fast scheduler.
void TestFastSchedulers::searchNeverWorseThanFastSchedulers() {
    std::mt19937 rng(4242);
    for (int i = 0; i < 24; ++i) {
        std::vector<double> work;
        const Graph g = i % 2 ? randomDag(rng, 8 + i, &work) : randomMultiBranchCnn(rng, 14 + i, 3 + i % 5);
        TestCostModel cost(work, 0.2 + 0.1 * (i % 3));
        for (double limit : {1e-9, 1e-3, 0.05, 0.0}) {
            SchedulerOptions o;
            o.maxPartSize = 6 + i % 20;
            o.timeLimitSeconds = limit;
            if (limit == 0 && g.units().size() > 24) continue; // the full DP of the widest ones takes long
            const ScheduleResult r = iosSchedule(g, cost, o);
            validateSchedule(g, r.schedule, "budgeted");
            for (FastScheduler s : allFastSchedulers())
                QVERIFY(r.latencyMs <= fastSchedule(s, g, cost, o).latencyMs + 1e-9);
            QVERIFY(r.stats.lowerBoundMs <= r.latencyMs + 1e-9);
        }
    }
}

void TestFastSchedulers::multiBranchGeneratorHasItsWidth() {
    std::mt19937 rng(47);
    for (int i = 0; i < 5; ++i) {
        const Graph g = randomMultiBranchCnn(rng);
        QCOMPARE(static_cast<int>(g.units().size()), 47);
        QCOMPARE(maximumAntichain(g).width, 14);
        QCOMPARE(g.op(0).out.c, 32);
        QCOMPARE(g.op(0).out.h, 17);
    }
}

// Two random networks (several inputs, sequential units, pools) and a bundled one as one graph:
// valid, its members recorded, and on the CPU reference each member's outputs are exactly what
// the member computes alone, under the sequential and the searched schedules alike.
void TestFastSchedulers::ensembleRunsLikeItsMembers() {
    std::mt19937 rng(314);
    RandomGraphOptions ro;
    ro.units = 12;
    ro.inputs = 2;
    const Graph a = randomGraph(rng, ro);
    ro.units = 9;
    ro.inputs = 1;
    const Graph b = randomGraph(rng, ro);
    const Graph e = buildEnsemble({{"a", &a}, {"b", &b}, {"a", &a}});
    QCOMPARE(e.members(), (std::vector<std::string>{"a", "b", "a#2"}));
    QCOMPARE(e.units().size(), 2 * a.units().size() + b.units().size());
    QVERIFY(e.find("a#2/op0") >= 0);
    for (OpId u : e.units()) QVERIFY(e.op(u).member >= 0);
    QCOMPARE(maximumAntichain(e).width, 2 * maximumAntichain(a).width + maximumAntichain(b).width);

    const auto inputsOf = [](const Graph& g, std::uint64_t seed) { return seededInputs(g, 1, seed); };
    const std::vector<Tensor> ina = inputsOf(a, 11), inb = inputsOf(b, 12);
    std::vector<Tensor> ine = ina;
    ine.insert(ine.end(), inb.begin(), inb.end());
    ine.insert(ine.end(), ina.begin(), ina.end());
    const CpuRunResult alone_a = CpuExecutor(a).run(sequentialSchedule(a), ina);
    const CpuRunResult alone_b = CpuExecutor(b).run(sequentialSchedule(b), inb);
    TestCostModel cost;
    SchedulerOptions o;
    o.timeLimitSeconds = 2;
    const CpuExecutor ex(e);
    for (const Schedule& s : {sequentialSchedule(e), iosSchedule(e, cost, o).schedule,
                              fastSchedule(FastScheduler::Nimble, e, cost, o).schedule}) {
        validateSchedule(e, s, "ensemble");
        const CpuRunResult together = ex.run(s, ine);
        QCOMPARE(together.outputs.size(), 2 * alone_a.outputs.size() + alone_b.outputs.size());
        for (size_t k = 0; k < together.outputs.size(); ++k)
            QVERIFY(together.outputs[k].data ==
                    aloneOutput(e, together.outputIds[k], {&alone_a, &alone_b, &alone_a}, {&a, &b, &a}).data);
    }

    // One shared input: members fed the same tensor compute what they compute alone on it.
    ro.units = 7;
    const Graph c = randomGraph(rng, ro), d = randomGraph(rng, ro);
    const Graph shared = buildEnsemble({{"c", &c}, {"d", &d}}, EnsembleInputs::Shared);
    QCOMPARE(static_cast<int>(std::count_if(shared.ops().begin(), shared.ops().end(),
                                            [](const Op& op) { return op.kind == OpKind::Input; })),
             1);
    const std::vector<Tensor> in = inputsOf(c, 21);
    const CpuRunResult both = CpuExecutor(shared).run(iosSchedule(shared, cost, o).schedule, in);
    const CpuRunResult aloneC = CpuExecutor(c).run(sequentialSchedule(c), in);
    const CpuRunResult aloneD = CpuExecutor(d).run(sequentialSchedule(d), in);
    QCOMPARE(both.outputs.size(), aloneC.outputs.size() + aloneD.outputs.size());
    for (size_t k = 0; k < both.outputs.size(); ++k)
        QVERIFY(both.outputs[k].data ==
                aloneOutput(shared, both.outputIds[k], {&aloneC, &aloneD}, {&c, &d}).data);
}

void TestFastSchedulers::ensembleRejectsBadInput() {
    std::mt19937 rng(1);
    RandomGraphOptions ro;
    ro.inputs = 2;
    const Graph two = randomGraph(rng, ro);
    ro.inputs = 1;
    const Graph one = randomGraph(rng, ro);
    QVERIFY_THROWS_EXCEPTION(InputError, buildEnsemble({{"x", &one}}));
    QVERIFY_THROWS_EXCEPTION(InputError, buildEnsemble({{"x", &one}, {"y", &two}}, EnsembleInputs::Shared));
    const Graph sq = loadModel("squeezenet"), inc = loadModel("inception_v3");
    QVERIFY_THROWS_EXCEPTION(InputError, buildEnsemble({{"s", &sq}, {"i", &inc}}, EnsembleInputs::Shared));
    QVERIFY_THROWS_EXCEPTION(InputError, splitEnsembleSpec("a++b"));
    QCOMPARE(splitEnsembleSpec("a+b").size(), size_t(2));
    QCOMPARE(splitEnsembleSpec("a").size(), size_t(1));
}

QTEST_APPLESS_MAIN(TestFastSchedulers)
#include "tst_fast_schedulers.moc"
