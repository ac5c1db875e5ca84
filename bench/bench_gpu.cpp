// GPU benchmark (run on the GPU machine): for each network and precision, the sequential,
// wavefront and IOS schedules (IOS searched with live GPU profiling, graph mode, r=3, s=8, both
// strategies), each executed in stages and graph mode: latency, utilization, search time and
// stages profiled. Writes bench_gpu.json, one profile cache per network and precision, and the
// calibration data (every profiled stage: measured vs simulated) to --out.
//
//   bench_gpu [--models a,b,...] [--precisions tf32,fp32] [--batches 1,16] [--layout nhwc|nchw]
//             [--modes graph,stages] [--runs N] [--out DIR] [--budget SECONDS] [-r N] [-s N]
//             [--search-limit SECONDS (anytime: the best schedule found by then)] [--no-search]
//             [--schedulers nimble,lios,opara,hios (the fast schedulers also run; "none" for none)]
// Each row also carries where kernel time goes (transposes, element-wise, convolutions, other),
// and a summary table is printed last.
#include "cost/cost_factory.h"
#include "cost/profile_cache.h"
#include "cost/sim_device.h"
#include "exec/kernel_classes.h"
#include "gpu/gpu_execution.h"
#include "models/model_registry.h"
#include "sched/fast_schedulers.h"
#include "sched/scheduler.h"
#include "util/atomic_file.h"
#include "util/errors.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

using namespace ioscope;

