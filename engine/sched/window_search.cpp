// improveByWindows: windows of consecutive stages re-solved exactly by the DP, growing pass by pass.
#include "sched/window_search.h"

#include <algorithm>
#include <numeric>

namespace ioscope::detail {

long long countClosedSubsets(const Graph& g, const std::vector<OpId>& ops, long long cap, bool& capped,
                             const std::function<bool()>& stop) {
    const int n = static_cast<int>(ops.size());
    if (n > kMaxPartOps) {
        capped = true;
        return cap;
    }
    std::vector<int> local(static_cast<size_t>(g.size()), -1);
    for (int i = 0; i < n; ++i) local[static_cast<size_t>(ops[static_cast<size_t>(i)])] = i;
    std::vector<Mask> succ(static_cast<size_t>(n), 0);
    for (int i = 0; i < n; ++i)
        for (OpId s : g.successors(ops[static_cast<size_t>(i)]))
            if (const int j = local[static_cast<size_t>(s)]; j >= 0) succ[static_cast<size_t>(i)] |= bitOf(j);
    if (n == 0) return 0;
    // Every closed subset is reached from the whole set by removing sinks one at a time.
    const Mask all = n == 64 ? ~Mask(0) : bitOf(n) - 1;
    MaskMap<char> seen;
    seen.put(all, 1);
    std::vector<Mask> stack{all};
    while (!stack.empty()) {
        const Mask state = stack.back();
        stack.pop_back();
        for (Mask rest = state; rest; rest &= rest - 1) {
            const int v = lowestBit(rest);
            if (succ[static_cast<size_t>(v)] & state) continue; // not a sink of the state
            const Mask next = state & ~bitOf(v);
            if (next == 0 || seen.find(next)) continue;
            seen.put(next, 1);
            if (static_cast<long long>(seen.size()) >= cap || (stop && (seen.size() & 4095) == 0 && stop())) {
                capped = true;
                return cap;
            }
            stack.push_back(next);
        }
    }
    return static_cast<long long>(seen.size());
}

namespace {

double stageMsOf(const Graph& g, const Stage& st, CostModel& cost, const SchedulerOptions& options,
                 const std::vector<double>& singleMs, SearchCounters& counters) {
    if (st.opCount() == 1) return singleMs[static_cast<size_t>(st.groups.front().front())];
    ++counters.stagesCosted;
    return cost.stageLatencyMs(g, st, options.run);
}

void appendOps(const Stage& st, std::vector<OpId>& out) {
    for (const auto& group : st.groups) out.insert(out.end(), group.begin(), group.end());
}

} // namespace

double improveByWindows(const Graph& g, std::vector<Stage>& stages, std::vector<double>& stageMs,
                        CostModel& cost, const SchedulerOptions& options, const std::vector<double>& singleMs,
                        SearchCounters& counters, CancelFlag cancel, const std::function<bool()>& expired,
                        long long maxWindowStates, WindowSearchStats* stats,
                        const std::function<void(double latencyMs)>& progress) {
    WindowSearchStats local;
    WindowSearchStats& st = stats ? *stats : local;
    double current = std::accumulate(stageMs.begin(), stageMs.end(), 0.0);
    const auto total = [&] { return std::accumulate(stageMs.begin(), stageMs.end(), 0.0); };
    const auto report = [&] {
        if (progress) progress(current);
    };
    report();
    // The first windows are small enough to solve in milliseconds; each pass that improves
    // nothing quadruples the states a window may hold.
    long long cap = std::min<long long>(1000, maxWindowStates);
    while (!expired()) {
        bool improved = false;
        ++st.passes;
        for (size_t i = 0; i < stages.size();) {
            if (expired()) return total();
            // The window: stage i and as many stages after it as fit in `cap` states.
            std::vector<OpId> window;
            appendOps(stages[i], window);
            bool capped = false;
            long long states = countClosedSubsets(g, window, cap, capped, expired);
            if (capped) {
                ++i;
                continue;
            }
            size_t last = i;
            while (last + 1 < stages.size()) {
                std::vector<OpId> wider = window;
                appendOps(stages[last + 1], wider);
                bool widerCapped = false;
                const long long widerStates = countClosedSubsets(g, wider, cap, widerCapped, expired);
                if (widerCapped) break;
                window = std::move(wider);
                states = widerStates;
                ++last;
            }
            if (last == i && stages[i].opCount() == 1) {
                ++i;
                continue;
            }
            st.largestWindowStates = std::max(st.largestWindowStates, states);
            PartDp dp(g, window, cost, options, singleMs, counters, cancel, [&](double) {
                if (expired()) throw WindowBudgetExhausted{};
                report();
            });
            double best = 0;
            try {
                best = dp.solve();
            } catch (const WindowBudgetExhausted&) {
                return total();
            }
            ++st.windowsSolved;
            const bool whole = i == 0 && last + 1 == stages.size();
            double before = 0;
            for (size_t k = i; k <= last; ++k) before += stageMs[k];
            size_t windowStages = last - i + 1;
            if (best < before * (1 - 1e-12)) {
                std::vector<Stage> better = dp.bestStages();
                std::vector<double> betterMs;
                for (const Stage& s : better)
                    betterMs.push_back(stageMsOf(g, s, cost, options, singleMs, counters));
                stages.erase(stages.begin() + std::ptrdiff_t(i), stages.begin() + std::ptrdiff_t(last + 1));
                stageMs.erase(stageMs.begin() + std::ptrdiff_t(i),
                              stageMs.begin() + std::ptrdiff_t(last + 1));
                stages.insert(stages.begin() + std::ptrdiff_t(i), better.begin(), better.end());
                stageMs.insert(stageMs.begin() + std::ptrdiff_t(i), betterMs.begin(), betterMs.end());
                windowStages = better.size();
                improved = true;
                ++st.windowsImproved;
                current = std::min(current, total());
            }
            report();
            if (whole) {
                st.coveredWholePart = true;
                return total();
            }
            if (i + windowStages >= stages.size()) break;
            // Windows overlap by half, so a stage boundary is inside some window.
            i += std::max<size_t>(1, windowStages / 2);
        }
        if (!improved) {
            if (cap >= maxWindowStates) {
                st.converged = true;
                break;
            }
            cap = std::min(maxWindowStates, cap * 4);
        }
    }
    return total();
}

} // namespace ioscope::detail
