#include "cmd_schedule_devices.h"

#include "io/json_reader.h"
#include "pipeline/schedule_pipeline.h"
#include "sched/multi_gpu_scheduler.h"
#include "schedule/schedule_json.h"
#include "util/errors.h"
#include "util/printable.h"

#include <cstdio>
#include <iostream>

namespace ioscope::cli {

int scheduleOnDevices(const Args& args, const Graph& g, CostModel& cost, const SchedulerOptions& options) {
    if (args.valueOr("--scheduler", "ios") != "ios")
        throw UsageError{"option --devices works with --scheduler ios (HIOS placement, then IOS per device)"};
    MultiGpuOptions multi;
    multi.devices = args.intValue("--devices", 2, 1, kMaxDevices);
    try {
        multi.link = transferModelFromString(args.valueOr("--link", "nvlink"));
    } catch (const InputError& e) {
        throw UsageError{std::string("option --link: ") + e.what()};
    }
    multi.search = options;
    const MultiGpuResult r = multiGpuSchedule(g, cost, multi);
    const MultiDeviceTimeline& t = r.timeline;

    ScheduleDocument doc = scheduleDocumentWith(g, r.schedule, "hios+ios", options, cost);
    doc.latencyMs = t.latencyMs;
    doc.search = ScheduleSearchInfo{r.stats.states,  r.stats.transitions, r.stats.stagesCosted,
                                    r.stats.seconds, r.stats.complete,    options.timeLimitSeconds};
    if (const auto out = args.value("--output")) saveScheduleFile(g, doc, *out);

    std::int64_t copiedBytes = 0;
    for (const TransferSpan& c : t.transfers) copiedBytes += c.bytes;
    if (args.flag("--json")) {
        nlohmann::json j;
        j["model"] = g.name();
        j["scheduler"] = doc.scheduler;
        j["devices"] = multi.devices;
        j["devices_used"] = t.devices;
        j["link"] = {{"name", multi.link.name},
                     {"bandwidth_gbs", multi.link.bandwidthGBs},
                     {"latency_us", multi.link.latencyUs}};
        j["cost_model"] = doc.costModel;
        j["device"] = doc.device;
        j["batch"] = options.run.batch;
        j["precision"] = std::string(toString(options.run.precision));
        j["latency_ms"] = t.latencyMs;
        j["multi_device_ms"] = r.multiDeviceMs;
        j["single_device_ms"] = r.singleDeviceMs;
        j["uses_several"] = r.usesSeveral;
        j["per_device"] = nlohmann::json::array();
        for (int d = 0; d < t.devices; ++d)
            j["per_device"].push_back({{"device", d},
                                       {"stages", t.stagesPerDevice[static_cast<size_t>(d)]},
                                       {"busy_ms", t.busyMs[static_cast<size_t>(d)]}});
        j["transfers"] = {{"count", t.transfers.size()}, {"ms", t.transferMs()}, {"bytes", copiedBytes}};
        nlohmann::json stages = nlohmann::json::array();
        for (const Stage& st : r.schedule.stages) {
            nlohmann::json groups = nlohmann::json::array(), devices = nlohmann::json::array();
            for (size_t gi = 0; gi < st.groups.size(); ++gi) {
                nlohmann::json names = nlohmann::json::array();
                for (OpId id : st.groups[gi]) names.push_back(g.op(id).name);
                groups.push_back(names);
                devices.push_back(st.deviceOf(gi));
            }
            stages.push_back(
                {{"strategy", std::string(toString(st.strategy))}, {"groups", groups}, {"devices", devices}});
        }
        j["stages"] = stages;
        j["search"] = {{"states", r.stats.states},
                       {"transitions", r.stats.transitions},
                       {"stages_measured", r.stats.stagesCosted},
                       {"seconds", r.stats.seconds},
                       {"complete", r.stats.complete}};
        std::cout << json::dump(j, 2) << "\n";
        return 0;
    }
    std::printf("model       %s (%zu ops)\n", printable(g.name()).c_str(), g.units().size());
    std::printf(
        "scheduler   HIOS longest-path placement on %d devices, IOS per device (r=%d, s=%d, strategy %s)\n",
        multi.devices, options.maxGroupSize, options.maxGroups, doc.strategy.c_str());
    std::printf("cost model  %s, %s, batch %d, %s; simulated devices\n", doc.costModel.c_str(),
                doc.device.c_str(), options.run.batch, std::string(toString(options.run.precision)).c_str());
    std::printf("link        %s\n", multi.link.describe().c_str());
    if (r.usesSeveral)
        std::printf("latency     %.4f ms on %d devices (one device %.4f ms, %.3fx)\n", t.latencyMs, t.devices,
                    r.singleDeviceMs, r.singleDeviceMs / t.latencyMs);
    else
        std::printf(
            "latency     %.4f ms on one device: %d devices predicted %.4f ms (copies and waits outweigh "
            "the gain), one device kept\n",
            t.latencyMs, multi.devices, r.multiDeviceMs);
    for (int d = 0; d < t.devices; ++d)
        std::printf("device %-4d %d stages, busy %.4f ms\n", d, t.stagesPerDevice[static_cast<size_t>(d)],
                    t.busyMs[static_cast<size_t>(d)]);
    std::printf("transfers   %zu copies, %.4f ms in all, %.3f MB\n", t.transfers.size(), t.transferMs(),
                double(copiedBytes) / 1e6);
    std::printf("search      %lld states, %lld transitions, %.3f s%s\n", r.stats.states, r.stats.transitions,
                r.stats.seconds, r.stats.complete ? "" : " (stopped at the time limit: not exact)");
    for (size_t k = 0; k < t.spans.size(); ++k) {
        const DeviceStageSpan& span = t.spans[k];
        const Stage& st = r.schedule.stages[static_cast<size_t>(span.stage)];
        std::printf("%4d d%-2d %9.4f-%-9.4f %-10s", span.stage, span.device, span.startMs, span.endMs,
                    std::string(toString(st.strategy)).c_str());
        bool first = true;
        for (size_t gi = 0; gi < st.groups.size(); ++gi) {
            if (st.deviceOf(gi) != span.device) continue;
            std::printf("%s", first ? "" : " |");
            first = false;
            for (OpId id : st.groups[gi]) std::printf(" %s", printable(g.op(id).name).c_str());
        }
        std::printf("\n");
    }
    if (const auto out = args.value("--output")) std::printf("wrote %s\n", out->c_str());
    return 0;
}

} // namespace ioscope::cli
