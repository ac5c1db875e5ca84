// The speculative batched search (sched/batched_search.h) must find exactly what the plain DP
// finds with the same latencies, while only ever reading latencies it had measured, in a few
// batches.
#include "analysis/partition.h"
#include "cost/cost_factory.h"
#include "models/model_registry.h"
#include "random_graphs.h"
#include "sched/batched_search.h"
#include "sched/fast_schedulers.h"
#include "sched/scheduler.h"
#include "scheduler_test_support.h"

#include <QtTest>

#include <chrono>
#include <thread>
#include <unordered_map>

using namespace ioscope;
using namespace ioscope::testing;

namespace {

// Measures in batches with the latencies of `inner`, keyed by the stage's ops (the test cost
// model charges ops by id, so equal signatures may cost differently); counts latencies read
// that were never measured.
class BatchingModel : public CostModel {
  public:
    explicit BatchingModel(CostModel& inner) : inner_(inner) {}
    std::string name() const override { return "batching(" + inner_.name() + ")"; }
    std::string device() const override { return inner_.device(); }
    bool measuresInBatches() const override { return true; }
    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        if (auto ms = knownLatencyMs(g, stage, cfg)) return *ms;
        ++unmeasuredReads;
        return inner_.stageLatencyMs(g, stage, cfg);
    }
    std::optional<double> knownLatencyMs(const Graph&, const Stage& stage, const RunConfig&) override {
        auto it = measured_.find(key(stage));
        if (it == measured_.end()) return std::nullopt;
        return it->second;
    }
    void measureBatch(const Graph& g, const std::vector<Stage>& stages, const RunConfig& cfg,
                      const ProgressCallback& progress, CancelFlag cancel) override {
        if (batches == 0) firstBatchAt = std::chrono::steady_clock::now();
        ++batches;
        batchSizes.push_back(stages.size());
        for (size_t i = 0; i < stages.size(); ++i) {
            order.push_back(key(stages[i]));
            if (cancel && cancel->load()) throw Cancelled();
            const std::string sig = key(stages[i]);
            if (measured_.count(sig)) ++remeasured;
            if (perStage.count() > 0) std::this_thread::sleep_for(perStage);
            measured_[sig] = inner_.stageLatencyMs(g, stages[i], cfg);
            if (progress)
                progress(
                    countedProgress(static_cast<long long>(i + 1), static_cast<long long>(stages.size())));
        }
    }
    int batches = 0;
    std::chrono::steady_clock::time_point firstBatchAt; // when the first pass ended
    std::chrono::microseconds perStage{0}; // what measuring one stage takes (a GPU's order: ~0.1-1 ms)
    std::vector<size_t> batchSizes;
    std::vector<std::string> order; // every measured stage's key, in measuring order
    int unmeasuredReads = 0;
    int remeasured = 0;
    size_t measuredCount() const { return measured_.size(); }

    static std::string key(const Stage& stage) {
        std::string k = stage.strategy == Strategy::Merge ? "m" : "c";
        for (const auto& group : stage.groups) {
            for (OpId id : group) k += std::to_string(id) + ",";
            k += "|";
        }
        return k;
    }

  private:
    CostModel& inner_;
    std::unordered_map<std::string, double> measured_;
};

// `batchSizes`, when given, receives the batches' sizes.
void compareWithPlain(const Graph& g, CostModel& truth, const SchedulerOptions& options,
                      std::vector<size_t>* batchSizes = nullptr) {
    const ScheduleResult plain = iosSchedule(g, truth, options);
    BatchingModel batching(truth);
    if (batchSizes) batchSizes->clear();
    std::vector<Progress> seen;
    const ScheduleResult batched =
        iosSchedule(g, batching, options, [&](const Progress& p) { seen.push_back(p); });
    qInfo("%s: %d batches, %zu stages measured (the plain search costed %lld)", g.name().c_str(),
          batching.batches, batching.measuredCount(), plain.stats.stagesCosted);
    QCOMPARE(batched.latencyMs, plain.latencyMs);
    QCOMPARE(batched.schedule.stages.size(), plain.schedule.stages.size());
    for (size_t i = 0; i < plain.schedule.stages.size(); ++i)
        QVERIFY(batched.schedule.stages[i] == plain.schedule.stages[i]);
    QCOMPARE(batched.origin, plain.origin);
    QCOMPARE(batching.unmeasuredReads, 0);
    QCOMPARE(batching.remeasured, 0);
    QVERIFY2(batching.batches >= 1 && batching.batches <= 12, qPrintable(QString::number(batching.batches)));
    QCOMPARE(batched.stats.stagesCosted, static_cast<long long>(batching.measuredCount()));
    QVERIFY(!seen.empty());
    QCOMPARE(seen.back().fraction, 1.0);
    for (size_t i = 1; i < seen.size(); ++i) QVERIFY(seen[i].fraction >= seen[i - 1].fraction);
    if (batchSizes) *batchSizes = batching.batchSizes;
}

