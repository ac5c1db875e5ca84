// ioscope-cli evaluate MODEL SCHEDULE.json [--cost SPEC] [--batch N] [--precision P] [--json]:
// the predicted latency of a saved schedule, stage by stage, against the baselines.
#include "cli_args.h"
#include "commands.h"
#include "input_shape.h"
#include "io/json_reader.h"
#include "models/model_registry.h"
#include "sched/multi_device_timeline.h"
#include "sched/scheduler.h"
#include "schedule_cli_support.h"
#include "util/printable.h"

#include <cstdio>
#include <iostream>
#include <numeric>
#include <optional>

namespace ioscope::cli {

int runEvaluate(const ArgVector& argv) {
    const Args args(argv,
                    {"--cost", "--batch", "--precision", "--layout", "--max-streams", "--input", "--link"},
                    {"--json", "--no-fuse"});
    args.expectPositionals(2, "evaluate MODEL SCHEDULE.json [--cost SPEC] [--json]");
    const Graph g = loadModelFromArgs(args);
    const std::string file = args.positional(1, "SCHEDULE.json");
    const ScheduleDocument doc = loadScheduleFile(g, file);
    const RunConfig run = scheduleRunConfig(args, doc, file);
    GpuContext gpu(gpuOptionsFromEnvironment()); // this command's GPU state (--cost gpu)
    const auto cost = costModelFromArgs(args, run, gpu, defaultCostSpecFor(doc));
    const int maxStreams = args.intValue("--max-streams", doc.maxStreams, 1, 1024);

    const std::vector<double> stageMs = stageLatenciesMs(g, doc.schedule.stages, *cost, run);
    double total = std::accumulate(stageMs.begin(), stageMs.end(), 0.0);
    // A schedule over several GPUs: its devices run side by side (docs/multi_gpu.md).
    std::optional<MultiDeviceTimeline> devices;
    const TransferModel link = transferModelFromString(args.valueOr("--link", "nvlink"));
    for (const Stage& st : doc.schedule.stages)
        if (!devices && !st.devices.empty()) devices = predictMultiDevice(g, doc.schedule, *cost, link, run);
    if (devices) total = devices->latencyMs;
    const double sequentialMs = predictLatencyMs(g, sequentialSchedule(g), *cost, run);
    const double wavefrontMs = predictLatencyMs(g, wavefrontSchedule(g, maxStreams), *cost, run);

    if (args.flag("--json")) {
        nlohmann::json j;
        j["model"] = g.name();
        j["schedule"] = file;
        j["scheduler"] = doc.scheduler;
        j["cost_model"] = cost->name();
        j["device"] = cost->device();
        j["batch"] = run.batch;
        j["precision"] = std::string(toString(run.precision));
        j["latency_ms"] = total;
        if (devices)
            j["devices"] = {{"count", devices->devices},
                            {"link", link.describe()},
                            {"transfers", devices->transfers.size()},
                            {"transfer_ms", devices->transferMs()}};
        j["sequential_ms"] = sequentialMs;
        j["wavefront_ms"] = wavefrontMs;
        j["speedup_vs_sequential"] = sequentialMs / total;
        j["speedup_vs_wavefront"] = wavefrontMs / total;
        j["stages"] = stagesJson(g, doc.schedule, &stageMs);
        if (doc.measured) {
            nlohmann::json m = nlohmann::json::object();
            if (doc.measured->medianMs) m["median_ms"] = *doc.measured->medianMs;
            if (doc.measured->p10Ms) m["p10_ms"] = *doc.measured->p10Ms;
            if (doc.measured->p90Ms) m["p90_ms"] = *doc.measured->p90Ms;
            if (doc.measured->mode) m["mode"] = *doc.measured->mode;
            if (doc.measured->device) m["device"] = *doc.measured->device;
            j["measured"] = m;
        }
        std::cout << json::dump(j, 2) << "\n";
        return 0;
    }
    std::printf("model       %s, schedule %s (%s, %zu stages)\n", printable(g.name()).c_str(),
                printable(file).c_str(), printable(doc.scheduler).c_str(), doc.schedule.stages.size());
    std::printf("cost model  %s, %s, batch %d, %s\n", cost->name().c_str(), cost->device().c_str(), run.batch,
                std::string(toString(run.precision)).c_str());
    std::printf("latency     %.4f ms (sequential %.4f ms, %.3fx; wavefront %.4f ms, %.3fx)\n", total,
                sequentialMs, sequentialMs / total, wavefrontMs, wavefrontMs / total);
    if (devices)
        std::printf(
            "devices     %d, simulated (link %s): %zu copies, %.4f ms; the stage times below are each "
            "stage's alone\n",
            devices->devices, link.describe().c_str(), devices->transfers.size(), devices->transferMs());
    if (doc.measured && doc.measured->medianMs)
        std::printf("measured    %.4f ms median%s%s\n", *doc.measured->medianMs,
                    doc.measured->device ? " on " : "", doc.measured->device.value_or("").c_str());
    for (size_t i = 0; i < doc.schedule.stages.size(); ++i) {
        const Stage& st = doc.schedule.stages[i];
        std::printf("%4zu %-10s %9.4f ms ", i, std::string(toString(st.strategy)).c_str(), stageMs[i]);
        for (size_t gi = 0; gi < st.groups.size(); ++gi) {
            std::printf("%s", gi ? " |" : "");
            for (OpId id : st.groups[gi]) std::printf(" %s", printable(g.op(id).name).c_str());
        }
        std::printf("\n");
    }
    return 0;
}

} // namespace ioscope::cli
