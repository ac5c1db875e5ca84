#include "exec/multi_device_run.h"

#include "exec/cpu_ops.h"
#include "exec/merged_conv.h"
#include "util/errors.h"

#include <algorithm>
#include <map>

namespace ioscope {

CpuRunResult runOnDevices(const CpuExecutor& cpu, const Schedule& s, const MultiDeviceTimeline& timeline,
                          const std::vector<Tensor>& inputs) {
    const Graph& g = cpu.graph();
    validateSchedule(g, s);
    // held[device][op]: the tensors each device holds.
    std::vector<std::map<OpId, Tensor>> held(static_cast<size_t>(timeline.devices));
    size_t next = 0;
    for (OpId id = 0; id < g.size(); ++id)
        if (g.op(id).kind == OpKind::Input) {
            if (next >= inputs.size())
                throw InputError("no input tensor given for input op '" + g.op(id).name + "'");
            held[0][id] = inputs[next++];
        }

    // Events in time order: copies land at their end, parts run from their start (a copy that
    // lands when a part starts is there for it).
    struct Event {
        double at;
        int kind; // 0: a copy lands, 1: a stage part runs
        size_t index;
    };
    std::vector<Event> events;
    for (size_t i = 0; i < timeline.transfers.size(); ++i)
        events.push_back({timeline.transfers[i].endMs, 0, i});
    for (size_t i = 0; i < timeline.spans.size(); ++i) events.push_back({timeline.spans[i].startMs, 1, i});
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return a.at != b.at ? a.at < b.at : a.kind < b.kind;
    });

    const auto read = [&](int device, OpId reader, OpId p) -> const Tensor& {
        auto& here = held[static_cast<size_t>(device)];
        const auto it = here.find(p);
        if (it == here.end())
            throw RuntimeFailure("op '" + g.op(reader).name + "' on device " + std::to_string(device) +
                                 " reads '" + g.op(p).name + "', which is not on that device yet");
        return it->second;
    };
    for (const Event& e : events) {
        if (e.kind == 0) {
            const TransferSpan& t = timeline.transfers[e.index];
            held[static_cast<size_t>(t.to)][t.tensor] = read(t.from, t.tensor, t.tensor);
            continue;
        }
        const DeviceStageSpan& span = timeline.spans[e.index];
        const Stage& stage = s.stages[static_cast<size_t>(span.stage)];
        auto& here = held[static_cast<size_t>(span.device)];
        for (size_t gi = 0; gi < stage.groups.size(); ++gi) {
            if (stage.deviceOf(gi) != span.device) continue;
            const std::vector<OpId>& group = stage.groups[gi];
            if (stage.strategy == Strategy::Merge) {
                std::vector<Weights> memberWeights;
                for (OpId id : group) memberWeights.push_back(cpu.weights(id).front());
                const MergedConv merged = buildMergedConv(g, group, memberWeights);
                const Op& first = g.op(group.front());
                std::vector<const Tensor*> in;
                for (OpId p : first.inputs) in.push_back(&read(span.device, group.front(), p));
                const Tensor whole = conv2d(combineInputs(first, in), merged.conv, merged.weights);
                for (size_t i = 0; i < group.size(); ++i)
                    here[group[i]] = channelSlice(whole, merged.offsets[i], merged.counts[i]);
                continue;
            }
            for (OpId id : group) {
                const Op& op = g.op(id);
                std::vector<const Tensor*> in;
                for (OpId p : op.inputs) in.push_back(&read(span.device, id, p));
                here[id] = computeOp(op, in, cpu.weights(id));
            }
        }
    }
    CpuRunResult result;
    result.outputIds = g.outputs();
    for (OpId id : result.outputIds) {
        const auto it = held[0].find(id);
        if (it == held[0].end())
            throw RuntimeFailure("output '" + g.op(id).name + "' never reached device 0");
        result.outputs.push_back(it->second);
    }
    return result;
}

} // namespace ioscope