// The 47-op width-14 random CNN searched with a limit on sim:V100 measurements that take 300 us a
// stage.
struct WideGraphSearch {
    std::mt19937 rng{1};
    const Graph g = randomMultiBranchCnn(rng, 47, 14);
    const std::unique_ptr<CostModel> truth = makeCostModel("sim:V100", {});
    BatchingModel batching{*truth};
    WideGraphSearch() { batching.perStage = std::chrono::microseconds(300); }
    ScheduleResult search(double seconds) {
        SchedulerOptions options;
        options.timeLimitSeconds = seconds;
        return iosSchedule(g, batching, options);
    }
};

QString joined(const std::vector<size_t>& sizes) {
    QStringList text;
    for (size_t n : sizes) text << QString::number(n);
    return text.join(", ");
}

// The stage a BatchingModel key names.
Stage stageFromKey(const std::string& key) {
    Stage st{key[0] == 'm' ? Strategy::Merge : Strategy::Concurrent, {}};
    std::vector<OpId> group;
    std::string number;
    for (char c : key.substr(1)) {
        if (c == ',') {
            group.push_back(static_cast<OpId>(std::stoi(number)));
            number.clear();
        } else if (c == '|') {
            st.groups.push_back(std::move(group));
            group.clear();
        } else {
            number.push_back(c);
        }
    }
    return st;
}

// A measured model unlike its estimates: the simulated latencies times 1 + 0.2u, u in [0, 1) from
// a hash of the stage's ops, so every measurement is at least its estimate and the estimates'
// bounds skip stages soundly.
class AboveEstimates : public CostModel {
  public:
    explicit AboveEstimates(CostModel& sim) : sim_(sim) {}
    std::string name() const override { return "above(" + sim_.name() + ")"; }
    std::string device() const override { return sim_.device(); }
    bool latenciesAreFixed() const override { return true; }
    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        std::uint64_t h = 1469598103934665603ull;
        for (unsigned char c : BatchingModel::key(stage)) h = (h ^ c) * 1099511628211ull;
        h ^= h >> 29;
        return sim_.stageLatencyMs(g, stage, cfg) * (1 + 0.2 * double(h % 1000) / 1000.0);
    }

  private:
    CostModel& sim_;
};

// `parts` blocks in a row, each a conv and `width` branches of two convs reading it, concatenated;
// branch b of block p has 8 + 4b + p channels, so a search's stages are mostly distinct
// signatures (the live model measures each signature once). Each block is its own part: the DP
// is quick for the stages it asks for.
Graph distinctBlocks(int parts, int width) {
    Graph g("distinct_blocks_" + std::to_string(parts) + "x" + std::to_string(width));
    OpId last = g.addInput("input", {16, 17, 17});
    auto conv = [&](std::string name, OpId from, int channels, int k) {
        Op op;
        op.name = std::move(name);
        op.kind = OpKind::Conv;
        op.inputs = {from};
        op.window = {k, k, 1, 1, k / 2, k / 2, 1, 1};
        op.outChannels = channels;
        op.activation = Activation::Relu;
        return g.addOp(std::move(op));
    };
    for (int p = 0; p < parts; ++p) {
        const std::string block = "p" + std::to_string(p) + "_";
        const OpId stem = conv(block + "stem", last, 16, 1);
        Op concat;
        concat.name = block + "concat";
        concat.kind = OpKind::Concat;
        for (int b = 0; b < width; ++b) {
            const int channels = 8 + 4 * b + p;
            const std::string branch = block + "b" + std::to_string(b);
            concat.inputs.push_back(conv(branch + "_1", conv(branch + "_0", stem, channels, 3), channels, 1));
        }
        last = g.addOp(std::move(concat));
    }
    g.finalize(g.name());
    return g;
}

} // namespace

