// exhaustiveSchedule: every valid schedule of a tiny graph, built forward stage by stage with no
// memoization and no shared code with the DP, so tests can hold the DP against it.
#include "sched/scheduler.h"
#include "util/errors.h"

#include <bit>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>

namespace ioscope {
namespace {

constexpr int kMaxExhaustiveUnits = 10;

class Exhaustive {
  public:
    Exhaustive(const Graph& g, CostModel& cost, const SchedulerOptions& options)
        : g_(g), cost_(cost), options_(options), units_(g.units()) {
        n_ = static_cast<int>(units_.size());
        std::vector<int> local(static_cast<size_t>(g.size()), -1);
        for (int i = 0; i < n_; ++i) local[static_cast<size_t>(units_[static_cast<size_t>(i)])] = i;
        preds_.assign(static_cast<size_t>(n_), 0);
        neighbours_.assign(static_cast<size_t>(n_), 0);
        for (int i = 0; i < n_; ++i)
            for (OpId p : g.predecessors(units_[static_cast<size_t>(i)]))
                if (const int j = local[static_cast<size_t>(p)]; j >= 0) {
                    preds_[static_cast<size_t>(i)] |= 1u << j;
                    neighbours_[static_cast<size_t>(i)] |= 1u << j;
                    neighbours_[static_cast<size_t>(j)] |= 1u << i;
                }
    }

    ScheduleResult run() {
        const auto start = std::chrono::steady_clock::now();
        std::vector<Stage> stages;
        search(0, 0.0, stages);
        ScheduleResult r;
        r.schedule.stages = best_;
        r.latencyMs = bestMs_;
        r.origin = "exhaustive";
        r.stats.states = schedules_;
        r.stats.transitions = transitions_;
        r.stats.stagesCosted = static_cast<long long>(cache_.size());
        r.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return r;
    }

  private:
    using Set = std::uint32_t;

    void search(Set done, double ms, std::vector<Stage>& stages) {
        const Set all = (Set(1) << n_) - 1;
        if (done == all) {
            ++schedules_;
            if (ms < bestMs_) {
                bestMs_ = ms;
                best_ = stages;
            }
            return;
        }
        const Set rest = all & ~done;
        for (Set t = rest; t; t = (t - 1) & rest) {
            if (!runnable(done, t)) continue;
            for (int merge = 0; merge < 2; ++merge) {
                std::optional<Stage> st = makeStage(t, merge != 0);
                if (!st) continue;
                ++transitions_;
                const double stageMs = latency(t, merge != 0, *st);
                stages.push_back(std::move(*st));
                search(done | t, ms + stageMs, stages);
                stages.pop_back();
            }
        }
    }

    // Every op of t has its producers done before or inside t.
    bool runnable(Set done, Set t) const {
        for (Set m = t; m; m &= m - 1)
            if ((preds_[static_cast<size_t>(std::countr_zero(m))] & ~(done | t)) != 0) return false;
        return true;
    }

    std::optional<Stage> makeStage(Set t, bool merge) const {
        const int size = std::popcount(t);
        Stage st;
        if (merge) {
            if (options_.strategy == StrategySet::Parallel || size < 2) return std::nullopt;
            st.strategy = Strategy::Merge;
            st.groups.push_back(opsOf(t));
            if (!mergeRuleViolation(g_, st.groups.front()).empty()) return std::nullopt;
            return st;
        }
        if (options_.strategy == StrategySet::Merge && size > 1) return std::nullopt;
        // Groups: the weakly connected components of t, each in topological (id) order.
        Set left = t;
        while (left) {
            Set comp = left & (~left + 1), grown = 0;
            while (grown != comp) {
                grown = comp;
                for (Set m = grown; m; m &= m - 1)
                    comp |= neighbours_[static_cast<size_t>(std::countr_zero(m))] & t;
            }
            left &= ~comp;
            if (std::popcount(comp) > options_.maxGroupSize) return std::nullopt;
            st.groups.push_back(opsOf(comp));
            if (static_cast<int>(st.groups.size()) > options_.maxGroups) return std::nullopt;
        }
        return st;
    }

    std::vector<OpId> opsOf(Set t) const {
        std::vector<OpId> ops;
        for (Set m = t; m; m &= m - 1) ops.push_back(units_[static_cast<size_t>(std::countr_zero(m))]);
        return ops;
    }

    double latency(Set t, bool merge, const Stage& st) {
        const auto key = (std::uint64_t(t) << 1) | (merge ? 1 : 0);
        if (const auto it = cache_.find(key); it != cache_.end()) return it->second;
        const double ms = cost_.stageLatencyMs(g_, st, options_.run);
        cache_.emplace(key, ms);
        return ms;
    }

    const Graph& g_;
    CostModel& cost_;
    const SchedulerOptions& options_;
    std::vector<OpId> units_;
    int n_ = 0;
    std::vector<Set> preds_, neighbours_; // producers; producers and consumers
    std::map<std::uint64_t, double> cache_;
    std::vector<Stage> best_;
    double bestMs_ = std::numeric_limits<double>::infinity();
    long long schedules_ = 0, transitions_ = 0;
};

} // namespace

ScheduleResult exhaustiveSchedule(const Graph& g, CostModel& cost, const SchedulerOptions& options) {
    if (g.units().size() > static_cast<size_t>(kMaxExhaustiveUnits))
        throw InputError("exhaustive search is limited to " + std::to_string(kMaxExhaustiveUnits) +
                         " ops, '" + g.name() + "' has " + std::to_string(g.units().size()));
    if (options.maxGroupSize < 1 || options.maxGroups < 1)
        throw InputError("max group size (r) and max number of groups (s) must be at least 1");
    return Exhaustive(g, cost, options).run();
}

} // namespace ioscope