namespace {

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

constexpr const char* kCalibrationColumns[] = {"measured_ms", "sim_ms", "ops", "groups", "strategy"};

// "inception_v3" for "inception_v3" and ".../inception_v3.onnx".
std::string fileStem(const std::string& spec) {
    std::string stem = spec.substr(spec.find_last_of('/') + 1);
    return stem.substr(0, stem.find('.'));
}

double seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Records the latency stages get from the live model together with the simulated one (a
// sample of at most about kCalibrationRows per search: NasNet profiles a quarter million).
constexpr size_t kCalibrationRows = 20000;

class Calibrating : public CostModel {
  public:
    Calibrating(CostModel& live, CostModel& sim, nlohmann::json& out) : live_(live), sim_(sim), out_(out) {}
    std::string name() const override { return live_.name(); }
    std::string device() const override { return live_.device(); }
    double stageLatencyMs(const Graph& g, const Stage& s, const RunConfig& cfg) override {
        const double ms = live_.stageLatencyMs(g, s, cfg);
        if (out_.size() < kCalibrationRows) add(g, s, cfg, ms);
        return ms;
    }
    bool measuresInBatches() const override { return live_.measuresInBatches(); }
    std::optional<double> knownLatencyMs(const Graph& g, const Stage& s, const RunConfig& cfg) override {
        return live_.knownLatencyMs(g, s, cfg);
    }
    void measureBatch(const Graph& g, const std::vector<Stage>& stages, const RunConfig& cfg,
                      const ProgressCallback& progress, CancelFlag cancel) override {
        live_.measureBatch(g, stages, cfg, progress, cancel);
        const size_t stride = std::max<size_t>(1, stages.size() / kCalibrationRows);
        for (size_t i = 0; i < stages.size(); i += stride)
            if (std::optional<double> ms = live_.knownLatencyMs(g, stages[i], cfg))
                add(g, stages[i], cfg, *ms);
    }

  private:
    void add(const Graph& g, const Stage& s, const RunConfig& cfg, double ms) {
        // Compact rows (see kCalibrationColumns).
        out_.push_back({ms, sim_.stageLatencyMs(g, s, cfg), s.opCount(), s.groups.size(),
                        s.strategy == Strategy::Merge ? "merge" : "concurrent"});
    }
    CostModel& live_;
    CostModel& sim_;
    nlohmann::json& out_;
};

nlohmann::json runRow(GpuContext& gpu, const Graph& g, const Schedule& s, ExecMode mode, const RunConfig& run,
                      int runs) {
    ExecutionOptions o;
    o.mode = mode;
    o.run = run;
    o.runs = runs;
    o.warmup = 20;
    const ExecutionResult r = executeOnGpu(gpu, g, s, o);
    return {{"median_ms", r.medianMs},     {"kernel_classes", kernelClassesJson(r.kernels)},
            {"p10_ms", r.p10Ms},           {"p90_ms", r.p90Ms},
            {"busy", r.busyFraction},      {"concurrency", r.meanConcurrency},
            {"kernels", r.kernels.size()}, {"stages", s.stages.size()},
            {"streams", r.streams}};
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> models = {"inception_v3", "squeezenet", "randwire", "nasnet"};
    std::vector<std::string> precisions = {"tf32", "fp32"};
    std::vector<std::string> batches = {"1"}, modeNames = {"graph"};
    Layout layout = Layout::Nhwc;
    bool search = true;
    std::string outDir = ".";
    int runs = 200;
    double budget = 1e9;
    int maxGroupSize = 3, maxGroups = 8; // the IOS search space (r, s)
    double searchLimit = 1e9;            // seconds; a longer IOS search is cancelled and reported as such
    std::vector<std::string> fastNames = {"nimble", "lios", "opara", "hios"};
    for (int i = 1; i < argc; i += 2) {
        if (!std::strcmp(argv[i], "--no-search")) {
            search = false;
            --i;
            continue;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "bench_gpu: option '%s' needs a value\n", argv[i]);
            return 2;
        }
        if (!std::strcmp(argv[i], "--batches"))
            batches = split(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--modes"))
            modeNames = split(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--layout"))
            layout = layoutFromString(argv[i + 1]).value_or(Layout::Nhwc);
        else if (!std::strcmp(argv[i], "--models"))
            models = split(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--precisions"))
            precisions = split(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--out"))
            outDir = argv[i + 1];
        else if (!std::strcmp(argv[i], "--runs"))
            runs = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--budget"))
            budget = std::atof(argv[i + 1]);
        else if (!std::strcmp(argv[i], "-r"))
            maxGroupSize = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "-s"))
            maxGroups = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--schedulers"))
            fastNames = std::string(argv[i + 1]) == "none" ? std::vector<std::string>{} : split(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--search-limit"))
            searchLimit = std::atof(argv[i + 1]);
        else {
            std::fprintf(stderr, "bench_gpu: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    const auto start = std::chrono::steady_clock::now();
    std::setvbuf(stdout, nullptr, _IOLBF, 0); // rows survive a killed run
    try {
        GpuContext gpu(gpuOptionsFromEnvironment()); // the benchmark's GPU state, shared by every row
        const GpuStatus status = gpu.status();
        if (!status.available) {
            std::fprintf(stderr, "bench_gpu: %s\n", status.reason.c_str());
            return 1;
        }
        std::printf("device: %s (%s)\n", status.device.c_str(), status.versions.c_str());
        nlohmann::json all = {
            {"device", status.device}, {"versions", status.versions}, {"rows", nlohmann::json::array()}};
        nlohmann::json calibration = nlohmann::json::array();
        std::vector<ExecMode> modes;
        for (const std::string& m : modeNames)
            modes.push_back(m == "stages" ? ExecMode::Stages : ExecMode::Graph);
        std::vector<std::string> summary, sideBySide;
        auto summarize = [&](const nlohmann::json& row) {
            auto cell = [&](const char* which) -> std::string {
                if (!row.contains(which) || !row[which].contains("graph")) return "-";
                const auto& r = row[which]["graph"];
                char buf[96];
                std::snprintf(buf, sizeof buf, "%.4f [tr %.0f%% ew %.0f%%]", r["median_ms"].get<double>(),
                              100 * r["kernel_classes"]["transposes"]["share"].get<double>(),
                              100 * r["kernel_classes"]["element-wise"]["share"].get<double>());
                return buf;
            };
            char line[512];
            std::snprintf(line, sizeof line, "%-22s %-5s b%-3d | seq %s | wave %s | ios %s",
                          row["model"].get<std::string>().c_str(),
                          row["precision"].get<std::string>().c_str(), row["batch"].get<int>(),
                          cell("sequential").c_str(), cell("wavefront").c_str(), cell("ios").c_str());
            summary.push_back(line);
            // Side by side: every schedule's graph-mode median, the search time, the best.
            std::string table = "| " + row["model"].get<std::string>() + " | " +
                                row["precision"].get<std::string>() + " | " +
                                std::to_string(row["batch"].get<int>());
            std::string bestName = "-";
            double bestMs = 1e300;
            std::vector<std::string> names = {"sequential", "wavefront"};
            names.insert(names.end(), fastNames.begin(), fastNames.end());
            names.push_back("ios");
            for (const std::string& which : names) {
                if (!row.contains(which) || !row[which].contains("graph")) {
                    table += " | -";
                    continue;
                }
                const double ms = row[which]["graph"]["median_ms"].get<double>();
                char buf[64];
                std::snprintf(buf, sizeof buf, " | %.4f", ms);
                table += buf;
                if (ms < bestMs) {
                    bestMs = ms;
                    bestName = which;
                }
            }
            char tail[96];
            const double searchS = row.contains("ios") && row["ios"].contains("search_s")
                                       ? row["ios"]["search_s"].get<double>()
                                       : 0.0;
            std::snprintf(tail, sizeof tail, " | %.1f | %s |", searchS, bestName.c_str());
            sideBySide.push_back(table + tail);
        };
        for (const std::string& name : models) {
            const Graph g = loadModel(name);
            for (const std::string& bname : batches)
                for (const std::string& pname : precisions) {
                    const Precision p = *precisionFromString(pname);
                    const RunConfig run{std::max(1, std::atoi(bname.c_str())), p, layout};
                    nlohmann::json row = {{"model", name},
                                          {"precision", pname},
                                          {"batch", run.batch},
                                          {"layout", std::string(toString(layout))}};
                    const Schedule seq = sequentialSchedule(g), wave = wavefrontSchedule(g, 10);
                    for (ExecMode mode : modes) {
                        const char* m = mode == ExecMode::Graph ? "graph" : "stages";
                        row["sequential"][m] = runRow(gpu, g, seq, mode, run, runs);
                        row["wavefront"][m] = runRow(gpu, g, wave, mode, run, runs);
                    }
                    // The fast schedulers (docs/schedulers.md), their single-op latencies from the
                    // simulated model (no profiling), each schedule executed like the baselines.
                    for (const std::string& fastName : fastNames) {
                        const auto kind = fastSchedulerFromString(fastName);
                        if (!kind) throw InputError("--schedulers: unknown scheduler '" + fastName + "'");
                        SchedulerOptions fastOptions;
                        fastOptions.run = run;
                        const auto estimate = makeCostModel("sim:" + simPresetForDevice(status.device), run);
                        const auto fastStart = std::chrono::steady_clock::now();
                        const ScheduleResult r = fastSchedule(*kind, g, *estimate, fastOptions);
                        row[fastName]["schedule_s"] = seconds(fastStart);
                        row[fastName]["sim_predicted_ms"] = r.latencyMs;
                        for (ExecMode mode : modes)
                            row[fastName][mode == ExecMode::Graph ? "graph" : "stages"] =
                                runRow(gpu, g, r.schedule, mode, run, runs);
                    }
                    if (!search) {
                        row["ios"]["skipped"] = "--no-search";
                    } else if (seconds(start) < budget) {
                        SchedulerOptions options;
                        options.maxGroupSize = maxGroupSize;
                        options.maxGroups = maxGroups;
                        options.strategy = StrategySet::Both;
                        options.run = run;
                        // Anytime: past the limit the search returns its best schedule so far.
                        if (searchLimit < 1e8) options.timeLimitSeconds = searchLimit;
                        auto record = std::make_shared<ProfileCache>();
                        auto live = makeGpuCostModel(gpu, ExecMode::Graph, record);
                        auto sim = makeCostModel("sim:" + simPresetForDevice(status.device), options.run);
                        nlohmann::json stages = nlohmann::json::array();
                        Calibrating calibrating(*live, *sim, stages);
                        // The search is cancelled past --search-limit; how far it got is reported.
                        std::atomic<bool> cancel{false};
                        Progress last;
                        std::mutex progressMutex;
                        std::thread timer([&] {
                            const auto until = std::chrono::steady_clock::now() +
                                               std::chrono::duration<double>(2 * searchLimit + 30);
                            while (!cancel && std::chrono::steady_clock::now() < until)
                                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                            cancel = true;
                        });
                        const auto searchStart = std::chrono::steady_clock::now();
                        ScheduleResult ios;
                        try {
                            ios = iosSchedule(
                                g, calibrating, options,
                                [&](const Progress& progress) {
                                    std::lock_guard lock(progressMutex);
                                    last = progress;
                                },
                                &cancel);
                        } catch (const Cancelled&) {
                            cancel = true;
                            timer.join();
                            row["ios"] = {{"cancelled_after_s", seconds(searchStart)},
                                          {"fraction", last.fraction},
                                          {"stages_profiled_so_far", last.stagesCosted}};
                            std::printf("%s\n", row.dump().c_str());
                            std::fflush(stdout);
                            summarize(row);
                            all["rows"].push_back(row);
                            writeFileAtomically(outDir + "/bench_gpu.json", all.dump(1));
                            continue;
                        } catch (...) {
                            cancel = true; // a GPU failure: the timer must not outlive this scope
                            timer.join();
                            throw;
                        }
                        cancel = true;
                        timer.join();
                        row["ios"]["r"] = maxGroupSize;
                        row["ios"]["s"] = maxGroups;
                        row["ios"]["search_s"] = ios.stats.seconds;
                        row["ios"]["complete"] = ios.stats.complete;
                        row["ios"]["stages_profiled"] = ios.stats.stagesCosted;
                        row["ios"]["predicted_ms"] = ios.latencyMs;
                        row["ios"]["origin"] = ios.origin;
                        row["ios"]["sequential_predicted_ms"] = predictLatencyMs(g, seq, *live, options.run);
                        for (ExecMode mode : modes)
                            row["ios"][mode == ExecMode::Graph ? "graph" : "stages"] =
                                runRow(gpu, g, ios.schedule, mode, run, runs);
                        // The keep-the-faster rule on the runs measured above (graph mode, same call).
                        if (row["ios"].contains("graph")) {
                            const double iosMs = row["ios"]["graph"]["median_ms"].get<double>();
                            const double seqMs = row["sequential"]["graph"]["median_ms"].get<double>();
                            const double waveMs = row["wavefront"]["graph"]["median_ms"].get<double>();
                            const double best = std::min({iosMs, seqMs, waveMs});
                            row["ios"]["kept"] = best == iosMs    ? "ios"
                                                 : best == waveMs ? "wavefront"
                                                                  : "sequential";
                            row["ios"]["kept_ms"] = best;
                        }
                        // Profile databases of the large searches exceed what a report should carry.
                        if (ios.stats.stagesCosted <= 50000)
                            record->save(outDir + "/profiles-" + fileStem(name) + "-" + pname + "-b" + bname +
                                         ".json");
                        calibration.push_back(
                            {{"model", name},
                             {"precision", pname},
                             {"batch", run.batch},
                             {"device", status.device},
                             {"ios_predicted_ms", ios.latencyMs},
                             {"ios_measured_graph_ms", row["ios"]["graph"]["median_ms"]},
                             {"sequential_predicted_ms", row["ios"]["sequential_predicted_ms"]},
                             {"sequential_measured_graph_ms", row["sequential"]["graph"]["median_ms"]},
                             {"stages", std::move(stages)}});
                        writeFileAtomically(outDir + "/calibration.json", calibration.dump(1));
                    } else {
                        row["ios"]["skipped"] = "time budget spent";
                    }
                    std::printf("%s\n", row.dump().c_str());
                    std::fflush(stdout);
                    summarize(row);
                    all["rows"].push_back(row);
                    writeFileAtomically(outDir + "/bench_gpu.json", all.dump(1));
                }
        }
        std::printf("\nsummary (graph mode, median ms [kernel time in transposes, element-wise]):\n");
        for (const std::string& line : summary) std::printf("%s\n", line.c_str());
        std::printf(
            "\nschedulers side by side (graph mode, median ms; IOS search s):\n| network | prec | batch | "
            "sequential | wavefront");
        for (const std::string& f : fastNames) std::printf(" | %s", f.c_str());
        std::printf(" | ios | search s | best |\n|---|---|---|---|---");
        for (size_t k = 0; k < fastNames.size() + 3; ++k) std::printf("|---");
        std::printf("|\n");
        for (const std::string& line : sideBySide) std::printf("%s\n", line.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_gpu: %s\n", e.what());
        return 1;
    }
    return 0;
}
