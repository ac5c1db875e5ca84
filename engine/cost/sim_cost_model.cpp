#include "cost/sim_cost_model.h"

#include "cost/sim_timeline.h"
#include "util/errors.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <utility>

namespace ioscope {

namespace {

std::uint64_t nextModelSerial() {
    static std::atomic<std::uint64_t> counter{0};
    return ++counter;
}

// Everything lowering reads from an op's fixed fields, as raw integers (no formatting: this runs
// for every op of every stage). With the op's sumTerms and termChannels, the lowering key.
using FixedKey = std::array<int, 25>;

FixedKey fixedKey(const Op& op, const RunConfig& cfg) {
    const Window& w = op.window;
    return {int(op.kind),
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
}

// The memo's key, into a buffer reused by the thread. Sequential ops are not memoized.
void loweringKey(const FixedKey& fixed, const Op& op, std::string& key) {
    key.assign(reinterpret_cast<const char*>(fixed.data()), sizeof(fixed));
    key.append(reinterpret_cast<const char*>(op.sumTerms.data()), op.sumTerms.size() * sizeof(int));
    key.append(reinterpret_cast<const char*>(op.termChannels.data()), op.termChannels.size() * sizeof(int));
}

// A thread's recent lowered ops by op address, checked against everything lowering reads: a hit
// skips building and hashing the key and locking the shared memo (the DP asks for the same few
// hundred ops millions of times). Memo entries are never erased, so a cached pointer stays valid
// while its model lives.
struct RecentOp {
    std::uint64_t model = 0;
    const Op* op = nullptr;
    FixedKey fixed{};
    std::vector<int> sumTerms, termChannels;
    const void* lowered = nullptr;
};
constexpr size_t kRecentOps = 1024;

RecentOp& recentOpSlot(const Op& op) {
    thread_local std::vector<RecentOp> slots(kRecentOps);
    const auto address = reinterpret_cast<std::uintptr_t>(&op);
    return slots[(address ^ (address >> 10)) / alignof(Op) % kRecentOps];
}

// Every field of the kernels, one by one (no padding bytes): equal strings, equal simulations.
std::string kernelListKey(const std::vector<SimKernel>& kernels) {
    std::string key;
    const auto put = [&](const auto& v) { key.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
    for (const SimKernel& k : kernels) {
        key.append(k.what).push_back('\0');
        put(k.tileM), put(k.tileN), put(k.splitK), put(k.blocks), put(k.blocksPerSm);
        put(k.blockUs), put(k.bytes), put(k.flops), put(k.aloneUs);
    }
    return key;
}

// Launch order key of a stream: its work alone (negated: longest first), then a digest of its
// kernels, then its position in the stage.
using LaunchKey = std::pair<std::pair<double, double>, size_t>;

void addToLaunchKey(const SimKernel& k, double& busy, double& digest) {
    busy += double(k.blocks) * k.blockUs / k.blocksPerSm + k.bytes * 1e-6;
    digest = digest * 1.000001 + double(k.blocks) + k.blockUs * 1e3 + k.bytes;
}

void appendId(std::string& key, std::uint32_t id) {
    key.append(reinterpret_cast<const char*>(&id), sizeof(id));
}

const Op& checkedOp(const Graph& g, OpId id) {
    if (id < 0 || id >= g.size())
        throw InputError("stage names op id " + std::to_string(id) + " outside the graph");
    return g.op(id);
}

// Launch the longest group first, whatever order the stage lists its groups in: equal stages
// (equal signatures) must cost the same, and longest-first is how the runtime should launch.
// Key: the group's work alone, then a digest of its kernels (groups with equal keys are equal).
double latencyInLaunchOrderMs(const SimDevice& dev, std::vector<std::vector<SimKernel>> streams) {
    std::vector<LaunchKey> keys;
    for (size_t i = 0; i < streams.size(); ++i) {
        double busy = 0, digest = 0;
        for (const SimKernel& k : streams[i]) addToLaunchKey(k, busy, digest);
        keys.push_back({{-busy, digest}, i});
    }
    std::sort(keys.begin(), keys.end());
    std::vector<std::vector<SimKernel>> ordered;
    ordered.reserve(streams.size());
    for (auto& [key, i] : keys) ordered.push_back(std::move(streams[i]));
    return stageLatencyUs(dev, ordered) / 1000.0;
}

constexpr size_t kMaxCachedStages = size_t(1) << 21;

} // namespace

SimCostModel::SimCostModel(SimDevice device, std::string spec)
    : device_(std::move(device)), spec_(std::move(spec)), serial_(nextModelSerial()) {}

const SimCostModel::LoweredOp& SimCostModel::opKernels(const Op& op, const RunConfig& cfg) const {
    thread_local LoweredOp unmemoized;
    if (op.kind == OpKind::Sequential) {
        unmemoized.kernels = lowerOp(device_, op, cfg);
        return unmemoized;
    }
    const FixedKey fixed = fixedKey(op, cfg);
    RecentOp& recent = recentOpSlot(op);
    if (recent.model == serial_ && recent.op == &op && recent.fixed == fixed &&
        recent.sumTerms == op.sumTerms && recent.termChannels == op.termChannels)
        return *static_cast<const LoweredOp*>(recent.lowered);
    thread_local std::string key;
    loweringKey(fixed, op, key);
    const LoweredOp* lowered = nullptr;
    {
        std::shared_lock lock(memoMutex_);
        if (const auto it = memo_.find(key); it != memo_.end()) lowered = &it->second;
    }
    if (!lowered) {
        std::vector<SimKernel> kernels = lowerOp(device_, op, cfg);
        std::unique_lock lock(memoMutex_);
        // References into an unordered_map stay valid across inserts; entries are never erased.
        const auto [it, inserted] = memo_.try_emplace(key, LoweredOp{std::move(kernels), 0});
        if (inserted) {
            const auto next = static_cast<std::uint32_t>(kernelListIds_.size() + 1);
            it->second.id = kernelListIds_.try_emplace(kernelListKey(it->second.kernels), next).first->second;
        }
        lowered = &it->second;
    }
    recent.model = serial_;
    recent.op = &op;
    recent.fixed = fixed;
    recent.sumTerms = op.sumTerms;
    recent.termChannels = op.termChannels;
    recent.lowered = lowered;
    return *lowered;
}

std::vector<std::vector<SimKernel>> SimCostModel::stageStreams(const Graph& g, const Stage& stage,
                                                               const RunConfig& cfg) const {
    if (cfg.batch < 1) throw InputError("batch must be at least 1, got " + std::to_string(cfg.batch));
    const auto checked = [&](OpId id) -> const Op& { return checkedOp(g, id); };
    std::vector<std::vector<SimKernel>> streams;
    if (stage.strategy == Strategy::Merge) {
        std::vector<const Op*> convs;
        for (OpId id : stage.allOps()) convs.push_back(&checked(id));
        if (convs.size() == 1)
            streams.push_back(opKernels(*convs.front(), cfg).kernels);
        else
            streams.push_back(lowerMergedConv(device_, convs, cfg));
        return streams;
    }
    for (const auto& group : stage.groups) {
        std::vector<SimKernel> stream;
        for (OpId id : group) {
            const std::vector<SimKernel>& ks = opKernels(checked(id), cfg).kernels;
            stream.insert(stream.end(), ks.begin(), ks.end());
        }
        streams.push_back(std::move(stream));
    }
    return streams;
}

// stageLatencyUs: a stage whose streams all hold kernels costs its base, a fork per further stream and
// a non-negative simulated time (or, alone, its kernels' positive times) on top; computed in the same
// order, so the floating-point sum is at least this one.
double SimCostModel::stageFloorMs(int groups) const {
    if (groups < 1 || !(device_.stageBaseUs >= 0) || !(device_.streamForkUs >= 0)) return 0;
    return (device_.stageBaseUs + device_.streamForkUs * double(groups - 1)) / 1000.0;
}

// A stream runs its kernels strictly one after another: each is launched (launchUs), runs, and
// waits its tail. Running, a kernel takes at least one round of its blocks (blockUs), its blocks'
// SM time over all the SMs, and its bytes at the whole memory bandwidth (rounds share it): each
// at most its time alone, so the bound holds for the one-stream formula too. The simulation ends
// phases up to kEps early: the margin of 1e-6 covers that and rounding.
double SimCostModel::opChainFloorMs(const Graph& g, OpId op, const RunConfig& cfg) {
    const SimDevice& d = device_;
    const double bandwidth = d.memGBs * 1e3 * d.memEff; // bytes per microsecond
    if (!(d.launchUs >= 0) || !(d.kernelTailUs >= 0) || !(bandwidth > 0) || d.sms < 1) return 0;
    double us = 0;
    for (const SimKernel& k : opKernels(checkedOp(g, op), cfg).kernels) {
        const double smTime = double(k.blocks) * k.blockUs / (double(k.blocksPerSm) * d.sms);
        const double run = std::max({0.0, k.blockUs, smTime, k.bytes / bandwidth});
        us += d.launchUs + std::min(run, k.aloneUs) + d.kernelTailUs;
    }
    return std::isfinite(us) ? us * (1 - 1e-6) / 1000.0 : 0.0;
}

double SimCostModel::stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) {
    if (stage.strategy == Strategy::Concurrent) return concurrentStageLatencyMs(g, stage, cfg);
    return latencyInLaunchOrderMs(device_, stageStreams(g, stage, cfg));
}

// The launch order and simulation of latencyInLaunchOrderMs, computed from the ops' kernel lists
// in place: kernels are only copied when the stage is not already in the cache.
double SimCostModel::concurrentStageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) {
    if (cfg.batch < 1) throw InputError("batch must be at least 1, got " + std::to_string(cfg.batch));
    thread_local std::vector<const LoweredOp*> lowered; // the stage's ops, group after group
    thread_local std::vector<size_t> groupStart;
    thread_local std::vector<LaunchKey> keys;
    thread_local std::string cacheKey;
    lowered.clear();
    groupStart.clear();
    keys.clear();
    bool cacheable = true;
    for (const auto& group : stage.groups) {
        groupStart.push_back(lowered.size());
        for (OpId id : group) {
            const LoweredOp& op = opKernels(checkedOp(g, id), cfg);
            if (op.id == 0) cacheable = false; // not memoized: `op` is reused by the next call
            lowered.push_back(cacheable ? &op : nullptr);
        }
    }
    groupStart.push_back(lowered.size());
    if (!cacheable) return latencyInLaunchOrderMs(device_, stageStreams(g, stage, cfg));
    for (size_t i = 0; i + 1 < groupStart.size(); ++i) {
        double busy = 0, digest = 0;
        for (size_t j = groupStart[i]; j < groupStart[i + 1]; ++j)
            for (const SimKernel& k : lowered[j]->kernels) addToLaunchKey(k, busy, digest);
        keys.push_back({{-busy, digest}, i});
    }
    std::sort(keys.begin(), keys.end());
    cacheKey.clear();
    for (const auto& [key, i] : keys) {
        // Free ops (concat, flatten) add no kernel, so they are left out too.
        for (size_t j = groupStart[i]; j < groupStart[i + 1]; ++j)
            if (!lowered[j]->kernels.empty()) appendId(cacheKey, lowered[j]->id);
        appendId(cacheKey, 0); // ends the stream
    }
    const std::uint64_t hash = std::hash<std::string_view>{}(cacheKey);
    {
        std::shared_lock lock(stageMutex_);
        if (const double* ms = findStage(cacheKey, hash)) return *ms;
    }
    std::vector<std::vector<SimKernel>> ordered;
    ordered.reserve(keys.size());
    for (const auto& [key, i] : keys) {
        std::vector<SimKernel>& stream = ordered.emplace_back();
        for (size_t j = groupStart[i]; j < groupStart[i + 1]; ++j)
            stream.insert(stream.end(), lowered[j]->kernels.begin(), lowered[j]->kernels.end());
    }
    const double ms = stageLatencyUs(device_, ordered) / 1000.0;
    std::unique_lock lock(stageMutex_);
    // Bounds memory (only speed is lost), and keeps offsets into stageKeys_ within 32 bits.
    if (stageCount_ >= kMaxCachedStages || stageKeys_.size() > (size_t(1) << 31)) {
        stageSlots_.clear();
        stageKeys_.clear();
        stageCount_ = 0;
    }
    insertStage(cacheKey, hash, ms);
    return ms;
}

const double* SimCostModel::findStage(std::string_view key, std::uint64_t hash) const {
    if (stageSlots_.empty()) return nullptr;
    const size_t mask = stageSlots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const StageSlot& slot = stageSlots_[i];
        if (slot.keySize == 0) return nullptr;
        if (slot.hash == hash && slot.key(stageKeys_) == key) return &slot.ms;
    }
}

