// ioscope-cli trace MODEL SCHEDULE.json -o TRACE.json [--cost SPEC] [--batch N] [--precision P]:
// the schedule's predicted timeline as a Chrome trace (open it in Perfetto). With --measured the
// schedule also runs on the GPU (--mode, default graph) and its CUPTI kernel timeline is added.
#include "cli_args.h"
#include "commands.h"
#include "gpu/gpu_execution.h"
#include "input_shape.h"
#include "models/model_registry.h"
#include "pipeline/chrome_trace.h"
#include "schedule_cli_support.h"

#include <cstdio>

namespace ioscope::cli {

int runTrace(const ArgVector& argv) {
    const Args args(argv, {"--output", "--cost", "--batch", "--precision", "--layout", "--input", "--mode"},
                    {"--measured", "--no-fuse"}, {{"-o", "--output"}});
    args.expectPositionals(2, "trace MODEL SCHEDULE.json -o TRACE.json");
    const auto out = args.value("--output");
    if (!out) throw UsageError{"trace needs -o TRACE.json"};
    const Graph g = loadModelFromArgs(args);
    const std::string schedulePath = args.positional(1, "SCHEDULE.json");
    const ScheduleDocument doc = loadScheduleFile(g, schedulePath);
    const RunConfig run = scheduleRunConfig(args, doc, schedulePath);
    GpuContext gpu(gpuOptionsFromEnvironment()); // this command's GPU state (--cost gpu, --measured)
    const auto cost = costModelFromArgs(args, run, gpu, defaultCostSpecFor(doc));
    const PredictedTimeline timeline = predictTimeline(g, doc.schedule, *cost, run);
    TraceSources sources;
    sources.predictedLabel = "predicted: " + cost->name() + " (" + cost->device() + ")";
    ExecutionResult measured;
    if (args.flag("--measured")) {
        ExecutionOptions exec;
        exec.mode = execModeFromArgs(args);
        exec.run = run;
        measured = executeOnGpu(gpu, g, doc.schedule, exec);
        sources.measured = &measured.kernels;
        sources.measuredLabel =
            "measured kernels: " + measured.device + " (" + std::string(toString(exec.mode)) + " mode)";
    }
    saveChromeTrace(*out, chromeTraceJson(g, doc.schedule, timeline, sources));
    std::printf("wrote %s (%zu stages, %.4f ms predicted)\n", out->c_str(), doc.schedule.stages.size(),
                timeline.totalMs);
    return 0;
}

} // namespace ioscope::cli
