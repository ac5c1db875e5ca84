#include "cost/sim_cost_model.h"

#include "cost/sim_timeline.h"
#include "util/errors.h"

#include <algorithm>
#include <mutex>
#include <utility>

namespace ioscope {

SimCostModel::SimCostModel(SimDevice device, std::string spec)
    : device_(std::move(device)), spec_(std::move(spec)) {}

namespace {

// Everything lowering reads from an op, packed as raw integers (no formatting: this runs for
// every op of every stage). Sequential ops are not memoized.
std::string loweringKey(const Op& op, const RunConfig& cfg) {
    const Window& w = op.window;
    const int fixed[] = {int(op.kind),
                         w.kh,
                         w.kw,
                         w.sh,
                         w.sw,
                         w.ph,
                         w.pw,
                         w.dh,
                         w.dw,
                         op.outChannels,
                         op.groups,
                         int(op.activation),
                         int(op.bias),
                         int(op.preRelu),
                         int(op.combine),
                         op.in.c,
                         op.in.h,
                         op.in.w,
                         op.out.c,
                         op.out.h,
                         op.out.w,
                         int(op.inputs.size()),
                         cfg.batch,
                         int(cfg.precision),
                         int(op.sumTerms.size())};
    std::string key(reinterpret_cast<const char*>(fixed), sizeof(fixed));
    key.append(reinterpret_cast<const char*>(op.sumTerms.data()), op.sumTerms.size() * sizeof(int));
    key.append(reinterpret_cast<const char*>(op.termChannels.data()), op.termChannels.size() * sizeof(int));
    return key;
}

} // namespace

const std::vector<SimKernel>& SimCostModel::opKernels(const Op& op, const RunConfig& cfg) const {
    thread_local std::vector<SimKernel> unmemoized;
    if (op.kind == OpKind::Sequential) {
        unmemoized = lowerOp(device_, op, cfg);
        return unmemoized;
    }
    const std::string key = loweringKey(op, cfg);
    {
        std::shared_lock lock(memoMutex_);
        if (const auto it = memo_.find(key); it != memo_.end()) return it->second;
    }
    std::vector<SimKernel> kernels = lowerOp(device_, op, cfg);
    std::unique_lock lock(memoMutex_);
    // References into an unordered_map stay valid across inserts; entries are never erased.
    return memo_.try_emplace(key, std::move(kernels)).first->second;
}

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
            streams.push_back(opKernels(*convs.front(), cfg));
        else
            streams.push_back(lowerMergedConv(device_, convs, cfg));
        return streams;
    }
    for (const auto& group : stage.groups) {
        std::vector<SimKernel> stream;
        for (OpId id : group) {
            const std::vector<SimKernel>& ks = opKernels(checked(id), cfg);
            stream.insert(stream.end(), ks.begin(), ks.end());
        }
        streams.push_back(std::move(stream));
    }
    return streams;
}

double SimCostModel::stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) {
    auto streams = stageStreams(g, stage, cfg);
    // Launch the longest group first, whatever order the stage lists its groups in: equal stages
    // (equal signatures) must cost the same, and longest-first is how the runtime should launch.
    // Key: the group's work alone, then a digest of its kernels (groups with equal keys are equal).
    std::vector<std::pair<std::pair<double, double>, size_t>> keys;
    for (size_t i = 0; i < streams.size(); ++i) {
        double busy = 0, digest = 0;
        for (const SimKernel& k : streams[i]) {
            busy += double(k.blocks) * k.blockUs / k.blocksPerSm + k.bytes * 1e-6;
            digest = digest * 1.000001 + double(k.blocks) + k.blockUs * 1e3 + k.bytes;
        }
        keys.push_back({{-busy, digest}, i});
    }
    std::sort(keys.begin(), keys.end());
    std::vector<std::vector<SimKernel>> ordered;
    ordered.reserve(streams.size());
    for (auto& [key, i] : keys) ordered.push_back(std::move(streams[i]));
    return stageLatencyUs(device_, ordered) / 1000.0;
}

} // namespace ioscope
