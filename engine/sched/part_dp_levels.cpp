// PartDp::useThreads: a large part solved bottom-up, the states of one size at a time, split over
// threads. A state's remainders are all smaller, so within a level the memo and the latency tables
// are only read; each thread keeps the latencies it costs, joined between levels.
#include "sched/part_dp.h"
#include "util/errors.h"

#include <atomic>
#include <exception>
#include <thread>
#include <utility>

namespace ioscope::detail {

namespace {

constexpr size_t kChunk = 4; // states a thread takes at once

} // namespace

// Every state of the part by size: every predecessor-closed subset, each reached from a larger one
// by taking away a sink (the top-down search reaches each too: single-op endings are always listed).
std::vector<std::vector<Mask>> PartDp::statesBySize() const {
    std::vector<std::vector<Mask>> bySize(static_cast<size_t>(n_) + 1);
    bySize.back().push_back(all_);
    MaskMap<char> seen;
    for (size_t k = bySize.size() - 1; k > 1; --k)
        for (Mask state : bySize[k])
            for (Mask rest = state; rest; rest &= rest - 1) {
                const int v = lowestBit(rest);
                const Mask sub = state & ~bitOf(v);
                if ((succ_[static_cast<size_t>(v)] & state) != 0 || seen.find(sub)) continue;
                seen.put(sub, 1);
                bySize[k - 1].push_back(sub);
                if ((seen.size() & 4095) == 0) throwIfCancelled(cancel_); // a wide part has billions
            }
    return bySize;
}

double PartDp::solveLevels() {
    const std::vector<std::vector<Mask>> bySize = statesBySize();
    size_t states = 0;
    for (const std::vector<Mask>& level : bySize) states += level.size();
    if (states < levelStates_) return solveState(walk_, all_);

    std::vector<Walk> helpers(static_cast<size_t>(threads_ - 1));
    std::vector<SearchCounters> helperCounters(helpers.size());
    for (size_t h = 0; h < helpers.size(); ++h) {
        helpers[h].counters = &helperCounters[h];
        helpers[h].reports = false; // progress is the caller's thread's
        helpers[h].level = true;
    }
    std::vector<Best> solved;
    for (size_t k = 1; k < bySize.size(); ++k) {
        const std::vector<Mask>& level = bySize[k];
        solved.assign(level.size(), Best{});
        std::atomic<size_t> next{0};
        std::atomic<bool> stop{false};
        const auto work = [&](Walk& walk) {
            for (size_t i; !stop && (i = next.fetch_add(kChunk)) < level.size();)
                for (size_t j = i; j < std::min(level.size(), i + kChunk); ++j)
                    solved[j] = solveFresh(walk, level[j]);
        };
        std::vector<std::exception_ptr> errors(helpers.size());
        std::vector<std::thread> running;
        for (size_t h = 0; h < helpers.size() && level.size() > kChunk; ++h)
            running.emplace_back([&, h] {
                try {
                    work(helpers[h]);
                } catch (...) {
                    errors[h] = std::current_exception();
                    stop = true;
                }
            });
        walk_.level = true;
        try {
            work(walk_);
        } catch (...) { // cancelled: the helpers stop at their next state
            stop = true;
            for (std::thread& t : running) t.join();
            walk_.level = false;
            throw;
        }
        for (std::thread& t : running) t.join();
        walk_.level = false;
        for (const std::exception_ptr& e : errors)
            if (e) std::rethrow_exception(e);

        for (size_t j = 0; j < level.size(); ++j) {
            memo_.put(level[j], solved[j].cost);
            decisions_.put(level[j], Decision{solved[j].ending, solved[j].merge});
        }
        joinLevel(walk_);
        for (size_t h = 0; h < helpers.size(); ++h) {
            joinLevel(helpers[h]);
            counters_.states += std::exchange(helperCounters[h].states, 0);
            counters_.transitions += std::exchange(helperCounters[h].transitions, 0);
        }
        doneOps_ = static_cast<int>(k);
    }
    return *memo_.find(all_);
}

// Two threads may have costed one ending: it counts once, as in the top-down search.
void PartDp::joinLevel(Walk& walk) {
    const auto join = [&](MaskMap<double>& costed, MaskMap<double>& into) {
        costed.forEach([&](Mask ending, double ms) {
            if (into.find(ending)) return;
            into.put(ending, ms);
            ++counters_.stagesCosted;
        });
        costed = MaskMap<double>();
    };
    join(walk.newConcurrent, concurrentCache_);
    join(walk.newMerge, mergeCache_);
}

} // namespace ioscope::detail
