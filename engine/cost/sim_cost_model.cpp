#include "cost/sim_cost_model.h"

#include "cost/sim_timeline.h"
#include "util/errors.h"

#include <algorithm>
#include <utility>

namespace ioscope {

SimCostModel::SimCostModel(SimDevice device, std::string spec)
    : device_(std::move(device)), spec_(std::move(spec)) {}

std::vector<std::vector<SimKernel>> SimCostModel::stageStreams(const Graph& g, const Stage& stage,
                                                               const RunConfig& cfg) const {
    if (cfg.batch < 1) throw InputError("batch must be at least 1, got " + std::to_string(cfg.batch));
    const auto checked = [&](OpId id) -> const Op& {
        if (id < 0 || id >= g.size())
            throw InputError("stage names op id " + std::to_string(id) + " outside the graph");
        return g.op(id);
    };
    std::vector<std::vector<SimKernel>> streams;
    if (stage.strategy == Strategy::Merge) {
        std::vector<const Op*> convs;
        for (OpId id : stage.allOps()) convs.push_back(&checked(id));
        if (convs.size() == 1)
            streams.push_back(lowerOp(device_, *convs.front(), cfg));
        else
            streams.push_back(lowerMergedConv(device_, convs, cfg));
        return streams;
    }
    for (const auto& group : stage.groups) {
        std::vector<SimKernel> stream;
        for (OpId id : group)
            for (SimKernel& k : lowerOp(device_, checked(id), cfg)) stream.push_back(std::move(k));
        streams.push_back(std::move(stream));
    }
    return streams;
}

double SimCostModel::stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) {
    auto streams = stageStreams(g, stage, cfg);
    // Launch the longest group first, whatever order the stage lists its groups in: equal stages
    // (equal signatures) must cost the same, and longest-first is how the runtime should launch.
    std::vector<std::pair<std::vector<double>, size_t>> keys;
    for (size_t i = 0; i < streams.size(); ++i) {
        double busy = 0;
        std::vector<double> key{0};
        for (const SimKernel& k : streams[i]) {
            busy += kernelBusyUs(device_, k, device_.sms);
            key.insert(key.end(), {double(k.blocks), double(k.blocksPerSm), k.blockUs, k.bytes});
        }
        key[0] = -busy;
        keys.emplace_back(std::move(key), i);
    }
    std::sort(keys.begin(), keys.end());
    std::vector<std::vector<SimKernel>> ordered;
    for (auto& [key, i] : keys) ordered.push_back(std::move(streams[i]));
    return stageLatencyUs(device_, ordered) / 1000.0;
}

} // namespace ioscope
