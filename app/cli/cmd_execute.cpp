// ioscope-cli execute MODEL SCHEDULE.json [--mode stages|graph] [--precision fp32|tf32|fp16|bf16] [--layout
// nhwc|nchw] [--runs N]
//             [--warmup N] [--batch N] [--no-utilization] [--json]
// Runs a schedule file (Schedule JSON v1, checked against MODEL) on the GPU: latency (median, p10, p90),
// utilization and the CUPTI kernel timeline.
#include "cli_args.h"
#include "commands.h"
#include "exec/kernel_classes.h"
#include "gpu/gpu_execution.h"
#include "input_shape.h"
#include "io/json_reader.h"
#include "models/model_registry.h"
#include "schedule_cli_support.h"
#include "util/errors.h"
#include "util/printable.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ioscope::cli {
int runExecute(const ArgVector& argv) {
    const Args args(argv, {"--mode", "--precision", "--layout", "--runs", "--warmup", "--batch", "--input"},
                    {"--json", "--no-utilization", "--no-fuse"});
    args.expectPositionals(2, "execute MODEL SCHEDULE.json [--mode stages|graph] [--precision "
                              "fp32|tf32|fp16|bf16] [--layout nhwc|nchw|auto] [--runs N]");
    const Graph g = loadModelFromArgs(args);
    const std::string schedulePath = args.positional(1, "SCHEDULE.json");
    const ScheduleDocument doc = loadScheduleFile(g, schedulePath);
    const Schedule& s = doc.schedule;

    ExecutionOptions options;
    options.mode = execModeFromArgs(args);
    const std::string mode(toString(options.mode));
    // As the schedule was made (batch, precision, layout) unless told otherwise.
    options.run = scheduleRunConfig(args, doc, schedulePath);
    GpuContext gpu(gpuOptionsFromEnvironment()); // this command's GPU state
    chooseLayoutIfAsked(gpu, g, args, false, options);
    const std::string precision(toString(options.run.precision));
    options.runs = args.intValue("--runs", 100, 1, 1000000);
    options.warmup = args.intValue("--warmup", 20, 0, 1000000);
    options.utilization = !args.flag("--no-utilization");

    const ExecutionResult r = executeOnGpu(gpu, g, s, options);
    if (args.flag("--json")) {
        nlohmann::json j;
        j["model"] = g.name();
        j["schedule"] = schedulePath;
        j["device"] = r.device;
        j["versions"] = r.versions;
        j["mode"] = mode;
        j["precision"] = std::string(toString(options.run.precision));
        j["batch"] = options.run.batch;
        j["layout"] = std::string(toString(options.run.layout));
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
                               {"stage", k.stage},
                               {"op", k.op >= 0 && k.op < g.size() ? nlohmann::json(g.op(k.op).name)
                                                                   : nlohmann::json(nullptr)}});
        j["kernels"] = std::move(kernels);
        j["kernel_classes"] = kernelClassesJson(r.kernels);
        nlohmann::json byOp = nlohmann::json::array();
        for (const OpKernelTime& t : kernelTimeByOp(r.kernels))
            byOp.push_back({{"op", g.op(t.op).name}, {"ms", t.ms}, {"kernels", t.kernels}});
        j["op_kernel_time"] = std::move(byOp);
        std::cout << json::dump(j, 2) << "\n";
        return 0;
    }
    std::printf("device       %s (%s)\n", r.device.c_str(), r.versions.c_str());
    std::printf("schedule     %zu stages, %d streams, %s mode, %s, %s, batch %d\n", s.stages.size(),
                r.streams, mode.c_str(), precision.c_str(), std::string(toString(options.run.layout)).c_str(),
                options.run.batch);
    std::printf("latency      median %.4f ms  (p10 %.4f, p90 %.4f; %d runs)\n", r.medianMs, r.p10Ms, r.p90Ms,
                options.runs);
    if (options.utilization) {
        std::printf("utilization  busy %.1f%%, mean concurrency %.2f, %zu kernels\n", 100 * r.busyFraction,
                    r.meanConcurrency, r.kernels.size());
        std::printf("kernel time  %s\n", kernelClassesText(r.kernels).c_str());
        const std::vector<OpKernelTime> byOp = kernelTimeByOp(r.kernels);
        for (size_t i = 0; i < byOp.size() && i < 5; ++i)
            std::printf("%s %s %.4f ms (%d kernel%s)\n", i ? "            " : "top ops     ",
                        printable(g.op(byOp[i].op).name).c_str(), byOp[i].ms, byOp[i].kernels,
                        byOp[i].kernels == 1 ? "" : "s");
    }
    return 0;
}

} // namespace ioscope::cli
