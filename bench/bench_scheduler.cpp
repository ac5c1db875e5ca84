// bench_scheduler [OUT.json] [--device H100] [-r N] [-s N] [--only NETWORK] [--budget SECONDS]
// [--strategy parallel|merge|both] [--precise] [--cached]:
// the IOS dynamic program on the four bundled networks under the simulated GPU: search size, search time on
// this machine, and the predicted latency of sequential, wavefront and IOS schedules with their ratios.
// --cached searches each network a second time on the same cost model, whose stage cache then holds every
// stage the first search simulated, and prints that search's time too: the DP on cached costs.
// --precise also prints every latency with 17 significant digits and the IOS schedule stage by stage, so
// two builds can be checked for bit-identical results with diff.
#include "cost/cost_factory.h"
#include "models/model_registry.h"
#include "pipeline/schedule_pipeline.h"
#include "sched/scheduler.h"
#include "util/atomic_file.h"
#include "util/errors.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

using namespace ioscope;

namespace {

double cpuSeconds() {
    return double(std::clock()) / CLOCKS_PER_SEC;
}

} // namespace

int main(int argc, char** argv) {
    std::string out, device = "H100", only;
    double budgetSeconds = 600;
    bool precise = false, cached = false;
    SchedulerOptions options; // r = 3, s = 8, both, parts of 50, 10 streams
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--device" && i + 1 < argc)
            device = argv[++i];
        else if (a == "--only" && i + 1 < argc)
            only = argv[++i];
        else if (a == "--budget" && i + 1 < argc)
            budgetSeconds = std::stod(argv[++i]);
        else if (a == "--strategy" && i + 1 < argc)
            options.strategy = strategySetFromString(argv[++i]).value_or(StrategySet::Both);
        else if (a == "--precise")
            precise = true;
        else if (a == "--cached")
            cached = true;
        else if (a == "-r" && i + 1 < argc)
            options.maxGroupSize = std::stoi(argv[++i]);
        else if (a == "-s" && i + 1 < argc)
            options.maxGroups = std::stoi(argv[++i]);
        else
            out = a;
    }
    try {
        const std::string spec = "sim:" + device;
        nlohmann::json rows = nlohmann::json::array();
        std::printf("IOS DP, r=%d s=%d strategy=%s, cost %s, batch %d\n\n", options.maxGroupSize,
                    options.maxGroups, std::string(toString(options.strategy)).c_str(), spec.c_str(),
                    options.run.batch);
        std::setvbuf(stdout, nullptr, _IOLBF, 0);
        std::printf("%-13s %5s %9s %12s %9s %9s %10s %10s %10s %8s %8s%s\n", "network", "ops", "states",
                    "transitions", "stages", "search_s", "seq_ms", "wave_ms", "ios_ms", "seq/ios", "wave/ios",
                    cached ? "  cached_s" : "");
        double totalSeconds = 0, totalCpu = 0, totalCached = 0;
        for (const std::string& name : bundledModelNames()) {
            if (!only.empty() && name != only) continue;
            const Graph g = *buildBundledModel(name);
            // A fresh model per network: its latency cache must not carry stages across searches.
            const auto cost = makeCostModel(spec, options.run);
            const double cpu0 = cpuSeconds();
            std::atomic<bool> cancel{false};
            Progress last;
            std::mutex m;
            std::condition_variable cv;
            bool finished = false;
            std::thread watchdog([&] {
                std::unique_lock lock(m);
                if (!cv.wait_for(lock, std::chrono::duration<double>(budgetSeconds),
                                 [&] { return finished; }))
                    cancel = true;
            });
            // The front ends' pipeline (pipeline/schedule_pipeline.h): search and baselines.
            std::optional<ScheduleOutcome> found;
            try {
                ScheduleRequest request;
                request.options = options;
                PipelineHooks hooks;
                hooks.progress = [&](const Progress& p) {
                    if (p.fraction < 1) last = p;
                };
                hooks.cancel = &cancel;
                found = runSchedulePipeline(g, *cost, request, hooks);
            } catch (const Cancelled&) {
            }
            {
                std::lock_guard lock(m);
                finished = true;
            }
            cv.notify_one();
            watchdog.join();
            const double cpu = cpuSeconds() - cpu0;
            if (!found) {
                std::printf(
                    "%-13s %5zu %9lld %12lld %9lld  cancelled after %.0f s at %.0f%% of the ops (budget)\n",
                    name.c_str(), g.units().size(), last.states, last.transitions, last.stagesCosted,
                    budgetSeconds, 100 * last.fraction);
                rows.push_back({{"network", name},
                                {"ops", g.units().size()},
                                {"cancelled_after_seconds", budgetSeconds},
                                {"search_cpu_seconds", cpu},
                                {"fraction_done", last.fraction},
                                {"states", last.states},
                                {"transitions", last.transitions},
                                {"stages_costed", last.stagesCosted}});
                continue;
            }
            const CostedSchedule& ios = found->chosen;
            const double seq = found->sequential->latencyMs;
            const double wave = found->wavefront->latencyMs;
            totalSeconds += ios.stats.seconds;
            totalCpu += cpu;
            double cachedSeconds = 0;
            if (cached) {
                // The same search again: every stage's latency is now in the model's stage cache.
                ScheduleRequest request;
                request.options = options;
                const ScheduleOutcome again = runSchedulePipeline(g, *cost, request);
                if (again.chosen.latencyMs != ios.latencyMs)
                    throw RuntimeFailure("the search on cached costs found another latency");
                cachedSeconds = again.chosen.stats.seconds;
                totalCached += cachedSeconds;
            }
            char cachedColumn[32] = "";
            if (cached) std::snprintf(cachedColumn, sizeof cachedColumn, " %9.3f", cachedSeconds);
            std::printf("%-13s %5zu %9lld %12lld %9lld %9.3f %10.3f %10.3f %10.3f %8.3f %8.3f%s%s\n",
                        name.c_str(), g.units().size(), ios.stats.states, ios.stats.transitions,
                        ios.stats.stagesCosted, ios.stats.seconds, seq, wave, ios.latencyMs,
                        seq / ios.latencyMs, wave / ios.latencyMs, cachedColumn,
                        found->origin == "ios" ? "" : "  (wavefront kept)");
            std::fflush(stdout);
            if (precise) {
                std::printf("precise %s seq_ms=%.17g wave_ms=%.17g ios_ms=%.17g origin=%s\n", name.c_str(),
                            seq, wave, ios.latencyMs, found->origin.c_str());
                for (size_t k = 0; k < ios.schedule.stages.size(); ++k) {
                    const Stage& st = ios.schedule.stages[k];
                    std::printf("precise %s stage %zu %s", name.c_str(), k,
                                std::string(toString(st.strategy)).c_str());
                    for (const auto& group : st.groups) {
                        std::printf(" [");
                        for (size_t j = 0; j < group.size(); ++j) std::printf(j ? " %d" : "%d", group[j]);
                        std::printf("]");
                    }
                    std::printf(" ms=%.17g\n", predictLatencyMs(g, Schedule{{st}}, *cost, options.run));
                }
            }
            rows.push_back({{"network", name},
                            {"ops", g.units().size()},
                            {"states", ios.stats.states},
                            {"transitions", ios.stats.transitions},
                            {"stages_costed", ios.stats.stagesCosted},
                            {"search_seconds", ios.stats.seconds},
                            {"search_cpu_seconds", cpu},
                            {"search_cached_seconds", cachedSeconds},
                            {"ios_stages", ios.schedule.stages.size()},
                            {"origin", found->origin},
                            {"sequential_ms", seq},
                            {"wavefront_ms", wave},
                            {"ios_ms", ios.latencyMs},
                            {"sequential_over_ios", seq / ios.latencyMs},
                            {"wavefront_over_ios", wave / ios.latencyMs}});
        }
        std::printf("\ntotal search: %.3f s wall, %.3f s CPU\n", totalSeconds, totalCpu);
        if (cached) std::printf("total search on cached costs: %.3f s wall\n", totalCached);
        if (!out.empty()) {
            nlohmann::json j = {{"benchmark", "scheduler"},
                                {"cost_model", spec},
                                {"r", options.maxGroupSize},
                                {"s", options.maxGroups},
                                {"strategy", std::string(toString(options.strategy))},
                                {"max_part_size", options.maxPartSize},
                                {"max_streams", options.maxStreams},
                                {"batch", options.run.batch},
                                {"total_search_seconds", totalSeconds},
                                {"total_search_cpu_seconds", totalCpu},
                                {"total_search_cached_seconds", totalCached},
                                {"networks", rows}};
            writeFileAtomically(out, j.dump(2) + "\n");
            std::printf("wrote %s\n", out.c_str());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_scheduler: %s\n", e.what());
        return 1;
    }
    return 0;
}