class TestBatchedSearch : public QObject {
    Q_OBJECT
  private slots:
    void equalsPlainSearchOnInception();
    void equalsPlainSearchOnRandomDags();
    void boundsSkipStagesSoundly();
    void cancelsDuringMeasurement();
    void predictionMeasuresUnknownStagesInScheduleOrder();
    void timeLimitHoldsOnAWideGraph();
    void limitedSearchKeepsTheBestMeasuredPass();
    void combinesPassesPartByPart();
    void aLimitThatFitsFindsThePlainAnswer();
    void samplesAFirstPassTooLargeToMeasure();
    void correctsTheEstimatesWhereTheRestWouldNotFit();
};

void TestBatchedSearch::equalsPlainSearchOnInception() {
    // Latencies unlike the estimates (another simulated device), so several passes are needed.
    const Graph g = buildInceptionV3();
    const RunConfig run{1, Precision::Tf32};
    for (const char* spec : {"sim:V100", "sim:H200"}) {
        const std::unique_ptr<CostModel> truth = makeCostModel(spec, run);
        SchedulerOptions options;
        options.run = run;
        compareWithPlain(g, *truth, options);
    }
}

void TestBatchedSearch::equalsPlainSearchOnRandomDags() {
    std::mt19937 rng(4242);
    for (int trial = 0; trial < 30; ++trial) {
        std::vector<double> work;
        const Graph g = randomDag(rng, 6 + trial % 9, &work);
        TestCostModel truth(work);
        SchedulerOptions options;
        options.maxGroupSize = 1 + trial % 3;
        options.maxGroups = 2 + trial % 4;
        options.strategy = trial % 3 == 0 ? StrategySet::Parallel : StrategySet::Both;
        compareWithPlain(g, truth, options);
    }
}

// The live search skips unmeasured stages by the estimates' bounds: with measurements that never
// fall below their estimates, it finds exactly what the plain DP finds on the measurements, on
// random DAGs and Inception V3.
void TestBatchedSearch::boundsSkipStagesSoundly() {
    std::mt19937 rng(977);
    for (int trial = 0; trial < 13; ++trial) {
        const RunConfig run{1 + trial % 2, Precision::Tf32};
        const std::unique_ptr<CostModel> sim = makeCostModel(trial % 2 ? "sim:H200" : "sim:A100", run);
        AboveEstimates truth(*sim);
        SchedulerOptions options;
        options.run = run;
        if (trial == 12) {
            compareWithPlain(buildInceptionV3(), truth, options);
            continue;
        }
        const Graph g = randomDag(rng, 8 + trial % 9);
        options.maxGroupSize = 1 + trial % 3;
        options.maxGroups = 2 + trial % 5;
        compareWithPlain(g, truth, options);
    }
}

void TestBatchedSearch::cancelsDuringMeasurement() {
    const Graph g = buildSqueezeNet();
    const std::unique_ptr<CostModel> truth = makeCostModel("sim:H100", {});
    BatchingModel batching(*truth);
    std::atomic<bool> cancel{false};
    int calls = 0;
    QVERIFY_THROWS_EXCEPTION(Cancelled, iosSchedule(
                                            g, batching, {},
                                            [&](const Progress& p) {
                                                if (p.stagesCosted > 0 && ++calls == 1) cancel = true;
                                            },
                                            &cancel));
}

