// Fit of the simulated cost model to real latencies (docs/cost-model.md).
//   bench_calibration MICROBENCH.json [--device H200] [--fit] [--layers]
//                     [--stages CALIBRATION.json [--profiles DIR] [--runs BENCH_GPU.json]]
// MICROBENCH.json is written by ../shared/tools/layer_microbench.py: every distinct conv/pool layer
// of Inception V3 and SqueezeNet 1.1 timed alone and in concurrent sets inside CUDA graphs. The
// bench lowers each layer the way PyTorch runs it (conv kernel, bias-add kernel, in-place ReLU
// kernel; a pool kernel) and prints the model's errors; --fit first searches the fitted constants
// of the device (coordinate descent on the squared log error) and prints them for baking.
// --stages adds ioscope's own runtime (bench/results/calibration-h200.json): its per-stage rows
// carry no op names, only [measured ms, sim ms, ops, groups, strategy], so the stages are rebuilt by
// replaying the live search: the IOS DP runs on the bundled model against the profile cache the
// search recorded (resources/profiles/h200-MODEL-PRECISION.json, keyed by stage signature, same
// measured values), and every stage it asks for is kept with its measured latency. Whole
// schedules: sequential and IOS from CALIBRATION.json, wavefront from BENCH_GPU.json.
#include "cost/cost_factory.h"
#include "cost/profile_cache.h"
#include "cost/sim_calibration.h"
#include "cost/stage_signature.h"
#include "models/model_registry.h"
#include "sched/scheduler.h"
#include "util/atomic_file.h"
#include "util/errors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

using namespace ioscope;

