// improveByWindows: windows of consecutive stages re-solved exactly by the DP, growing pass by pass.
#include "sched/window_search.h"

#include <algorithm>
#include <numeric>

namespace ioscope::detail {

namespace {

long long countStates(const Graph& g, const std::vector<OpId>& ops, long long cap, bool& capped,
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

} // namespace

long long countClosedSubsets(const Graph& g, const std::vector<OpId>& ops, long long cap, bool& capped,
                             const std::function<bool()>& stop) {
    return countStates(g, ops, cap, capped, stop);
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

double improveByMoves(const Graph& g, std::vector<Stage>& stages, std::vector<double>& stageMs,
                      CostModel& cost, const SchedulerOptions& options, const std::vector<double>& singleMs,
                      SearchCounters& counters, const std::function<bool()>& expired, int* movesMade) {
    const auto total = [&] { return std::accumulate(stageMs.begin(), stageMs.end(), 0.0); };
    if (options.strategy == StrategySet::Merge) return total();
    std::vector<int> stageOf(static_cast<size_t>(g.size()), -1);
    const auto index = [&] {
        std::fill(stageOf.begin(), stageOf.end(), -1);
        for (size_t k = 0; k < stages.size(); ++k)
            for (const auto& group : stages[k].groups)
                for (OpId u : group) stageOf[static_cast<size_t>(u)] = static_cast<int>(k);
    };
    index();
    Stage from, to;
    // Moves beside producers or consumers are tried only once no other move is left (taken
    // first, they lead to worse local optima on the random CNNs of docs/benchmarks.md).
    for (bool chains = false;;) {
        bool moved = false;
        // `moved` is tested first: a move may have erased stage a (and with it the group).
        for (size_t a = 0; !moved && a < stages.size(); ++a) {
            if (stages[a].strategy != Strategy::Concurrent || !stages[a].devices.empty()) continue;
            for (size_t gi = 0; !moved && gi < stages[a].groups.size(); ++gi)
                for (size_t oi = 0; !moved && oi < stages[a].groups[gi].size(); ++oi) {
                    if (expired()) return total();
                    const OpId v = stages[a].groups[gi][oi];
                    // The stages v may run in alone in a group: after each producer's, before each
                    // consumer's (those of earlier or later parts do not bind).
                    int lo = 0, hi = static_cast<int>(stages.size()) - 1;
                    for (OpId p : g.predecessors(v))
                        if (const int k = stageOf[static_cast<size_t>(p)]; k >= 0) lo = std::max(lo, k + 1);
                    for (OpId c : g.successors(v))
                        if (const int k = stageOf[static_cast<size_t>(c)]; k >= 0) hi = std::min(hi, k - 1);
                    from = stages[a];
                    from.groups[gi].erase(from.groups[gi].begin() + std::ptrdiff_t(oi));
                    if (from.groups[gi].empty()) from.groups.erase(from.groups.begin() + std::ptrdiff_t(gi));
                    // A stage left empty goes, and its latency with it.
                    const double fromMs =
                        from.groups.empty() ? 0.0 : stageMsOf(g, from, cost, options, singleMs, counters);
                    double bestGain = 0;
                    size_t bestStage = 0, bestGroup = 0;
                    bool bestFront = false;
                    // v in group `tg` of stage b (a new group when tg is past the last), at its
                    // front or its end.
                    const auto place = [&](Stage& st, size_t tg, bool front) {
                        if (tg == st.groups.size())
                            st.groups.push_back({v});
                        else if (front)
                            st.groups[tg].insert(st.groups[tg].begin(), v);
                        else
                            st.groups[tg].push_back(v);
                    };
                    const auto tryPlace = [&](int b, size_t tg, bool front) {
                        const Stage& target = stages[static_cast<size_t>(b)];
                        if (size_t(b) == a || target.strategy != Strategy::Concurrent ||
                            !target.devices.empty())
                            return;
                        if (tg == target.groups.size()
                                ? int(tg) >= options.maxGroups
                                : int(target.groups[tg].size()) >= options.maxGroupSize)
                            return;
                        const double old = stageMs[a] + stageMs[static_cast<size_t>(b)];
                        to = target;
                        place(to, tg, front);
                        const double gain =
                            old - fromMs - stageMsOf(g, to, cost, options, singleMs, counters);
                        if (gain > bestGain + 1e-12 * old) {
                            bestGain = gain;
                            bestStage = static_cast<size_t>(b);
                            bestGroup = tg;
                            bestFront = front;
                        }
                    };
                    // Between its producers' stages and its consumers': a group of its own or the end
                    // of any group (no edge joins it to the stage).
                    for (int b = lo; b <= hi; ++b)
                        for (size_t tg = 0; tg <= stages[static_cast<size_t>(b)].groups.size(); ++tg)
                            tryPlace(b, tg, false);
                    // In its latest producers' stage, after them, when they are all in one group; in
                    // its earliest consumers' stage, before them, likewise.
                    const auto onlyGroup = [&](int b, const std::vector<OpId>& ops) -> size_t {
                        const Stage& st = stages[static_cast<size_t>(b)];
                        size_t found = st.groups.size();
                        for (OpId u : ops) {
                            if (stageOf[static_cast<size_t>(u)] != b) continue;
                            for (size_t k = 0; k < st.groups.size(); ++k)
                                if (std::find(st.groups[k].begin(), st.groups[k].end(), u) !=
                                    st.groups[k].end()) {
                                    if (found != st.groups.size() && found != k) return st.groups.size();
                                    found = k;
                                }
                        }
                        return found;
                    };
                    if (chains && lo > 0 && lo - 1 <= hi)
                        if (const size_t k = onlyGroup(lo - 1, g.predecessors(v));
                            k < stages[size_t(lo - 1)].groups.size())
                            tryPlace(lo - 1, k, false);
                    if (chains && hi + 1 < static_cast<int>(stages.size()) && hi + 1 >= lo)
                        if (const size_t k = onlyGroup(hi + 1, g.successors(v));
                            k < stages[size_t(hi + 1)].groups.size())
                            tryPlace(hi + 1, k, true);
                    if (bestGain <= 0) continue;
                    Stage& target = stages[bestStage];
                    place(target, bestGroup, bestFront);
                    stageMs[bestStage] = stageMsOf(g, target, cost, options, singleMs, counters);
                    stages[a] = from;
                    stageMs[a] = fromMs;
                    if (from.groups.empty()) {
                        stages.erase(stages.begin() + std::ptrdiff_t(a));
                        stageMs.erase(stageMs.begin() + std::ptrdiff_t(a));
                    }
                    moved = true;
                    if (movesMade) ++*movesMade;
                    index();
                }
        }
        if (moved)
            chains = false;
        else if (chains)
            break;
        else
            chains = true;
    }
    return total();
}

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
    // Stages [i, last] replaced by `better` when it is faster than they are; true when replaced.
    const auto replace = [&](size_t i, size_t last, double bestMs, std::vector<Stage> better) {
        double before = 0;
        for (size_t k = i; k <= last; ++k) before += stageMs[k];
        if (!(bestMs < before * (1 - 1e-12))) return false;
        std::vector<double> betterMs;
        for (const Stage& s : better) betterMs.push_back(stageMsOf(g, s, cost, options, singleMs, counters));
        stages.erase(stages.begin() + std::ptrdiff_t(i), stages.begin() + std::ptrdiff_t(last + 1));
        stageMs.erase(stageMs.begin() + std::ptrdiff_t(i), stageMs.begin() + std::ptrdiff_t(last + 1));
        stages.insert(stages.begin() + std::ptrdiff_t(i), better.begin(), better.end());
        stageMs.insert(stageMs.begin() + std::ptrdiff_t(i), betterMs.begin(), betterMs.end());
        current = std::min(current, total());
        return true;
    };
    const auto dpTick = [&](double) {
        if (expired()) throw WindowBudgetExhausted{};
        report();
    };
    // The first windows are small enough to solve in milliseconds; each pass that improves
    // nothing quadruples the states a window may hold.
    long long cap =
        st.cap > 0 ? std::min(st.cap, maxWindowStates) : std::min<long long>(1000, maxWindowStates);
    while (!expired()) {
        // A pass whose windows were all solved before runs no DP, the DP's own cancel check with it.
        throwIfCancelled(cancel);
        st.cap = cap;
        bool improved = false;
        ++st.passes;
        // Single ops moved between stages first (cheap: two stages costed a move).
        {
            const int movesBefore = st.moves;
            improveByMoves(g, stages, stageMs, cost, options, singleMs, counters, expired, &st.moves);
            if (st.moves > movesBefore) {
                current = std::min(current, total());
                report();
                improved = true;
            }
            if (expired()) return total();
        }
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
            const bool whole = i == 0 && last + 1 == stages.size();
            size_t windowStages = last - i + 1;
            // A window of ops solved before whose stages already cost its optimum is not solved
            // again (its DP depends on its ops alone).
            std::vector<OpId> key = window;
            std::sort(key.begin(), key.end());
            double before = 0;
            for (size_t k = i; k <= last; ++k) before += stageMs[k];
            const auto known = st.solved.find(key);
            if (known == st.solved.end() || before > known->second * (1 + 1e-12) || whole) {
                PartDp dp(g, window, cost, options, singleMs, counters, cancel, dpTick);
                dp.useThreads(st.threads);
                double best = 0;
                try {
                    best = dp.solve();
                } catch (const WindowBudgetExhausted&) {
                    return total();
                }
                st.largestWindowStates = std::max(st.largestWindowStates, states);
                ++st.windowsSolved;
                st.solved[std::move(key)] = best;
                std::vector<Stage> better = dp.bestStages();
                const size_t betterStages = better.size();
                if (replace(i, last, best, std::move(better))) {
                    windowStages = betterStages;
                    improved = true;
                    ++st.windowsImproved;
                }
                report();
            }
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