// Predicting a schedule with a batching model (evaluate, the explorer's baselines, the wavefront
// check) measures the stages not known yet in one batch, in the schedule's order, so live
// profiling times them in the context a run gives them.
void TestBatchedSearch::predictionMeasuresUnknownStagesInScheduleOrder() {
    const Graph g = buildSqueezeNet();
    const RunConfig run{};
    const std::unique_ptr<CostModel> truth = makeCostModel("sim:H100", run);
    BatchingModel batching(*truth);
    const Schedule sequential = sequentialSchedule(g);
    const double expected = predictLatencyMs(g, sequential, *truth, run);

    QCOMPARE(predictLatencyMs(g, sequential, batching, run), expected);
    QCOMPARE(batching.batches, 1);
    QCOMPARE(batching.order.size(), sequential.stages.size());
    for (size_t i = 0; i < sequential.stages.size(); ++i)
        QCOMPARE(batching.order[i], BatchingModel::key(sequential.stages[i]));

    QCOMPARE(predictLatencyMs(g, sequential, batching, run), expected); // all known now
    QCOMPARE(batching.batches, 1);

    // The wavefront schedule shares its single-op stages with the sequential one: only its
    // multi-op stages are new, measured together in their order.
    const Schedule wavefront = wavefrontSchedule(g);
    std::vector<std::string> fresh;
    for (const Stage& st : wavefront.stages)
        if (st.opCount() > 1) fresh.push_back(BatchingModel::key(st));
    QVERIFY(!fresh.empty());
    const std::vector<double> ms = stageLatenciesMs(g, wavefront.stages, batching, run);
    QCOMPARE(ms.size(), wavefront.stages.size());
    QCOMPARE(batching.batches, 2);
    QCOMPARE(batching.batchSizes.back(), fresh.size());
    QVERIFY(std::equal(fresh.begin(), fresh.end(), batching.order.end() - long(fresh.size())));
    QCOMPARE(batching.unmeasuredReads, 0);
    QCOMPARE(batching.remeasured, 0);
}