namespace {

void report(const SimDevice& dev, const CalibrationData& data, const TorchHarness& harness, bool perLayer) {
    const CalibrationEvaluation e = evaluateCalibration(dev, data, harness);
    std::printf("device %s, %zu layers, %zu concurrent sets, loss %.4f\n", dev.name.c_str(),
                data.layers.size(), data.sets.size(), e.loss);
    if (perLayer) {
        std::printf("%-34s %9s %9s %7s %9s %9s %7s\n", "layer", "fp32 ms", "pred", "err", "tf32 ms", "pred",
                    "err");
        for (size_t i = 0; i < data.layers.size(); ++i) {
            const CalibrationLayer& l = data.layers[i];
            std::printf("%-34s %9.4f %9.4f %+6.0f%% %9.4f %9.4f %+6.0f%%\n", l.label.c_str(), l.measured[0],
                        l.measured[0] * (1 + e.aloneErr[0][i]), 100 * e.aloneErr[0][i], l.measured[1],
                        l.measured[1] * (1 + e.aloneErr[1][i]), 100 * e.aloneErr[1][i]);
        }
    }
    if (perLayer) {
        std::vector<size_t> order(data.sets.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            return std::fabs(std::log1p(e.speedupErr[a])) > std::fabs(std::log1p(e.speedupErr[b]));
        });
        std::printf("\nworst concurrent sets (speedup = sum alone / together):\n");
        for (size_t j = 0; j < std::min<size_t>(12, order.size()); ++j) {
            const CalibrationSet& s = data.sets[order[j]];
            std::string ids;
            for (int i : s.layers) ids += (ids.empty() ? "" : ",") + std::to_string(i);
            std::printf("  %s [%s] together %.4f ms (pred %.4f), speedup %.2fx (pred %.2fx)\n",
                        s.precision == Precision::Tf32 ? "tf32" : "fp32", ids.c_str(), s.togetherMs,
                        s.togetherMs * (1 + e.togetherErr[order[j]]), e.measSpeedup[order[j]],
                        e.predSpeedup[order[j]]);
        }
    }
    std::printf("\n| set | precision | n | median abs err | p90 abs err |\n|---|---|---|---|---|\n");
    for (int p = 0; p < 2; ++p)
        std::printf("| layers alone (latency) | %s | %zu | %.1f%% | %.1f%% |\n", p ? "tf32" : "fp32",
                    e.aloneErr[p].size(), 100 * quantile(e.aloneErr[p], 0.5),
                    100 * quantile(e.aloneErr[p], 0.9));
    struct Bucket {
        const char* label;
        std::function<bool(const CalibrationSet&)> in;
    };
    const auto copies = [](const CalibrationSet& s) {
        return std::all_of(s.layers.begin(), s.layers.end(), [&](int i) { return i == s.layers.front(); });
    };
    const auto maxAlone = [&](const CalibrationSet& s) {
        double m = 0;
        for (int i : s.layers)
            m = std::max(m, data.layers[size_t(i)].measured[s.precision == Precision::Tf32]);
        return m;
    };
    const auto hasPool = [&](const CalibrationSet& s) {
        return std::any_of(s.layers.begin(), s.layers.end(),
                           [&](int i) { return data.layers[size_t(i)].op.kind != OpKind::Conv; });
    };
    const Bucket buckets[] = {
        {"random pairs", [&](const CalibrationSet& s) { return s.layers.size() == 2 && !copies(s); }},
        {"random quads", [&](const CalibrationSet& s) { return s.layers.size() == 4 && !copies(s); }},
        {"2/4/8 copies", [&](const CalibrationSet& s) { return copies(s); }},
        {"largest layer >= 40 us", [&](const CalibrationSet& s) { return maxAlone(s) >= 0.040; }},
        {"largest layer < 20 us", [&](const CalibrationSet& s) { return maxAlone(s) < 0.020; }},
        {"with a pool", [&](const CalibrationSet& s) { return hasPool(s); }},
        {"convs only", [&](const CalibrationSet& s) { return !hasPool(s); }},
        {"all concurrent", [](const CalibrationSet&) { return true; }},
    };
    std::printf(
        "\n| concurrent sets | precision | n | measured speedup (median) | predicted speedup (median) | "
        "speedup err median | speedup err p90 | latency err median | latency err p90 |\n"
        "|---|---|---|---|---|---|---|---|---|\n");
    for (const Bucket& b : buckets) {
        for (int p = 0; p < 2; ++p) {
            std::vector<double> meas, pred, sErr, tErr;
            for (size_t i = 0; i < data.sets.size(); ++i) {
                const CalibrationSet& s = data.sets[i];
                if ((s.precision == Precision::Tf32) != bool(p) || !b.in(s)) continue;
                meas.push_back(e.measSpeedup[i]), pred.push_back(e.predSpeedup[i]);
                sErr.push_back(e.speedupErr[i]), tErr.push_back(e.togetherErr[i]);
            }
            if (meas.empty()) continue;
            std::printf("| %s | %s | %zu | %.2fx | %.2fx | %.1f%% | %.1f%% | %.1f%% | %.1f%% |\n", b.label,
                        p ? "tf32" : "fp32", meas.size(), quantile(meas, 0.5, false),
                        quantile(pred, 0.5, false), 100 * quantile(sErr, 0.5), 100 * quantile(sErr, 0.9),
                        100 * quantile(tErr, 0.5), 100 * quantile(tErr, 0.9));
        }
    }
}

// Asks a profile cache and keeps every distinct stage asked for, with its measured latency.
class RecordingCost : public CostModel {
  public:
    explicit RecordingCost(std::unique_ptr<CostModel> inner) : inner_(std::move(inner)) {}
    std::string name() const override { return inner_->name(); }
    std::string device() const override { return inner_->device(); }
    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        const double ms = inner_->stageLatencyMs(g, stage, cfg);
        std::lock_guard lock(mutex_);
        if (seen_.emplace(stageSignature(g, stage, cfg), ms).second) stages_.push_back({stage, ms});
        return ms;
    }
    std::vector<RuntimeStage> stages() const { return stages_; }
    const std::map<std::string, double>& seen() const { return seen_; }

  private:
    std::unique_ptr<CostModel> inner_;
    std::mutex mutex_;
    std::map<std::string, double> seen_;
    std::vector<RuntimeStage> stages_;
};

double wavefrontMeasured(const nlohmann::json& runs, const std::string& model, const std::string& prec) {
    if (runs.is_object() && runs.contains("rows"))
        for (const auto& row : runs["rows"])
            if (row.value("model", "") == model && row.value("precision", "") == prec)
                return row.at("wavefront").at("graph").at("median_ms").get<double>();
    return 0;
}

