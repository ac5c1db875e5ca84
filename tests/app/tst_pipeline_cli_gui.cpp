// The CLI's `schedule` and the explorer's search are adapters over one pipeline
// (pipeline/schedule_pipeline.h): for the same choices they ask the same request and get the
// same schedule, also where a whole-run measurement keeps the wavefront over the search.
#include "cli_process.h"
#include "cost/cost_factory.h"
#include "input_shape.h"
#include "loaded_model.h"
#include "schedule_request.h"
#include "search_work.h"

#include <QtTest>

#include <nlohmann/json.hpp>

using namespace ioscope;
using namespace ioscope::app;

namespace {

// The same choices, as a command line and as the search panel's request.
const cli::ArgVector kArgs{
    "squeezenet", "-r",      "2", "-s",          "4",    "--strategy",   "parallel", "--max-streams",
    "3",          "--batch", "2", "--precision", "fp16", "--time-limit", "30"};

SearchRequest panelRequest() {
    SearchRequest r;
    r.scheduler = SchedulerKind::Ios;
    r.costSpec = QStringLiteral("sim:H100");
    r.options.maxGroupSize = 2;
    r.options.maxGroups = 4;
    r.options.strategy = StrategySet::Parallel;
    r.options.maxStreams = 3;
    r.options.run.batch = 2;
    r.options.run.precision = Precision::Fp16;
    r.options.timeLimitSeconds = 30;
    return r;
}

std::vector<std::vector<std::vector<std::string>>> stageNames(const Graph& g, const Schedule& s) {
    std::vector<std::vector<std::vector<std::string>>> out;
    for (const Stage& st : s.stages) {
        auto& groups = out.emplace_back();
        for (const auto& group : st.groups) {
            auto& names = groups.emplace_back();
            for (OpId id : group) names.push_back(g.op(id).name);
        }
    }
    return out;
}

} // namespace

class TestPipelineCliGui : public QObject {
    Q_OBJECT
  private slots:
    void sameRequest();
    void sameScheduleWhenTheWavefrontMeasuresFaster();
    void sameScheduleAsTheCliProgram();
};

void TestPipelineCliGui::sameRequest() {
    ScheduleRequest cliRequest = cli::scheduleRequestFromArgs(cli::scheduleArgs(kArgs));
    ScheduleRequest guiRequest = toScheduleRequest(panelRequest());
    QVERIFY(!cliRequest.withDetail && guiRequest.withDetail); // the views' extra, not a choice
    guiRequest.withDetail = false;
    QVERIFY(cliRequest == guiRequest);
}

// A stand-in for live profiling: whole runs of the wavefront take 1 ms, anything else 2 ms.
void TestPipelineCliGui::sameScheduleWhenTheWavefrontMeasuresFaster() {
    const cli::Args args = cli::scheduleArgs(kArgs);
    const Graph cliGraph = cli::loadModelFromArgs(args);
    const LoadedModel model = loadAndAnalyze(QStringLiteral("squeezenet"));
    QCOMPARE(model.graph->size(), cliGraph.size());
    const ScheduleRequest cliRequest = cli::scheduleRequestFromArgs(args);
    const Schedule wavefront = wavefrontSchedule(cliGraph, 3);
    PipelineHooks hooks;
    int wholeRuns = 0;
    hooks.wholeRunTimer = [&](const Graph&, const Schedule& s) {
        ++wholeRuns;
        return s == wavefront ? 1.0 : 2.0;
    };
    const auto cliCost = makeCostModel("sim:H100", cliRequest.options.run);
    const ScheduleOutcome cli = runSchedulePipeline(cliGraph, *cliCost, cliRequest, hooks);
    const SearchRequest panel = panelRequest();
    const auto guiCost = makeCostModel("sim:H100", panel.options.run);
    const std::vector<ScheduleRun> gui = runSearch(*model.graph, panel, *guiCost, hooks);
    // Each front end runs every distinct candidate once: searched, wavefront, sequential and the
    // fast schedulers' schedules unlike those.
    QVERIFY(cli.measured && cli.measured->runs >= 3);
    QCOMPARE(wholeRuns, 2 * cli.measured->runs);
    QCOMPARE(cli.origin, std::string("wavefront"));
    QCOMPARE(gui.front().origin, std::string("wavefront"));
    QVERIFY(!gui.front().measuredNote.empty());
    QVERIFY(cli.chosen.schedule == wavefront);
    QVERIFY(stageNames(cliGraph, cli.chosen.schedule) == stageNames(*model.graph, gui.front().schedule));
    QCOMPARE(gui.front().latencyMs, cli.chosen.latencyMs);
    QCOMPARE(gui.size(), size_t(3));
    QVERIFY(gui[1].scheduler == SchedulerKind::Wavefront && gui[1].schedule == gui.front().schedule);
}

// The program itself (simulated model: no whole-run judgement) writes what the explorer finds.
void TestPipelineCliGui::sameScheduleAsTheCliProgram() {
    QStringList args{QStringLiteral("schedule")};
    for (const std::string& a : kArgs) args << QString::fromStdString(a);
    args << QStringLiteral("--cost") << QStringLiteral("sim:H100") << QStringLiteral("--json");
    const CliRun run = runCli(args);
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const nlohmann::json j = nlohmann::json::parse(run.out.toStdString());
    const LoadedModel model = loadAndAnalyze(QStringLiteral("squeezenet"));
    GpuContext gpu;
    const std::vector<ScheduleRun> gui = runSearch(*model.graph, panelRequest(), gpu, {}, nullptr);
    std::vector<std::vector<std::vector<std::string>>> cliStages;
    for (const auto& st : j.at("stages"))
        cliStages.push_back(st.at("groups").get<decltype(cliStages)::value_type>());
    QVERIFY(cliStages == stageNames(*model.graph, gui.front().schedule));
    QCOMPARE(j.at("origin").get<std::string>(), gui.front().origin);
    QCOMPARE(j.at("latency_ms").get<double>(), gui.front().latencyMs);
    QCOMPARE(j.at("wavefront_ms").get<double>(), gui[1].latencyMs);
    QCOMPARE(j.at("sequential_ms").get<double>(), gui[2].latencyMs);
}

QTEST_GUILESS_MAIN(TestPipelineCliGui)
#include "tst_pipeline_cli_gui.moc"
