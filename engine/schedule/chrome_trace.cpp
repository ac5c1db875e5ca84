#include "schedule/chrome_trace.h"
#include "io/json_reader.h"

#include "util/atomic_file.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ioscope {
namespace {

using Json = nlohmann::json;

constexpr int kPredictedPid = 1, kMeasuredPid = 2;
constexpr double kUsPerMs = 1000.0;

Json meta(int pid, int tid, const char* what, const std::string& name) {
    return {{"ph", "M"}, {"pid", pid}, {"tid", tid}, {"name", what}, {"args", {{"name", name}}}};
}

Json sortIndex(int pid, int tid, int index) {
    return {{"ph", "M"},
            {"pid", pid},
            {"tid", tid},
            {"name", "thread_sort_index"},
            {"args", {{"sort_index", index}}}};
}

Json slice(int pid, int tid, const std::string& name, const char* cat, double startMs, double endMs,
           Json args) {
    return {{"ph", "X"},
            {"pid", pid},
            {"tid", tid},
            {"name", name},
            {"cat", cat},
            {"ts", startMs * kUsPerMs},
            {"dur", std::max(0.0, endMs - startMs) * kUsPerMs},
            {"args", std::move(args)}};
}

Json opArgs(const Graph& g, OpId id, double flops) {
    const Op& op = g.op(id);
    return {{"kind", std::string(toString(op.kind))},
            {"input", op.in.str()},
            {"output", op.out.str()},
            {"gflops", flops / 1e9}};
}

} // namespace

std::string chromeTraceJson(const Graph& g, const Schedule& s, const PredictedTimeline& predicted,
                            const TraceSources& sources) {
    Json events = Json::array();
    events.push_back(meta(kPredictedPid, 0, "process_name", sources.predictedLabel));
    events.push_back(meta(kPredictedPid, 0, "thread_name", "stages"));
    events.push_back(sortIndex(kPredictedPid, 0, 0));
    for (int lane = 0; lane < predicted.lanes; ++lane) {
        events.push_back(meta(kPredictedPid, lane + 1, "thread_name", "lane " + std::to_string(lane)));
        events.push_back(sortIndex(kPredictedPid, lane + 1, lane + 1));
    }

    for (size_t si = 0; si < predicted.stages.size() && si < s.stages.size(); ++si) {
        const TimelineStage& ts = predicted.stages[si];
        const Stage& st = s.stages[si];
        Json groups = Json::array();
        for (const auto& group : st.groups) {
            Json names = Json::array();
            for (OpId id : group) names.push_back(g.op(id).name);
            groups.push_back(names);
        }
        const std::string strategy(toString(st.strategy));
        events.push_back(slice(kPredictedPid, 0, "stage " + std::to_string(si) + " (" + strategy + ")",
                               "stage", ts.startMs, ts.endMs,
                               {{"stage", si},
                                {"strategy", strategy},
                                {"groups", groups},
                                {"latency_ms", ts.endMs - ts.startMs}}));
        if (st.strategy == Strategy::Merge) {
            // One merged convolution: a single slice naming every op it computes.
            std::string name = "merged";
            Json ops = Json::array();
            double flops = 0;
            for (const TimelineOp& op : ts.ops) {
                name += (ops.empty() ? " " : "+") + g.op(op.op).name;
                ops.push_back({{"op", g.op(op.op).name}, {"args", opArgs(g, op.op, op.flops)}});
                flops += op.flops;
            }
            events.push_back(
                slice(kPredictedPid, 1, name, "op", ts.startMs, ts.endMs,
                      {{"stage", si}, {"kind", "merged conv"}, {"ops", ops}, {"gflops", flops / 1e9}}));
            continue;
        }
        for (const TimelineOp& op : ts.ops) {
            Json args = opArgs(g, op.op, op.flops);
            args["stage"] = si;
            args["group"] = op.lane;
            args["timing"] = "estimated: the stage time split across the group by FLOPs";
            events.push_back(
                slice(kPredictedPid, op.lane + 1, g.op(op.op).name, "op", op.startMs, op.endMs, args));
        }
    }

    if (sources.measured && !sources.measured->empty()) {
        events.push_back(meta(kMeasuredPid, 0, "process_name", sources.measuredLabel));
        std::vector<int> streams;
        for (const KernelRecord& k : *sources.measured) {
            if (std::find(streams.begin(), streams.end(), k.stream) == streams.end()) {
                streams.push_back(k.stream);
                events.push_back(
                    meta(kMeasuredPid, k.stream, "thread_name", "stream " + std::to_string(k.stream)));
            }
            Json args = {{"stage", k.stage}};
            if (k.op >= 0 && k.op < g.size()) args["op"] = g.op(k.op).name; // linked by the runtime
            events.push_back(slice(kMeasuredPid, k.stream, k.name, "kernel", k.startMs, k.endMs, args));
        }
    }

    Json root = {
        {"traceEvents", events},
        {"displayTimeUnit", "ms"},
        {"otherData",
         {{"model", g.name()}, {"stages", s.stages.size()}, {"predicted_latency_ms", predicted.totalMs}}}};
    return json::dump(root, 1) + "\n";
}

void saveChromeTrace(const std::string& path, const std::string& traceJson) {
    writeFileAtomically(path, traceJson);
}

} // namespace ioscope
