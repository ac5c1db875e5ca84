#include "cost/latency_cache.h"

#include "cost/stage_signature.h"
#include "util/errors.h"

#include <mutex>

namespace ioscope {

std::optional<double> LatencyCache::find(const std::string& signature) const {
    std::shared_lock lock(mutex_);
    const auto it = table_.find(signature);
    if (it == table_.end()) return std::nullopt;
    return it->second;
}

void LatencyCache::insert(const std::string& signature, double latencyMs) {
    std::unique_lock lock(mutex_);
    table_.emplace(signature, latencyMs); // keeps the first value stored
}

size_t LatencyCache::size() const {
    std::shared_lock lock(mutex_);
    return table_.size();
}

void LatencyCache::clear() {
    std::unique_lock lock(mutex_);
    table_.clear();
}

CachedCostModel::CachedCostModel(std::unique_ptr<CostModel> inner, std::shared_ptr<LatencyCache> cache)
    : inner_(std::move(inner)), cache_(std::move(cache)) {
    if (!inner_ || !cache_) throw RuntimeFailure("CachedCostModel needs a cost model and a cache");
}

double CachedCostModel::stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) {
    const std::string key = stageSignature(g, stage, cfg);
    if (const auto hit = cache_->find(key)) {
        ++hits_;
        return *hit;
    }
    ++misses_;
    cache_->insert(key, inner_->stageLatencyMs(g, stage, cfg));
    return *cache_->find(key);
}

} // namespace ioscope
