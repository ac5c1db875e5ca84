// ioscope-cli profile MODEL [--batch N] [--precision fp32|tf32|fp16|bf16] [--mode graph|stages] [-r N] [-s N]
//             [--strategy parallel|merge|both] -o PROFILES.json
// Runs the IOS search with live GPU profiling and writes every stage it measured to a profile
// database (merged into PROFILES.json when it exists), which `--cost cache:FILE` replays offline.
#include "cli_args.h"
#include "commands.h"
#include "cost/profile_cache.h"
#include "gpu/gpu_execution.h"
#include "input_shape.h"
#include "models/model_registry.h"
#include "pipeline/schedule_pipeline.h"
#include "sched/scheduler.h"
#include "schedule_cli_support.h"
#include "util/errors.h"

#include <cstdio>
#include <filesystem>

namespace ioscope::cli {

int runProfile(const ArgVector& argv) {
    const Args args(argv,
                    {"--batch", "--precision", "--layout", "--mode", "--max-group-size", "--max-groups",
                     "--strategy", "--output", "--input"},
                    {"--verify", "--no-fuse"},
                    {{"-o", "--output"}, {"-r", "--max-group-size"}, {"-s", "--max-groups"}});
    args.expectPositionals(1, "profile MODEL [--batch N] [--precision fp32|tf32|fp16|bf16] -o PROFILES.json");
    const auto output = args.value("--output");
    if (!output) throw UsageError{"profile needs -o PROFILES.json"};
    const Graph g = loadModelFromArgs(args);

    SchedulerOptions options;
    options.run = runConfigFromArgs(args, RunConfig{});
    options.maxGroupSize = args.intValue("--max-group-size", 3, 1, 64);
    options.maxGroups = args.intValue("--max-groups", 8, 1, 64);
    const std::string strategy = args.valueOr("--strategy", "both");
    const auto st = strategySetFromString(strategy);
    if (!st) throw UsageError{"--strategy must be parallel, merge or both, not '" + strategy + "'"};
    options.strategy = *st;
    const std::string mode = args.valueOr("--mode", "graph");
    if (mode != "graph" && mode != "stages")
        throw UsageError{"--mode must be stages or graph, not '" + mode + "'"};

    GpuContext gpu(
        gpuOptionsFromEnvironment()); // this command's GPU state, shared by the profiler and --verify
    auto record = std::make_shared<ProfileCache>();
    auto cost = makeGpuCostModel(gpu, mode == "graph" ? ExecMode::Graph : ExecMode::Stages, record);
    const ScheduleResult result = iosSchedule(g, *cost, options);

    ProfileCache database;
    if (std::filesystem::exists(*output)) database = ProfileCache::load(*output);
    database.merge(*record);
    database.save(*output);
    std::printf("device      %s\n", cost->device().c_str());
    std::printf("search      %.2f s, %lld stages measured, predicted %.4f ms (%zu stages)\n",
                result.stats.seconds, result.stats.stagesCosted, result.latencyMs,
                result.schedule.stages.size());
    std::printf("profiles    %zu measurements written to %s (%zu in the file)\n", record->size(),
                output->c_str(), database.size());
    if (args.flag("--verify")) {
        const WholeRunTimer timer =
            gpuWholeRunTimer(gpu, mode == "graph" ? ExecMode::Graph : ExecMode::Stages, options.run);
        const MeasuredChoice choice =
            chooseFastestWhole(g, result.schedule, wholeRunRivals(g, *cost, options), timer);
        std::printf("verify      %s\n", choice.note.c_str());
    }
    return 0;
}

} // namespace ioscope::cli