// Adds `key` unless another thread already has (its latency is the same).
void SimCostModel::insertStage(std::string_view key, std::uint64_t hash, double ms) {
    if (findStage(key, hash)) return;
    if ((stageCount_ + 1) * 4 > stageSlots_.size() * 3) {
        std::vector<StageSlot> old = std::move(stageSlots_);
        stageSlots_.assign(std::max<size_t>(1024, old.size() * 2), StageSlot{});
        const size_t mask = stageSlots_.size() - 1;
        for (const StageSlot& slot : old) {
            if (slot.keySize == 0) continue;
            size_t i = slot.hash & mask;
            while (stageSlots_[i].keySize != 0) i = (i + 1) & mask;
            stageSlots_[i] = slot;
        }
    }
    const size_t mask = stageSlots_.size() - 1;
    size_t i = hash & mask;
    while (stageSlots_[i].keySize != 0) i = (i + 1) & mask;
    StageSlot& slot = stageSlots_[i];
    slot.hash = hash;
    slot.ms = ms;
    slot.keySize = static_cast<std::uint32_t>(key.size());
    if (key.size() <= kInlineKey) {
        std::memcpy(slot.inlineKey, key.data(), key.size());
    } else {
        slot.keyAt = static_cast<std::uint32_t>(stageKeys_.size());
        stageKeys_.append(key);
    }
    ++stageCount_;
}

} // namespace ioscope
