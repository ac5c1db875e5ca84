#include "trace_export.h"

#include "pipeline/chrome_trace.h"
#include "qt_text.h"

#include <nlohmann/json.hpp>

namespace ioscope::app {

std::string documentTraceJson(const Graph& g, const std::deque<ScheduleRun>& runs) {
    using Json = nlohmann::json;
    Json events = Json::array();
    Json runList = Json::array();
    int index = 0;
    for (const ScheduleRun& run : runs) {
        TraceSources sources;
        sources.predictedLabel = ss(run.label()) + " predicted · " + ss(run.detail());
        if (run.measured && !run.measured->kernels.empty()) {
            sources.measured = &run.measured->kernels;
            sources.measuredLabel = ss(run.label()) + " measured kernels · " + run.measured->device;
        }
        // One trace per run (pids 1 predicted, 2 measured), moved to pids of their own.
        const Json one = Json::parse(chromeTraceJson(g, run.schedule, run.predicted, sources));
        const int base = 2 * index;
        for (Json event : one.at("traceEvents")) {
            const int pid = event.value("pid", 1);
            event["pid"] = base + pid;
            events.push_back(std::move(event));
        }
        for (int pid : {1, 2})
            events.push_back({{"ph", "M"},
                              {"pid", base + pid},
                              {"tid", 0},
                              {"name", "process_sort_index"},
                              {"args", {{"sort_index", base + pid}}}});
        runList.push_back({{"run", ss(run.label())},
                           {"detail", ss(run.detail())},
                           {"predicted_latency_ms", run.latencyMs},
                           {"stages", run.schedule.stages.size()}});
        ++index;
    }
    const Json root = {{"traceEvents", events},
                       {"displayTimeUnit", "ms"},
                       {"otherData", {{"model", g.name()}, {"runs", runList}}}};
    return root.dump(1) + "\n";
}

} // namespace ioscope::app