std::vector<RuntimeNetwork> loadRuntime(const std::string& stagesPath, std::string profilesDir,
                                        std::string runsPath) {
    namespace fs = std::filesystem;
    const fs::path base = fs::path(stagesPath).parent_path();
    if (profilesDir.empty()) profilesDir = (base / ".." / ".." / "resources" / "profiles").string();
    if (runsPath.empty()) runsPath = (base / "bench_gpu-h200.json").string();
    nlohmann::json runs;
    if (fs::exists(runsPath)) runs = nlohmann::json::parse(readFile(runsPath));
    const nlohmann::json entries = nlohmann::json::parse(readFile(stagesPath));
    std::vector<RuntimeNetwork> nets;
    for (const auto& e : entries) {
        RuntimeNetwork n;
        n.model = e.at("model").get<std::string>();
        const std::string prec = e.at("precision").get<std::string>();
        n.run.precision = precisionFromString(prec).value_or(Precision::Fp32);
        n.graph = std::make_shared<const Graph>(loadModel(n.model));
        const std::string cache = profilesDir + "/h200-" + n.model + "-" + prec + ".json";
        RecordingCost rec(makeCacheCostModel(cache, n.run));
        SchedulerOptions options; // the live search's: r = 3, s = 8, both
        options.run = n.run;
        const ScheduleResult ios = iosSchedule(*n.graph, rec, options);
        n.stages = rec.stages();
        // Every row of the calibration file must be one of the rebuilt stages (same measured value).
        size_t rows = 0, matched = 0;
        std::multiset<double> values;
        for (const auto& [sig, ms] : rec.seen()) values.insert(ms);
        for (const auto& row : e.at("stages")) {
            ++rows;
            const double ms = row.at(0).get<double>();
            const auto it = values.lower_bound(ms * (1 - 1e-12));
            matched += it != values.end() && *it <= ms * (1 + 1e-12);
        }
        std::printf("%s %s: %zu distinct stages rebuilt from %s; %zu of %zu calibration rows matched; "
                    "IOS predicted %.4f ms (file: %.4f), %zu stages\n",
                    n.model.c_str(), prec.c_str(), n.stages.size(), cache.c_str(), matched, rows,
                    ios.latencyMs, e.at("ios_predicted_ms").get<double>(), ios.schedule.stages.size());
        n.schedules.push_back(
            {"sequential", sequentialSchedule(*n.graph), e.at("sequential_measured_graph_ms").get<double>()});
        if (const double w = wavefrontMeasured(runs, n.model, prec); w > 0)
            n.schedules.push_back({"wavefront", wavefrontSchedule(*n.graph, 10), w});
        n.schedules.push_back({"ios", ios.schedule, e.at("ios_measured_graph_ms").get<double>()});
        nets.push_back(std::move(n));
    }
    return nets;
}

std::string precisionName(const RunConfig& run) {
    return std::string(toString(run.precision));
}