// Issue #14's wide class (47 ops, width 14) with measuring as slow as a GPU's: the search returns
// within its limit (on the H200 a 60 s search took 77.7 s and measured no stage before: the pass on
// estimates used the whole limit), measures stages, and its schedule is valid.
void TestBatchedSearch::timeLimitHoldsOnAWideGraph() {
    std::mt19937 rng(1);
    const Graph g = randomMultiBranchCnn(rng, 47, 14);
    const std::unique_ptr<CostModel> truth = makeCostModel("sim:H100", {});
    BatchingModel batching(*truth);
    batching.perStage = std::chrono::microseconds(300);
    SchedulerOptions options;
    options.timeLimitSeconds = 3;
    const auto start = std::chrono::steady_clock::now();
    const ScheduleResult r = iosSchedule(g, batching, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    qInfo("47 ops, width 14, limit 3 s: returned after %.2f s, %zu stages measured in %d batches, %s",
          seconds, batching.measuredCount(), batching.batches,
          r.stats.complete ? "complete" : "cut by the limit");
    validateSchedule(g, r.schedule);
    QVERIFY(batching.measuredCount() > g.units().size()); // more than the single ops: stages were measured
    QVERIFY2(seconds < 3 * 1.1 + 0.5, qPrintable(QString::number(seconds)));
}

// With a limit, each pass's schedule is measured first (the first batch opens with the first
// pass's stages, in order) and the answer is the best of the passes' schedules on measurements:
// on the wide graph the last pass, short and on partly measured latencies, may do worse than
// the first (docs/benchmarks.md, "The anytime search on the live path").
void TestBatchedSearch::limitedSearchKeepsTheBestMeasuredPass() {
    WideGraphSearch wide;
    const Graph& g = wide.g;
    const BatchingModel& batching = wide.batching;
    const ScheduleResult r = wide.search(2);
    validateSchedule(g, r.schedule);
    QVERIFY(r.stats.moves > 0);
    QCOMPARE(r.latencyMs, predictLatencyMs(g, r.schedule, *wide.truth, {}));
    // The first pass's schedule: the first batch's stages until every op is covered.
    Schedule first;
    size_t covered = 0;
    for (size_t i = 0; i < batching.order.size() && covered < g.units().size(); ++i) {
        Stage st = stageFromKey(batching.order[i]);
        covered += static_cast<size_t>(st.opCount());
        first.stages.push_back(std::move(st));
    }
    validateSchedule(g, first);
    QVERIFY(first.stages.size() < g.units().size()); // a searched schedule, not the single ops asked first
    const double firstMs = predictLatencyMs(g, first, *wide.truth, {});
    qInfo("first pass %.4f ms, answer %.4f ms (%s)", firstMs, r.latencyMs, r.origin.c_str());
    QVERIFY(r.latencyMs <= firstMs);
}

// Two schedules of Inception V3, each with the searched stages in every other part and one op a
// stage in the rest: combined part by part they make the searched schedule again, faster than
// either, valid, and its latency the sum of the parts chosen.
void TestBatchedSearch::combinesPassesPartByPart() {
    const Graph g = loadModel("inception_v3");
    const RunConfig run{};
    const std::unique_ptr<CostModel> cost = makeCostModel("sim:H100", run);
    SchedulerOptions options;
    const ScheduleResult searched = iosSchedule(g, *cost, options);
    std::vector<int> partOf(size_t(g.size()), -1);
    int parts = 0;
    for (const Block& block : partitionBlocks(g, options.maxPartSize))
        for (const std::vector<OpId>& part : block.parts) {
            for (OpId id : part) partOf[size_t(id)] = parts;
            ++parts;
        }
    QVERIFY(parts > 2);
    // `parity`'s parts keep the searched stages, the others run one op a stage.
    auto mixed = [&](int parity) {
        ScheduleResult r;
        for (const Stage& st : searched.schedule.stages) {
            if (partOf[size_t(st.allOps().front())] % 2 == parity) {
                r.schedule.stages.push_back(st);
                continue;
            }
            for (OpId id : st.allOps()) r.schedule.stages.push_back(Stage{Strategy::Concurrent, {{id}}});
        }
        validateSchedule(g, r.schedule);
        r.latencyMs = predictLatencyMs(g, r.schedule, *cost, run);
        return r;
    };
    const ScheduleResult even = mixed(0), odd = mixed(1);
    const std::optional<ScheduleResult> combined =
        detail::bestPartByPart(g, {&even, &odd}, *cost, run, options.maxPartSize);
    QVERIFY(combined);
    validateSchedule(g, combined->schedule);
    qInfo("%d parts: even %.4f ms, odd %.4f ms, combined %.4f ms, searched %.4f ms", parts, even.latencyMs,
          odd.latencyMs, combined->latencyMs, searched.latencyMs);
    QCOMPARE(combined->latencyMs, predictLatencyMs(g, combined->schedule, *cost, run));
    QVERIFY(combined->latencyMs < std::min(even.latencyMs, odd.latencyMs));
    QVERIFY(combined->latencyMs <= searched.latencyMs * (1 + 1e-9));
    // A schedule whose stages span parts is left out, not split.
    ScheduleResult spanning;
    spanning.schedule.stages.push_back(Stage{Strategy::Concurrent, {g.units()}});
    QVERIFY(!detail::bestPartByPart(g, {&spanning}, *cost, run, options.maxPartSize));
}

// A limit that leaves time to measure everything (the first pass's sample and then its rest)
// finds exactly what the plain DP finds.
void TestBatchedSearch::aLimitThatFitsFindsThePlainAnswer() {
    std::mt19937 rng(1);
    const Graph g = randomMultiBranchCnn(rng, 20, 8); // its first pass asks for more than the sample
    const std::unique_ptr<CostModel> sim = makeCostModel("sim:H100", {});
    AboveEstimates truth(*sim); // measurements above the estimates: their bounds hold
    SchedulerOptions options;
    options.timeLimitSeconds = 600;
    std::vector<size_t> batchSizes;
    compareWithPlain(g, truth, options, &batchSizes);
    qInfo("batches of %s stages", qPrintable(joined(batchSizes)));
    QVERIFY(batchSizes.size() >= 3); // the sample, the first pass's rest, more
    QVERIFY(batchSizes[0] >= 2048 && batchSizes[0] <= 2048 + 2 * g.units().size());
}

// Where the first pass asks for more stages than the limit can measure (the 47-op width-14 CNN:
// about 10^5), an even sample of them is measured first, with the pass's schedule. This graph's
// first pass takes its whole share of the limit, too long for a corrected pass after it, so its
// rest is measured next, as far as the limit goes (the corrected pass:
// correctsTheEstimatesWhereTheRestWouldNotFit).
void TestBatchedSearch::samplesAFirstPassTooLargeToMeasure() {
    WideGraphSearch wide;
    const ScheduleResult r = wide.search(3);
    validateSchedule(wide.g, r.schedule);
    QCOMPARE(r.latencyMs, predictLatencyMs(wide.g, r.schedule, *wide.truth, {}));
    const BatchingModel& batching = wide.batching;
    qInfo("batches of %s stages", qPrintable(joined(batching.batchSizes)));
    // The sample (with the schedule's stages and the single ops), then the rest.
    QVERIFY(batching.batchSizes.size() >= 2);
    QVERIFY(batching.batchSizes[0] >= 2048 && batching.batchSizes[0] <= 2048 + 2 * wide.g.units().size());
    QCOMPARE(batching.remeasured, 0);
    QVERIFY(!r.stats.complete);
}

// Where the sample shows that the first pass's other requests would not be measured in time (20
// blocks of width 6: about 3,800 signatures left) and at least four first passes' time is left,
// the next pass searches on estimates corrected by the sample and its requests are measured
// instead. The limit and the measuring time follow how long a first pass takes on this machine
// (sanitizers make it several times slower): 30 passes' time, of which about twelve are left after
// the sample, while the rest would take about twenty.
void TestBatchedSearch::correctsTheEstimatesWhereTheRestWouldNotFit() {
    using Clock = std::chrono::steady_clock;
    const auto since = [](Clock::time_point t) {
        return std::chrono::duration<double>(Clock::now() - t).count();
    };
    const Graph g = distinctBlocks(20, 6);
    const std::unique_ptr<CostModel> sim = makeCostModel("sim:H100", {});
    AboveEstimates truth(*sim);
    const double plainMs = iosSchedule(g, truth, {}).latencyMs;
    // The first pass's time: an unlimited search's first pass is the same DP on the same estimates.
    BatchingModel timing(truth);
    auto start = Clock::now();
    iosSchedule(g, timing, {});
    const double pass = std::chrono::duration<double>(timing.firstBatchAt - start).count();
    SchedulerOptions options;
    options.timeLimitSeconds = 30 * pass;
    const double perStage = (0.85 * options.timeLimitSeconds - 13 * pass) / 2300; // measuring stops at 85 %
    BatchingModel batching(truth);
    batching.perStage = std::chrono::microseconds(static_cast<long long>(perStage * 1e6));
    start = Clock::now();
    const ScheduleResult r = iosSchedule(g, batching, options);
    const double seconds = since(start);
    qInfo("a first pass %.3f s, %.2f ms a stage, limit %.1f s: batches of %s stages, %.2f s, %.4f ms (the "
          "plain "
          "search on the measurements: %.4f)",
          pass, perStage * 1e3, options.timeLimitSeconds, qPrintable(joined(batching.batchSizes)), seconds,
          r.latencyMs, plainMs);
    QVERIFY(r.stats.estimatesCorrected);
    QVERIFY(timeLimitNote(r.stats, options.timeLimitSeconds).find("corrected by a measured sample") !=
            std::string::npos);
    QVERIFY2(seconds < options.timeLimitSeconds * 1.1, qPrintable(QString::number(seconds)));
    validateSchedule(g, r.schedule);
    QCOMPARE(r.latencyMs, predictLatencyMs(g, r.schedule, truth, {}));
    for (FastScheduler s : allFastSchedulers())
        QVERIFY(r.latencyMs <= fastSchedule(s, g, truth, options).latencyMs + 1e-12);
    QVERIFY(r.latencyMs >= plainMs * (1 - 1e-9));
    QCOMPARE(batching.remeasured, 0);
    // The sample first, then the corrected pass's requests: the rest of the first pass's would
    // not have fitted.
    QVERIFY(batching.batchSizes.size() >= 2);
    QVERIFY(batching.batchSizes[0] >= 2048 && batching.batchSizes[0] <= 2048 + 2 * g.units().size());
}

QTEST_APPLESS_MAIN(TestBatchedSearch)
#include "tst_batched_search.moc"
