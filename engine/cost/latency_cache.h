#pragma once
// A thread-safe table of stage latencies keyed by stage signature, and a CostModel decorator
// that consults it before asking the model it wraps.
#include "cost/cost_model.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace ioscope {

class LatencyCache {
  public:
    std::optional<double> find(const std::string& signature) const;
    void insert(const std::string& signature, double latencyMs);
    size_t size() const;
    void clear();

  private:
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, double> table_;
};

class CachedCostModel : public CostModel {
  public:
    // `cache` may be shared by several models only when they describe the same device.
    explicit CachedCostModel(std::unique_ptr<CostModel> inner,
                             std::shared_ptr<LatencyCache> cache = std::make_shared<LatencyCache>());

    std::string name() const override { return inner_->name(); }
    std::string device() const override { return inner_->device(); }
    // Two threads missing the same signature at once may both ask the inner model; the first
    // answer stored wins, so every caller sees one value per signature.
    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override;

    std::uint64_t hits() const { return hits_.load(); }
    std::uint64_t misses() const { return misses_.load(); }
    LatencyCache& cache() { return *cache_; }
    CostModel& inner() { return *inner_; }

  private:
    std::unique_ptr<CostModel> inner_;
    std::shared_ptr<LatencyCache> cache_;
    std::atomic<std::uint64_t> hits_{0}, misses_{0};
};

} // namespace ioscope
