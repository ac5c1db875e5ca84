// ioscope-cli schedule MODEL [--scheduler ios|wavefront|sequential|nimble|lios|opara|hios]
//   [--strategy parallel|merge|both] [-r N] [-s N] [--cost SPEC] [--batch N]
//   [--precision fp32|tf32|fp16|bf16] [--max-part-size N] [--max-streams N] [--time-limit SECONDS]
//   [--quiet] [--devices N [--link nvlink|pcie|GBS,US]] [-o SCHEDULE.json] [--json]
#include "cli_args.h"
#include "cmd_schedule_devices.h"
#include "commands.h"
#include "gpu/gpu_execution.h"
#include "input_shape.h"
#include "io/json_reader.h"
#include "models/model_registry.h"
#include "pipeline/schedule_pipeline.h"
#include "sched/fast_schedulers.h"
#include "sched/lower_bound.h"
#include "sched/scheduler.h"
#include "schedule_cli_support.h"
#include "schedule_request.h"
#include "util/printable.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace ioscope::cli {
namespace {

// Why the schedule written is not the DP's own: a fast scheduler's predicted, or a baseline
// measured, faster.
std::string keptNote(const std::string& origin, bool measured) {
    if (origin == "ios") return "";
    return measured ? " -> the " + origin + " schedule was faster, kept"
                    : " -> the " + origin + " schedule predicted faster, kept";
}

// A one-line progress display on stderr, redrawn in place; only for a terminal.
class ProgressLine {
  public:
    explicit ProgressLine(bool quiet) : enabled_(!quiet && isatty(STDERR_FILENO) == 1) {}
    bool enabled() const { return enabled_; }
    ~ProgressLine() { finish(); }
    ProgressCallback callback() {
        if (!enabled_) return {};
        return [this](const Progress& p) {
            char windows[40] = "";
            if (p.done > 0 && p.total == 0) std::snprintf(windows, sizeof windows, "  windows %lld", p.done);
            std::fprintf(stderr,
                         "\rsearching %3.0f%%  states %lld  transitions %lld  stages %lld%s  best %.3f ms   ",
                         100 * p.fraction, p.states, p.transitions, p.stagesCosted, windows, p.bestLatencyMs);
            std::fflush(stderr);
            drawn_ = true;
        };
    }
    void finish() {
        if (drawn_) std::fprintf(stderr, "\r\033[K");
        drawn_ = false;
    }

  private:
    bool enabled_;
    bool drawn_ = false;
};

} // namespace

Args scheduleArgs(const ArgVector& argv) {
    return Args(argv,
                {"--scheduler", "--strategy", "--max-group-size", "--max-groups", "--cost", "--batch",
                 "--precision", "--layout", "--output", "--max-part-size", "--max-streams", "--input",
                 "--time-limit", "--devices", "--link"},
                {"--json", "--no-fuse", "--quiet"},
                {{"-r", "--max-group-size"}, {"-s", "--max-groups"}, {"-o", "--output"}});
}

ScheduleRequest scheduleRequestFromArgs(const Args& args) {
    ScheduleRequest request;
    request.scheduler = args.valueOr("--scheduler", "ios");
    if (request.scheduler != "ios" && !fastSchedulerFromString(request.scheduler))
        throw UsageError{"option --scheduler expects ios, " + fastSchedulerNamesText() + ", got '" +
                         request.scheduler + "'"};
    SchedulerOptions& options = request.options;
    const std::string strategy = args.valueOr("--strategy", "both");
    const auto strategySet = strategySetFromString(strategy);
    if (!strategySet)
        throw UsageError{"option --strategy expects parallel, merge or both, got '" + strategy + "'"};
    options.strategy = *strategySet;
    options.maxGroupSize = args.intValue("--max-group-size", options.maxGroupSize, 1, 64);
    options.maxGroups = args.intValue("--max-groups", options.maxGroups, 1, 64);
    options.maxPartSize = args.intValue("--max-part-size", options.maxPartSize, 1, 64);
    options.maxStreams = args.intValue("--max-streams", options.maxStreams, 1, 1024);
    options.run = runConfigFromArgs(args);
    // Anytime search: a default budget, so a wide graph never searches for hours; 0 = none.
    if (const auto t = args.value("--time-limit")) {
        char* end = nullptr;
        const double seconds = std::strtod(t->c_str(), &end);
        if (end == t->c_str() || *end || !(seconds >= 0) || seconds > 1e7)
            throw UsageError{"option --time-limit expects seconds (0 for none), got '" + *t + "'"};
        options.timeLimitSeconds = seconds;
    } else {
        options.timeLimitSeconds = 60;
    }
    return request;
}

