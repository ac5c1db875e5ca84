#include "schedule_cli_support.h"

#include "cost/cost_factory.h"
#include "util/printable.h"

#include <iostream>

namespace ioscope::cli {

RunConfig runConfigFromArgs(const Args& args, const RunConfig& fallback) {
    RunConfig run = fallback;
    run.batch = args.intValue("--batch", fallback.batch, 1, 4096);
    if (const auto p = args.value("--precision")) {
        const auto parsed = precisionFromString(*p);
        if (!parsed)
            throw UsageError{"option --precision expects fp32, tf32, fp16 or bf16, got '" + *p + "'"};
        run.precision = *parsed;
    }
    if (const auto l = args.value("--layout"); l && *l != "auto") {
        const auto parsed = layoutFromString(*l);
        if (!parsed) throw UsageError{"option --layout expects nhwc, nchw or auto, got '" + *l + "'"};
        run.layout = *parsed;
    }
    return run;
}

RunConfig scheduleRunConfig(const Args& args, const ScheduleDocument& doc, const std::string& schedulePath) {
    const RunConfig run = runConfigFromArgs(args, doc.run);
    auto describe = [](const RunConfig& r) {
        return "batch " + std::to_string(r.batch) + ", " + std::string(toString(r.precision)) + ", " +
               std::string(toString(r.layout));
    };
    if (!(run == doc.run))
        std::cerr << "ioscope-cli: note: running at " << describe(run) << ", though "
                  << printable(schedulePath) << " was made at " << describe(doc.run)
                  << "; its stages were chosen for that\n";
    return run;
}

bool layoutByMeasurement(const Args& args, bool byDefault) {
    const auto l = args.value("--layout");
    return l ? *l == "auto" : byDefault;
}

void chooseLayoutIfAsked(GpuContext& gpu, const Graph& g, const Args& args, bool byDefault,
                         ExecutionOptions& options) {
    if (!layoutByMeasurement(args, byDefault)) return;
    const LayoutChoice c = chooseLayoutByMeasurement(gpu, g, options);
    options.run.layout = c.layout;
    std::cerr << "ioscope-cli: note: " << c.note << "\n";
}

std::unique_ptr<CostModel> costModelFromArgs(const Args& args, const RunConfig& run, GpuContext& gpu,
                                             const std::string& fallbackSpec) {
    return makeCostModel(args.valueOr("--cost", fallbackSpec), run, &gpu);
}

std::string defaultCostSpecFor(const ScheduleDocument& doc) {
    return doc.costModel.rfind("sim", 0) == 0 ? doc.costModel : std::string("sim");
}

nlohmann::json stagesJson(const Graph& g, const Schedule& s, const std::vector<double>* stageMs) {
    nlohmann::json stages = nlohmann::json::array();
    for (size_t i = 0; i < s.stages.size(); ++i) {
        const Stage& st = s.stages[i];
        nlohmann::json groups = nlohmann::json::array();
        for (const auto& group : st.groups) {
            nlohmann::json names = nlohmann::json::array();
            for (OpId id : group) names.push_back(g.op(id).name);
            groups.push_back(names);
        }
        nlohmann::json j = {{"strategy", std::string(toString(st.strategy))}, {"groups", groups}};
        if (stageMs && i < stageMs->size()) j["latency_ms"] = (*stageMs)[i];
        stages.push_back(j);
    }
    return stages;
}

ExecMode execModeFromArgs(const Args& args) {
    const std::string mode = args.valueOr("--mode", "graph");
    if (mode == "graph") return ExecMode::Graph;
    if (mode == "stages") return ExecMode::Stages;
    throw UsageError{"option --mode expects stages or graph, got '" + mode + "'"};
}

} // namespace ioscope::cli
