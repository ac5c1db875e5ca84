// bench_schedulers [--device H200] [--models a,b,... | --models a+b (an ensemble)] [--time-limit SECONDS]
//                  [--random UNITS,WIDTH,SEED ...] [--write-model FILE] [--full-dp SECONDS] [--out OUT.json]
// Every scheduler side by side under the simulated GPU (docs/schedulers.md): the IOS search within
// its time limit and the fast schedulers (sequential, wavefront, Nimble, LIOS, Opara, HIOS), each
// with its predicted latency, time on this machine, gap to the best of them and to the lower bound.
// --random adds a random multi-branch CNN (tests/engine/random_graphs.h; 47,14,1 is issue #14's
// class) and --write-model writes the last one as a model JSON for ioscope-cli. --full-dp also runs
// the IOS DP with no time limit (cancelled past SECONDS) to show how far the limited search is.
#include "bench_args.h"
#include "cost/cost_factory.h"
#include "graph/ensemble.h"
#include "io/model_json.h"
#include "models/model_registry.h"
#include "sched/fast_schedulers.h"
#include "sched/lower_bound.h"
#include "sched/scheduler.h"
#include "util/atomic_file.h"
#include "util/errors.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

using namespace ioscope;

namespace {

Graph load(const std::string& spec) {
    if (spec.find('+') == std::string::npos) return loadModel(spec);
    std::vector<Graph> graphs;
    std::vector<EnsembleMember> members;
    const auto names = splitEnsembleSpec(spec);
    graphs.reserve(names.size());
    for (const std::string& name : names) {
        graphs.push_back(loadModel(name));
        members.push_back({name.substr(name.find_last_of('/') + 1), &graphs.back()});
    }
    return buildEnsemble(members);
}

struct Row {
    std::string scheduler;
    double ms = 0, seconds = 0;
    bool complete = true;
    std::string note;
};

// The IOS search with no limit, cancelled past `seconds`.
std::optional<ScheduleResult> fullDp(const Graph& g, CostModel& cost, SchedulerOptions o, double seconds) {
    o.timeLimitSeconds = 0;
    std::atomic<bool> cancel{false}, done{false};
    std::thread watchdog([&] {
        const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (!done && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        cancel = true;
    });
    std::optional<ScheduleResult> r;
    try {
        r = iosSchedule(g, cost, o, {}, &cancel);
    } catch (const Cancelled&) {
    }
    done = true;
    watchdog.join();
    return r;
}

} // namespace

int main(int argc, char** argv) {
    std::string device = "H200", out, writeModel;
    std::vector<std::string> models = {"inception_v3", "squeezenet", "randwire", "nasnet"};
    std::vector<std::string> randoms;
    double timeLimit = 60, fullDpSeconds = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--device")
            device = v;
        else if (a == "--models")
            models = v == "none" ? std::vector<std::string>{} : bench::split(v, ',');
        else if (a == "--time-limit")
            timeLimit = std::stod(v);
        else if (a == "--random")
            randoms.push_back(v);
        else if (a == "--write-model")
            writeModel = v;
        else if (a == "--full-dp")
            fullDpSeconds = std::stod(v);
        else if (a == "--out")
            out = v;
        else {
            std::fprintf(stderr, "bench_schedulers: unknown option '%s'\n", a.c_str());
            return 2;
        }
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    try {
        std::vector<Graph> graphs;
        for (const std::string& m : models) graphs.push_back(load(m));
        for (const std::string& r : randoms) {
            graphs.push_back(bench::randomCnnFromSpec(r));
            if (!writeModel.empty()) writeFileAtomically(writeModel, modelToJson(graphs.back()));
        }
        nlohmann::json all = nlohmann::json::array();
        std::printf("cost sim:%s, batch 1, fp32; IOS r=3 s=8 both, time limit %g s\n", device.c_str(),
                    timeLimit);
        for (const Graph& g : graphs) {
            const auto cost = makeCostModel("sim:" + device, RunConfig{});
            SchedulerOptions o;
            o.timeLimitSeconds = timeLimit;
            const LatencyBound bound = latencyLowerBound(g, *cost, o.run);
            std::vector<Row> rows;
            for (FastScheduler s : allFastSchedulers()) {
                const ScheduleResult r = fastSchedule(s, g, *cost, o);
                rows.push_back({std::string(toString(s)), r.latencyMs, r.stats.seconds, true, ""});
            }
            const ScheduleResult ios = iosSchedule(g, *cost, o);
            rows.push_back({"ios", ios.latencyMs, ios.stats.seconds, ios.stats.complete,
                            ios.origin == "ios" ? "" : "kept " + ios.origin});
            if (fullDpSeconds > 0) {
                if (const auto full = fullDp(g, *cost, o, fullDpSeconds))
                    rows.push_back({"ios (no limit)", full->latencyMs, full->stats.seconds, true, ""});
                else
                    rows.push_back({"ios (no limit)", 0, fullDpSeconds, false, "cancelled"});
            }
            double best = 1e300;
            for (const Row& r : rows)
                if (r.ms > 0) best = std::min(best, r.ms);
            std::printf(
                "\n%s: %zu ops, lower bound %.4f ms (critical path %.4f, work %.4f, %d phases %.4f)\n",
                g.name().c_str(), g.units().size(), bound.boundMs, bound.criticalPathMs, bound.workMs,
                bound.phases, bound.phasedMs);
            std::printf(
                "| scheduler | latency ms | time s | gap to best | gap to bound |\n|---|---|---|---|---|\n");
            nlohmann::json j = {{"network", g.name()},
                                {"ops", g.units().size()},
                                {"lower_bound_ms", bound.boundMs},
                                {"critical_path_ms", bound.criticalPathMs},
                                {"work_ms", bound.workMs},
                                {"phased_ms", bound.phasedMs},
                                {"rows", nlohmann::json::array()}};
            for (const Row& r : rows) {
                if (r.ms <= 0) {
                    std::printf("| %s | - | >%.0f | - | - | (%s)\n", r.scheduler.c_str(), r.seconds,
                                r.note.c_str());
                    continue;
                }
                std::printf("| %s | %.4f | %.3f | %.2f%% | %.2f%% |%s%s\n", r.scheduler.c_str(), r.ms,
                            r.seconds, 100 * (r.ms / best - 1), 100 * gapToBound(r.ms, bound.boundMs),
                            r.complete ? "" : " (stopped at the time limit)",
                            r.note.empty() ? "" : (" (" + r.note + ")").c_str());
                j["rows"].push_back({{"scheduler", r.scheduler},
                                     {"latency_ms", r.ms},
                                     {"seconds", r.seconds},
                                     {"complete", r.complete},
                                     {"gap_to_best", r.ms / best - 1},
                                     {"gap_to_bound", gapToBound(r.ms, bound.boundMs)}});
            }
            all.push_back(j);
        }
        if (!out.empty()) writeFileAtomically(out, all.dump(1));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_schedulers: %s\n", e.what());
        return 1;
    }
    return 0;
}
