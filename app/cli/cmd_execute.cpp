// ioscope-cli execute MODEL SCHEDULE.json [--mode stages|graph] [--precision fp32|tf32] [--runs N]
//             [--warmup N] [--batch N] [--no-utilization] [--json]
// Runs a schedule on the GPU: latency (median, p10, p90), utilization and the CUPTI kernel timeline.
#include "cli_args.h"
#include "commands.h"
#include "exec/gpu_execution.h"
#include "io/json_reader.h"
#include "models/model_registry.h"
#include "util/atomic_file.h"
#include "util/errors.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ioscope::cli {
namespace {

// Reads the stages of a schedule JSON file (DESIGN.md §6: `stages`, each `{strategy, groups}`
// with groups as lists of op names; the object may also sit under a "schedule" key).
Schedule readScheduleFile(const std::string& path, const Graph& g) {
    const json::Json j = json::parse(readFile(path, size_t(256) << 20), path);
    const json::Reader r(path);
    r.object(j, "");
    const json::Json* root = &j;
    if (!j.contains("stages") && j.contains("schedule")) root = &r.object(j["schedule"], "schedule");
    const json::Json& stages = r.array(r.member(*root, "stages", ""), "stages");
    Schedule s;
    for (size_t i = 0; i < stages.size(); ++i) {
        const std::string path_i = "stages[" + std::to_string(i) + "]";
        const json::Json& st = r.object(stages[i], path_i);
        Stage stage;
        if (const json::Json* strategy = r.optional(st, "strategy", path_i)) {
            const std::string name = r.string(*strategy, path_i + ".strategy");
            const auto parsed = strategyFromString(name);
            if (!parsed) r.fail(path_i + ".strategy", "expected concurrent or merge, got \"" + name + "\"");
            stage.strategy = *parsed;
        }
        const json::Json& groups = r.array(r.member(st, "groups", path_i), path_i + ".groups");
        for (size_t k = 0; k < groups.size(); ++k) {
            const std::string path_k = path_i + ".groups[" + std::to_string(k) + "]";
            std::vector<OpId> group;
            const json::Json& ops = r.array(groups[k], path_k);
            for (size_t m = 0; m < ops.size(); ++m) {
                const std::string name = r.string(ops[m], path_k + "[" + std::to_string(m) + "]");
                const OpId id = g.find(name);
                if (id < 0)
                    r.fail(path_k + "[" + std::to_string(m) + "]", "no op named '" + name + "' in the model");
                group.push_back(id);
            }
            stage.groups.push_back(std::move(group));
        }
        s.stages.push_back(std::move(stage));
    }
    validateSchedule(g, s, path);
    return s;
}

} // namespace

int runExecute(const ArgVector& argv) {
    const Args args(argv, {"--mode", "--precision", "--runs", "--warmup", "--batch", "--input"},
                    {"--json", "--no-utilization"});
    args.expectPositionals(
        2, "execute MODEL SCHEDULE.json [--mode stages|graph] [--precision fp32|tf32] [--runs N]");
    const Graph g = loadModel(args.positional(0, "MODEL"));
    const std::string schedulePath = args.positional(1, "SCHEDULE.json");
    const Schedule s = readScheduleFile(schedulePath, g);

    ExecutionOptions options;
    const std::string mode = args.valueOr("--mode", "graph");
    if (mode != "graph" && mode != "stages")
        throw UsageError{"--mode must be stages or graph, not '" + mode + "'"};
    options.mode = mode == "graph" ? ExecMode::Graph : ExecMode::Stages;
    const std::string precision = args.valueOr("--precision", "fp32");
    const auto p = precisionFromString(precision);
    if (!p) throw UsageError{"--precision must be fp32 or tf32, not '" + precision + "'"};
    options.run.precision = *p;
    options.run.batch = args.intValue("--batch", 1, 1, 1 << 20);
    options.runs = args.intValue("--runs", 100, 1, 1000000);
    options.warmup = args.intValue("--warmup", 20, 0, 1000000);
    options.utilization = !args.flag("--no-utilization");

    const ExecutionResult r = executeOnGpu(g, s, options);
    if (args.flag("--json")) {
        nlohmann::json j;
        j["model"] = g.name();
        j["schedule"] = schedulePath;
        j["device"] = r.device;
        j["versions"] = r.versions;
        j["mode"] = mode;
        j["precision"] = std::string(toString(options.run.precision));
        j["batch"] = options.run.batch;
        j["runs"] = options.runs;
        j["stages"] = s.stages.size();
        j["streams"] = r.streams;
        j["latency_ms"] = r.medianMs;
        j["median_ms"] = r.medianMs;
        j["p10_ms"] = r.p10Ms;
        j["p90_ms"] = r.p90Ms;
        j["samples_ms"] = r.samplesMs;
        j["busy_fraction"] = r.busyFraction;
        j["mean_concurrency"] = r.meanConcurrency;
        j["stage_ms"] = r.stageMs;
        nlohmann::json kernels = nlohmann::json::array();
        for (const KernelRecord& k : r.kernels)
            kernels.push_back({{"name", k.name},
                               {"start_ms", k.startMs},
                               {"end_ms", k.endMs},
                               {"stream", k.stream},
                               {"stage", k.stage}});
        j["kernels"] = std::move(kernels);
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::printf("device       %s (%s)\n", r.device.c_str(), r.versions.c_str());
    std::printf("schedule     %zu stages, %d streams, %s mode, %s, batch %d\n", s.stages.size(), r.streams,
                mode.c_str(), precision.c_str(), options.run.batch);
    std::printf("latency      median %.4f ms  (p10 %.4f, p90 %.4f; %d runs)\n", r.medianMs, r.p10Ms, r.p90Ms,
                options.runs);
    if (options.utilization)
        std::printf("utilization  busy %.1f%%, mean concurrency %.2f, %zu kernels\n", 100 * r.busyFraction,
                    r.meanConcurrency, r.kernels.size());
    return 0;
}

} // namespace ioscope::cli
