#include "exec/search_pipeline.h"

namespace ioscope {

bool isLiveCostModel(const CostModel& cost, ExecMode* mode) {
    const std::string name = cost.name();
    if (name != "gpu" && name != "gpu:stages") return false;
    if (mode) *mode = name == "gpu" ? ExecMode::Graph : ExecMode::Stages;
    return true;
}

SearchOutcome searchSchedule(const Graph& g, CostModel& cost, const SchedulerOptions& options,
                             const ProgressCallback& progress, const std::atomic<bool>* cancel) {
    SearchOutcome out;
    out.result = iosSchedule(g, cost, options, progress, cancel);
    out.origin = out.result.origin;
    ExecMode mode = ExecMode::Graph;
    if (!isLiveCostModel(cost, &mode)) return out;
    if (cancel && cancel->load()) throw Cancelled();
    ExecutionOptions exec;
    exec.mode = mode;
    exec.run = options.run;
    exec.utilization = false;
    MeasuredChoice choice = keepFasterMeasured(g, out.result.schedule, exec, options.maxStreams);
    if (!choice.keptSearched) {
        out.result.schedule = choice.schedule;
        out.result.latencyMs = predictLatencyMs(g, out.result.schedule, cost, options.run);
        out.result.origin = out.origin = choice.kept;
    }
    out.measured = std::move(choice);
    return out;
}

} // namespace ioscope