int runSchedule(const ArgVector& argv) {
    const auto commandStart = std::chrono::steady_clock::now(); // --time-limit counts the whole command
    const Args args = scheduleArgs(argv);
    args.expectPositionals(1, "schedule MODEL [options]");
    ScheduleRequest request = scheduleRequestFromArgs(args);
    const std::string& scheduler = request.scheduler;
    SchedulerOptions& options = request.options;
    const bool quiet = args.flag("--quiet");

    const Graph g = loadModelFromArgs(args);
    // Live profiling runs in the layout the network measures fastest in, unless told one.
    const std::string costSpec = args.valueOr("--cost", "sim");
    GpuContext gpu(gpuOptionsFromEnvironment()); // this command's GPU state: the layout probe, the profiler,
                                                 // the whole-run checks
    if (costSpec == "gpu" || costSpec == "gpu:stages") {
        ExecutionOptions probe;
        probe.mode = costSpec == "gpu" ? ExecMode::Graph : ExecMode::Stages;
        probe.run = options.run;
        chooseLayoutIfAsked(gpu, g, args, true, probe);
        options.run.layout = probe.run.layout;
    }
    const auto cost = costModelFromArgs(args, options.run, gpu);
    // Several GPUs of one host, simulated: cmd_schedule_devices.cpp (docs/multi_gpu.md).
    if (args.value("--devices") || args.value("--link")) return scheduleOnDevices(args, g, *cost, options);

    // Know the cost before paying it: the DP's states, counted in well under a second.
    if (scheduler == "ios") {
        const SearchSizeEstimate size = estimateSearchSize(g, options, 200'000);
        if ((!quiet && isatty(STDERR_FILENO) == 1) || size.capped)
            std::cerr << "ioscope-cli: search size: " << size.summary()
                      << (options.timeLimitSeconds > 0
                              ? "; time limit " + std::to_string(int(options.timeLimitSeconds)) +
                                    " s (--time-limit)"
                              : std::string("; no time limit"))
                      << "\n";
    }
    // The pipeline every front end shares (pipeline/schedule_pipeline.h): search, whole-run
    // judgement with live profiling, baselines.
    ProgressLine line(quiet);
    PipelineHooks hooks;
    hooks.progress = line.callback();
    hooks.budgetStart = commandStart;
    const ScheduleOutcome outcome = runSchedulePipeline(g, *cost, request, hooks);
    line.finish();
    const ScheduleDocument doc = scheduleDocumentFor(g, *cost, request, outcome);
    const SearchStats& stats = outcome.chosen.stats;
    const std::string& origin = outcome.origin;
    const std::string measuredNote = outcome.measured ? outcome.measured->note : std::string();
    if (scheduler == "ios") {
        if (!stats.complete)
            std::cerr << "ioscope-cli: note: " << timeLimitNote(stats, options.timeLimitSeconds) << "\n";
        if (line.enabled())
            std::fprintf(stderr,
                         "ioscope-cli: searched in %.2f s: %.4f ms (%s), lower bound %.4f ms, gap %.1f%%%s\n",
                         stats.seconds, outcome.chosen.latencyMs, origin.c_str(), stats.lowerBoundMs,
                         100 * gapToBound(outcome.chosen.latencyMs, stats.lowerBoundMs),
                         stats.complete ? "" : " (stopped at the time limit)");
    }
    const double schedulerSeconds = stats.seconds;
    const double lowerBoundMs = outcome.lowerBoundMs;
    const double sequentialMs = outcome.sequential->latencyMs;
    const double wavefrontMs = outcome.wavefront->latencyMs;
    if (const auto out = args.value("--output")) saveScheduleFile(g, doc, *out);

    if (args.flag("--json")) {
        nlohmann::json j;
        j["model"] = g.name();
        j["scheduler"] = scheduler;
        j["origin"] = origin;
        j["r"] = options.maxGroupSize;
        j["s"] = options.maxGroups;
        j["strategy"] = doc.strategy;
        j["cost_model"] = doc.costModel;
        j["device"] = doc.device;
        j["batch"] = options.run.batch;
        j["precision"] = std::string(toString(options.run.precision));
        j["latency_ms"] = *doc.latencyMs;
        j["sequential_ms"] = sequentialMs;
        j["wavefront_ms"] = wavefrontMs;
        j["lower_bound_ms"] = lowerBoundMs;
        j["gap"] = gapToBound(*doc.latencyMs, lowerBoundMs);
        j["scheduler_seconds"] = schedulerSeconds;
        j["stages"] = stagesJson(g, doc.schedule);
        if (doc.measured) {
            j["measured_ms"] = *doc.measured->medianMs;
            j["measured_note"] = measuredNote;
            if (outcome.measured) {
                j["measured_kept"] = outcome.measured->kept;
                nlohmann::json cs = nlohmann::json::array();
                for (const MeasuredCandidate& c : outcome.measured->candidates) {
                    nlohmann::json one = {{"name", c.name}, {"ms", c.ms}};
                    if (!c.sameAs.empty()) one["same_as"] = c.sameAs;
                    cs.push_back(one);
                }
                j["measured_candidates"] = cs;
            }
        }
        if (doc.search)
            j["search"] = {{"states", doc.search->states},
                           {"transitions", doc.search->transitions},
                           {"stages_measured", doc.search->stagesCosted},
                           {"seconds", doc.search->seconds},
                           {"complete", doc.search->complete},
                           {"time_limit_s", doc.search->timeLimitSeconds},
                           {"search_limit_s", outcome.searchLimitSeconds},
                           {"lower_bound_ms", lowerBoundMs},
                           {"gap", gapToBound(*doc.latencyMs, lowerBoundMs)}};
        std::cout << json::dump(j, 2) << "\n";
        return 0;
    }
    std::printf("model       %s (%zu ops)\n", printable(g.name()).c_str(), g.units().size());
    std::printf("scheduler   %s", scheduler.c_str());
    if (scheduler == "ios")
        std::printf(" (r=%d, s=%d, strategy %s)%s", options.maxGroupSize, options.maxGroups,
                    doc.strategy.c_str(), keptNote(origin, !measuredNote.empty()).c_str());
    std::printf("\ncost model  %s, %s, batch %d, %s\n", doc.costModel.c_str(), doc.device.c_str(),
                options.run.batch, std::string(toString(options.run.precision)).c_str());
    std::printf("stages      %zu\n", doc.schedule.stages.size());
    std::printf("latency     %.4f ms (sequential %.4f ms, %.3fx; wavefront %.4f ms, %.3fx)\n", *doc.latencyMs,
                sequentialMs, sequentialMs / *doc.latencyMs, wavefrontMs, wavefrontMs / *doc.latencyMs);
    std::printf("bound       %.4f ms lower bound (critical path, work); gap %.2f%%; scheduled in %.3f s\n",
                lowerBoundMs, 100 * gapToBound(*doc.latencyMs, lowerBoundMs), schedulerSeconds);
    if (doc.search)
        std::printf("search      %lld states, %lld transitions, %lld stages costed, %.3f s%s\n",
                    doc.search->states, doc.search->transitions, doc.search->stagesCosted,
                    doc.search->seconds,
                    doc.search->complete ? "" : " (stopped at the time limit: not exact)");
    for (size_t i = 0; i < doc.schedule.stages.size(); ++i) {
        const Stage& st = doc.schedule.stages[i];
        std::printf("%4zu %-10s", i, std::string(toString(st.strategy)).c_str());
        for (size_t gi = 0; gi < st.groups.size(); ++gi) {
            std::printf("%s", gi ? " |" : "");
            for (OpId id : st.groups[gi]) std::printf(" %s", printable(g.op(id).name).c_str());
        }
        std::printf("\n");
    }
    if (!measuredNote.empty()) std::printf("measured    %s\n", measuredNote.c_str());
    if (const auto out = args.value("--output")) std::printf("wrote %s\n", out->c_str());
    return 0;
}

} // namespace ioscope::cli