// Stage error and whole-schedule error per network, for one or two sets of constants.
void reportRuntime(const std::vector<RuntimeNetwork>& nets, const SimDevice& before, const SimDevice* after) {
    const RuntimeEvaluation eb = evaluateRuntime(before, nets);
    const RuntimeEvaluation ea = after ? evaluateRuntime(*after, nets) : eb;
    std::printf(
        "\nioscope runtime stages (H200, CUDA graph; err = |sim / measured - 1|; runtime loss %.4f stage, "
        "%.4f whole%s)\n",
        eb.stageLoss, eb.wholeLoss,
        after ? (" -> " + std::to_string(ea.stageLoss) + " / " + std::to_string(ea.wholeLoss)).c_str() : "");
    std::printf("\n| network | precision | stages | median sim/measured | median err | p90 err |%s\n"
                "|---|---|---|---|---|---|%s\n",
                after ? " after: median sim/measured | median err | p90 err |" : "",
                after ? "---|---|---|" : "");
    for (size_t i = 0; i < nets.size(); ++i) {
        const auto row = [&](const std::vector<double>& err) {
            std::vector<double> ratio;
            for (double x : err) ratio.push_back(1 + x);
            std::printf(" %.2f | %.1f%% | %.1f%% |", quantile(ratio, 0.5, false), 100 * quantile(err, 0.5),
                        100 * quantile(err, 0.9));
        };
        std::printf("| %s | %s | %zu (+%zu without kernels) |", nets[i].model.c_str(),
                    precisionName(nets[i].run).c_str(), eb.stageErr[i].size(), eb.kernelFree[i]);
        row(eb.stageErr[i]);
        if (after) row(ea.stageErr[i]);
        std::printf("\n");
    }
    std::printf(
        "\n| network | precision | schedule | measured ms | sim ms | err |%s\n|---|---|---|---|---|---|%s\n",
        after ? " after: sim ms | err |" : "", after ? "---|---|" : "");
    for (size_t i = 0; i < nets.size(); ++i) {
        for (size_t j = 0; j < nets[i].schedules.size(); ++j) {
            const RuntimeSchedule& r = nets[i].schedules[j];
            std::printf("| %s | %s | %s | %.3f | %.3f | %+.1f%% |", nets[i].model.c_str(),
                        precisionName(nets[i].run).c_str(), r.label.c_str(), r.measuredMs,
                        eb.schedulePredMs[i][j], 100 * (eb.schedulePredMs[i][j] / r.measuredMs - 1));
            if (after)
                std::printf(" %.3f | %+.1f%% |", ea.schedulePredMs[i][j],
                            100 * (ea.schedulePredMs[i][j] / r.measuredMs - 1));
            std::printf("\n");
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    std::string path, device = "H200", stagesPath, profilesDir, runsPath;
    bool doFit = false, perLayer = false;
    FitWeights weights;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--fit"))
            doFit = true;
        else if (!std::strcmp(argv[i], "--layers"))
            perLayer = true;
        else if (!std::strcmp(argv[i], "--device") && i + 1 < argc)
            device = argv[++i];
        else if (!std::strcmp(argv[i], "--stages") && i + 1 < argc)
            stagesPath = argv[++i];
        else if (!std::strcmp(argv[i], "--profiles") && i + 1 < argc)
            profilesDir = argv[++i];
        else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc)
            runsPath = argv[++i];
        else if (!std::strcmp(argv[i], "--stage-weight") && i + 1 < argc)
            weights.stage = std::stod(argv[++i]);
        else if (!std::strcmp(argv[i], "--whole-weight") && i + 1 < argc)
            weights.whole = std::stod(argv[++i]);
        else
            path = argv[i];
    }
    if (path.empty()) {
        std::fprintf(stderr,
                     "usage: bench_calibration MICROBENCH.json [--device H200] [--fit] [--layers] [--stages "
                     "CALIBRATION.json [--profiles DIR] [--runs BENCH_GPU.json]] [--stage-weight W] "
                     "[--whole-weight W]\n");
        return 2;
    }
    try {
        const CalibrationData data = loadCalibrationData(path);
        SimDevice dev;
        if (!simDevicePreset(device, dev)) dev = loadSimDevice(device);
        const std::vector<RuntimeNetwork> nets = stagesPath.empty()
                                                     ? std::vector<RuntimeNetwork>{}
                                                     : loadRuntime(stagesPath, profilesDir, runsPath);
        TorchHarness harness = kTorchHarness;
        const SimDevice before = dev;
        if (doFit) {
            std::printf("fitting %s to %s%s (joint loss %.5f)\n", dev.name.c_str(), path.c_str(),
                        nets.empty() ? "" : (" and " + stagesPath).c_str(),
                        jointLoss(dev, nets.empty() ? TorchHarness{dev.stageBaseUs, 1.0} : harness, data,
                                  nets, weights));
            const FitResult fit = fitCalibration(dev, data, nets, weights, [](const Progress& p) {
                std::printf("  round %lld of %lld: loss %.5f\n", p.done, p.total, p.loss);
            });
            dev = fit.dev, harness = fit.harness;
            std::printf("fitted constants:\n");
            for (const FitParam& p : fitParams()) std::printf("    d.%s = %.4g;\n", p.name, dev.*(p.field));
            std::printf("    kTorchHarness{%.4g, %.4g}; (roundUs, gemmScale)\n", harness.roundUs,
                        harness.gemmScale);
        }
        report(dev, data, harness, perLayer);
        if (!nets.empty()) reportRuntime(nets, before, doFit ? &dev : nullptr);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_calibration: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
