#pragma once
// What the fuzz targets (tests/fuzz/fuzz_*.cpp) check for each loader, shared with the ctest
// suite that replays the seeds and every committed finding (tests/engine/tst_fuzz_regressions.cpp).
// The rule: a loader refuses bad input only with InputError (exit 2 in the CLI, one line naming
// the file); whatever it accepts must be usable the way the CLI uses it. Any other exception is a
// finding: libFuzzer reports it (uncaught), as it does crashes, sanitizer errors, leaks, time-outs
// and memory blow-ups; the regression suite fails on it.
#include "analysis/model_totals.h"
#include "analysis/partition.h"
#include "analysis/width.h"
#include "cost/cost_factory.h"
#include "cost/profile_cache.h"
#include "cost/sim_cost_model.h"
#include "cost/sim_device.h"
#include "graph/fusion.h"
#include "io/model_json.h"
#include "models/model_registry.h"
#include "sched/scheduler.h"
#include "schedule/schedule_json.h"
#include "util/errors.h"
#ifdef IOSCOPE_HAVE_ONNX
#include "onnx/onnx_import.h"
#endif

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ioscope::fuzz {

// A property every accepted input must have.
class PropertyViolation : public std::logic_error {
  public:
    using std::logic_error::logic_error;
};

inline void require(bool ok, const char* what) {
    if (!ok) throw PropertyViolation(what);
}

// What `info` computes from a model.
inline void analyse(const Graph& g) {
    modelTotals(g);
    maximumAntichain(g);
    partitionBlocks(g);
    criticalPathByFlops(g);
}

// Model JSON: accepted models survive a write/read round trip unchanged, and the fusion rewrite
// and the analyses of `info` work on them. Returns whether the input was accepted.
inline bool checkModelJson(const std::string& text) {
    Graph g;
    try {
        g = modelFromJson(text, "fuzz.json");
    } catch (const InputError&) {
        return false;
    }
    const Graph again = modelFromJson(modelToJson(g), "round-trip.json");
    require(again.contentHash() == g.contentHash(), "model JSON round trip changes the model");
    analyse(g);
    analyse(fuseForRuntime(g));
    return true;
}

// The model schedules are read against: the bundled SqueezeNet as the CLI loads it (fused).
inline const Graph& scheduleModel() {
    static const Graph model = loadModel("squeezenet");
    return model;
}

// Schedule JSON against SqueezeNet: an accepted schedule costs a finite, positive time under the
// simulated H100 (as `evaluate` does) and survives a write/read round trip.
inline bool checkScheduleJson(const std::string& text) {
    const Graph& model = scheduleModel();
    ScheduleDocument doc;
    try {
        doc = scheduleFromJson(model, text, "fuzz.schedule.json");
    } catch (const InputError&) {
        return false;
    }
    const auto cost = makeCostModel("sim:H100", doc.run);
    const double ms = predictLatencyMs(model, doc.schedule, *cost, doc.run);
    require(std::isfinite(ms) && ms > 0, "an accepted schedule costs a finite, positive time");
    const ScheduleDocument again = scheduleFromJson(model, scheduleToJson(model, doc), "round-trip.json");
    require(again.schedule.stages.size() == doc.schedule.stages.size(),
            "schedule JSON round trip changes the stages");
    return true;
}

// Profile cache: an accepted cache survives a write/read round trip with the same tables.
inline bool checkProfileCache(const std::string& text) {
    ProfileCache cache;
    try {
        cache = ProfileCache::fromJson(text, "fuzz.profiles.json");
    } catch (const InputError&) {
        return false;
    }
    const std::string written = cache.toJson();
    const ProfileCache again = ProfileCache::fromJson(written, "round-trip.json");
    require(again.size() == cache.size() && again.contexts().size() == cache.contexts().size(),
            "profile cache round trip changes its tables");
    require(again.toJson() == written, "profile cache round trip is not stable");
    return true;
}

// Simulated device: an accepted device costs SqueezeNet's sequential and wavefront schedules at a
// finite, positive time (a device that parses but cannot cost a stage is a reader bug).
inline bool checkSimDevice(const std::string& text) {
    SimDevice device;
    try {
        device = parseSimDevice(text, "fuzz.device.json");
    } catch (const InputError&) {
        return false;
    }
    const Graph& model = scheduleModel();
    SimCostModel cost(device, "sim:fuzz");
    RunConfig fp16;
    fp16.batch = 8;
    fp16.precision = Precision::Fp16;
    for (const RunConfig& run : {RunConfig{}, fp16})
        for (const Schedule& s : {sequentialSchedule(model), wavefrontSchedule(model)}) {
            const double ms = predictLatencyMs(model, s, cost, run);
            require(std::isfinite(ms) && ms > 0, "an accepted device costs a finite, positive time");
        }
    return true;
}

#ifdef IOSCOPE_HAVE_ONNX
// ONNX: the bytes are written to `folder`/model.onnx (the folder may hold external-data files);
// an imported model must export to model JSON and take the analyses of `info`.
inline bool checkOnnx(const std::string& bytes, const std::string& folder) {
    const std::string path = folder + "/model.onnx";
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out) throw std::runtime_error("cannot write " + path);
    }
    Graph g;
    std::vector<std::string> notes;
    try {
        ModelLoadOptions options;
        options.notes = &notes;
        g = importOnnx(path, options);
    } catch (const InputError&) {
        return false;
    }
    modelToJson(g);
    analyse(g);
    return true;
}
#endif

} // namespace ioscope::fuzz
