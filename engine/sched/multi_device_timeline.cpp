#include "sched/multi_device_timeline.h"

#include "sched/scheduler.h"

#include <algorithm>
#include <map>

namespace ioscope {

double MultiDeviceTimeline::transferMs() const {
    double sum = 0;
    for (const TransferSpan& t : transfers) sum += t.endMs - t.startMs;
    return sum;
}

std::vector<int> deviceOfOps(const Graph& g, const Schedule& s) {
    std::vector<int> device(static_cast<size_t>(g.size()), -1);
    for (const Stage& st : s.stages)
        for (size_t gi = 0; gi < st.groups.size(); ++gi)
            for (OpId id : st.groups[gi]) device[static_cast<size_t>(id)] = st.deviceOf(gi);
    return device;
}

MultiDeviceTimeline predictMultiDevice(const Graph& g, const Schedule& s, CostModel& cost,
                                       const TransferModel& link, const RunConfig& run) {
    validateSchedule(g, s);
    MultiDeviceTimeline t;
    for (const Stage& st : s.stages)
        for (size_t gi = 0; gi < st.groups.size(); ++gi) t.devices = std::max(t.devices, st.deviceOf(gi) + 1);
    const auto devices = static_cast<size_t>(t.devices);
    const std::vector<int> deviceOf = deviceOfOps(g, s);

    // Each stage's part per device, costed together (a model that measures in batches measures once).
    std::vector<Stage> parts;
    std::vector<std::pair<int, int>> partOf; // (stage, device)
    for (size_t si = 0; si < s.stages.size(); ++si) {
        const Stage& st = s.stages[si];
        for (int d = 0; d < t.devices; ++d) {
            Stage part{st.strategy, {}};
            for (size_t gi = 0; gi < st.groups.size(); ++gi)
                if (st.deviceOf(gi) == d) part.groups.push_back(st.groups[gi]);
            if (part.groups.empty()) continue;
            parts.push_back(std::move(part));
            partOf.emplace_back(static_cast<int>(si), d);
        }
    }
    const std::vector<double> partMs = stageLatenciesMs(g, parts, cost, run);

    std::vector<double> deviceFree(devices, 0.0), readyAt(static_cast<size_t>(g.size()), 0.0);
    std::vector<double> linkFree(devices * devices, 0.0);
    std::map<std::pair<OpId, int>, double> arrival; // (tensor, device) -> when it is there
    const auto bytesOf = [&](OpId id) {
        return g.op(id).out.elements() * run.batch * bytesPerElement(run.precision);
    };
    const auto arrive = [&](OpId p, int to) -> double {
        const int from = std::max(0, deviceOf[static_cast<size_t>(p)]);
        if (from == to) return readyAt[static_cast<size_t>(p)];
        const auto [it, fresh] = arrival.try_emplace({p, to}, 0.0);
        if (!fresh) return it->second;
        double& free = linkFree[static_cast<size_t>(from) * devices + static_cast<size_t>(to)];
        TransferSpan copy{p, from, to, bytesOf(p), std::max(readyAt[static_cast<size_t>(p)], free), 0};
        copy.endMs = copy.startMs + link.transferMs(copy.bytes);
        free = copy.endMs;
        t.transfers.push_back(copy);
        return it->second = copy.endMs;
    };
    t.busyMs.assign(devices, 0.0);
    t.stagesPerDevice.assign(devices, 0);
    for (size_t k = 0; k < parts.size(); ++k) {
        const auto [stage, d] = partOf[k];
        double start = deviceFree[static_cast<size_t>(d)];
        for (const auto& group : parts[k].groups)
            for (OpId id : group)
                for (OpId p : g.predecessors(id)) start = std::max(start, arrive(p, d));
        const double end = start + partMs[k];
        for (const auto& group : parts[k].groups)
            for (OpId id : group) readyAt[static_cast<size_t>(id)] = end;
        deviceFree[static_cast<size_t>(d)] = end;
        t.busyMs[static_cast<size_t>(d)] += partMs[k];
        ++t.stagesPerDevice[static_cast<size_t>(d)];
        t.spans.push_back({stage, d, start, end});
    }
    t.latencyMs = *std::max_element(deviceFree.begin(), deviceFree.end());
    for (OpId out : g.outputs()) t.latencyMs = std::max(t.latencyMs, arrive(out, 0));
    return t;
}

} // namespace ioscope
