// The fast schedulers: their names, and the one rule that turns streams into stages.
#include "sched/fast_schedulers.h"

#include "graph/op_metrics.h"
#include "sched/sub_dag.h"
#include "util/errors.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>

namespace ioscope {
namespace {

using detail::SubDag;

constexpr std::array<std::pair<FastScheduler, std::string_view>, 6> kNames{{
    {FastScheduler::Sequential, "sequential"},
    {FastScheduler::Wavefront, "wavefront"},
    {FastScheduler::Nimble, "nimble"},
    {FastScheduler::Lios, "lios"},
    {FastScheduler::Opara, "opara"},
    {FastScheduler::Hios, "hios"},
}};

// Opara's view of an op: what it demands of the GPU, from its FLOPs and bytes alone.
struct Demand {
    double flops = 0, bytes = 0;
    bool computeBound = false; // arithmetic intensity at or above the set's median
    bool heavy = false;        // compute-bound and among the set's largest quarter by FLOPs
};

std::vector<Demand> demandsOf(const Graph& g, const SubDag& d) {
    std::vector<Demand> out(static_cast<size_t>(d.size()));
    std::vector<double> intensity, flops;
    for (size_t i = 0; i < out.size(); ++i) {
        const OpMetrics m = opMetrics(g.op(d.ops[i]));
        out[i].flops = m.flops;
        out[i].bytes = m.bytes;
        intensity.push_back(m.flops / std::max(1.0, m.bytes));
        flops.push_back(m.flops);
    }
    if (out.empty()) return out;
    const auto quantile = [](std::vector<double> v, double q) {
        const auto at = v.begin() + static_cast<long>(q * double(v.size() - 1));
        std::nth_element(v.begin(), at, v.end());
        return *at;
    };
    const double medianIntensity = quantile(intensity, 0.5), bigFlops = quantile(flops, 0.75);
    for (size_t i = 0; i < out.size(); ++i) {
        out[i].computeBound = intensity[i] >= medianIntensity;
        out[i].heavy = out[i].computeBound && out[i].flops >= bigFlops && out[i].flops > 0;
    }
    return out;
}

// Opara's launch order of the ready ops: memory- and compute-bound ops alternate (they use
// different resources and overlap well), the smallest demand of each kind first (a small op
// launched behind a large one waits for its blocks). At most one heavy compute-bound op per
// stage: two of them only contend for the SMs.
std::vector<size_t> oparaOrder(const std::vector<int>& heads, const std::vector<Demand>& demand) {
    std::vector<size_t> memory, compute;
    for (size_t h = 0; h < heads.size(); ++h)
        (demand[static_cast<size_t>(heads[h])].computeBound ? compute : memory).push_back(h);
    const auto by = [&](bool flops) {
        return [&, flops](size_t a, size_t b) {
            const Demand &x = demand[static_cast<size_t>(heads[a])],
                         &y = demand[static_cast<size_t>(heads[b])];
            const double kx = flops ? x.flops : x.bytes, ky = flops ? y.flops : y.bytes;
            return kx != ky ? kx < ky : heads[a] < heads[b];
        };
    };
    std::sort(memory.begin(), memory.end(), by(false));
    std::sort(compute.begin(), compute.end(), by(true));
    std::vector<size_t> order;
    bool heavyTaken = false;
    for (size_t m = 0, c = 0; m < memory.size() || c < compute.size();) {
        const bool takeMemory = m < memory.size() && (c >= compute.size() || order.size() % 2 == 0);
        const size_t h = takeMemory ? memory[m++] : compute[c++];
        if (demand[static_cast<size_t>(heads[h])].heavy) {
            if (heavyTaken && !order.empty()) continue;
            heavyTaken = true;
        }
        order.push_back(h);
    }
    return order;
}

// Streams to stages, the way their ops would launch: each stage takes the next op of every
// stream whose producers have run (at most maxGroups of them, in launch order), one group per
// stream; then each group runs on along its stream while the next op's producers have run or
// are in the group, and the group stays no longer (in single-op latencies) than the stage's
// longest: a stage boundary stands for the events that order the streams.
std::vector<Stage> stagesFromStreams(const Graph& g, const SubDag& d,
                                     const std::vector<std::vector<OpId>>& streams, int maxGroups,
                                     const std::vector<double>& singleMs, bool opara) {
    const size_t n = static_cast<size_t>(d.size());
    std::vector<std::vector<int>> local(streams.size());
    for (size_t s = 0; s < streams.size(); ++s)
        for (OpId u : streams[s]) local[s].push_back(d.local[static_cast<size_t>(u)]);
    const std::vector<Demand> demand = opara ? demandsOf(g, d) : std::vector<Demand>{};
    std::vector<char> done(n, 0);
    std::vector<int> groupOf(n, -1); // within the stage being built
    std::vector<size_t> pos(streams.size(), 0);
    const auto ms = [&](int i) { return singleMs[static_cast<size_t>(d.ops[static_cast<size_t>(i)])]; };
    const auto producersRan = [&](int i, int group) {
        for (int p : d.pred[static_cast<size_t>(i)])
            if (!done[static_cast<size_t>(p)] && (group < 0 || groupOf[static_cast<size_t>(p)] != group))
                return false;
        return true;
    };
    std::vector<Stage> stages;
    for (size_t placed = 0; placed < n;) {
        std::vector<int> heads, headStream;
        for (size_t s = 0; s < streams.size(); ++s)
            if (pos[s] < local[s].size() && producersRan(local[s][pos[s]], -1)) {
                heads.push_back(local[s][pos[s]]);
                headStream.push_back(static_cast<int>(s));
            }
        if (heads.empty()) throw RuntimeFailure("fast scheduler: streams out of dependency order");
        std::vector<size_t> order(heads.size());
        if (opara) {
            order = oparaOrder(heads, demand);
        } else { // launch order: topological
            for (size_t h = 0; h < order.size(); ++h) order[h] = h;
            std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return heads[a] < heads[b]; });
        }
        order.resize(std::min(order.size(), static_cast<size_t>(std::max(1, maxGroups))));
        Stage st;
        std::vector<double> groupMs;
        std::vector<size_t> groupStream;
        for (size_t h : order) {
            groupOf[static_cast<size_t>(heads[h])] = static_cast<int>(st.groups.size());
            st.groups.push_back({d.ops[static_cast<size_t>(heads[h])]});
            groupMs.push_back(ms(heads[h]));
            groupStream.push_back(static_cast<size_t>(headStream[h]));
            ++pos[static_cast<size_t>(headStream[h])];
        }
        const double longest = *std::max_element(groupMs.begin(), groupMs.end());
        for (size_t gi = 0; gi < st.groups.size(); ++gi) {
            const size_t s = groupStream[gi];
            while (pos[s] < local[s].size()) {
                const int next = local[s][pos[s]];
                if (!producersRan(next, static_cast<int>(gi)) ||
                    groupMs[gi] + ms(next) > longest * (1 + 1e-12))
                    break;
                groupOf[static_cast<size_t>(next)] = static_cast<int>(gi);
                st.groups[gi].push_back(d.ops[static_cast<size_t>(next)]);
                groupMs[gi] += ms(next);
                ++pos[s];
            }
        }
        for (const auto& group : st.groups)
            for (OpId u : group) {
                const auto i = static_cast<size_t>(d.local[static_cast<size_t>(u)]);
                done[i] = 1;
                groupOf[i] = -1;
                ++placed;
            }
        stages.push_back(std::move(st));
    }
    return stages;
}

std::vector<Stage> wavefrontStages(const SubDag& d, int maxGroups) {
    const size_t n = static_cast<size_t>(d.size());
    std::vector<int> waiting(n);
    std::vector<int> ready;
    for (size_t i = 0; i < n; ++i)
        if ((waiting[i] = static_cast<int>(d.pred[i].size())) == 0) ready.push_back(static_cast<int>(i));
    std::vector<Stage> stages;
    while (!ready.empty()) {
        std::sort(ready.begin(), ready.end());
        const size_t take = std::min(ready.size(), static_cast<size_t>(std::max(1, maxGroups)));
        std::vector<int> next(ready.begin() + static_cast<long>(take), ready.end());
        Stage st;
        for (size_t k = 0; k < take; ++k) {
            st.groups.push_back({d.ops[static_cast<size_t>(ready[k])]});
            for (int s : d.succ[static_cast<size_t>(ready[k])])
                if (--waiting[static_cast<size_t>(s)] == 0) next.push_back(s);
        }
        stages.push_back(std::move(st));
        ready = std::move(next);
    }
    return stages;
}

} // namespace

std::string_view toString(FastScheduler s) {
    for (const auto& [k, name] : kNames)
        if (k == s) return name;
    return "sequential";
}

std::optional<FastScheduler> fastSchedulerFromString(std::string_view s) {
    for (const auto& [k, name] : kNames)
        if (name == s) return k;
    return std::nullopt;
}

const std::vector<FastScheduler>& allFastSchedulers() {
    static const std::vector<FastScheduler> all = [] {
        std::vector<FastScheduler> v;
        for (const auto& entry : kNames) v.push_back(entry.first);
        return v;
    }();
    return all;
}

std::string fastSchedulerNamesText() {
    std::string text;
    for (size_t i = 0; i < kNames.size(); ++i)
        text.append(i == 0 ? "" : i + 1 == kNames.size() ? " or " : ", ").append(kNames[i].second);
    return text;
}

std::vector<Stage> fastStages(FastScheduler s, const Graph& g, const std::vector<OpId>& ops,
                              const SchedulerOptions& options, const std::vector<double>& singleMs) {
    const SubDag d(g, ops);
    const int width = std::max(1, options.maxStreams);
    switch (s) {
    case FastScheduler::Sequential: {
        std::vector<Stage> stages;
        for (OpId u : d.ops) stages.push_back(Stage{Strategy::Concurrent, {{u}}});
        return stages;
    }
    case FastScheduler::Wavefront:
        return wavefrontStages(d, width);
    case FastScheduler::Nimble:
        return stagesFromStreams(g, d, nimbleStreams(g, d.ops), width, singleMs, false);
    case FastScheduler::Lios:
        return stagesFromStreams(g, d, listScheduledStreams(g, d.ops, singleMs, width), width, singleMs,
                                 false);
    case FastScheduler::Opara:
        return stagesFromStreams(g, d, nimbleStreams(g, d.ops), width, singleMs, true);
    case FastScheduler::Hios:
        return stagesFromStreams(g, d, longestPathStreams(g, d.ops, singleMs), width, singleMs, false);
    }
    return {};
}

std::vector<double> singleOpLatenciesMs(const Graph& g, CostModel& cost, const RunConfig& run) {
    std::vector<Stage> singles;
    for (OpId u : g.units()) singles.push_back(Stage{Strategy::Concurrent, {{u}}});
    const std::vector<double> ms = stageLatenciesMs(g, singles, cost, run);
    std::vector<double> out(static_cast<size_t>(g.size()), 0.0);
    for (size_t i = 0; i < singles.size(); ++i) out[static_cast<size_t>(g.units()[i])] = ms[i];
    return out;
}

ScheduleResult fastSchedule(FastScheduler s, const Graph& g, CostModel& cost,
                            const SchedulerOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    ScheduleResult r;
    const bool needsLatencies = s == FastScheduler::Lios || s == FastScheduler::Hios ||
                                s == FastScheduler::Nimble || s == FastScheduler::Opara;
    const std::vector<double> singleMs = needsLatencies
                                             ? singleOpLatenciesMs(g, cost, options.run)
                                             : std::vector<double>(static_cast<size_t>(g.size()), 0.0);
    r.schedule.stages = fastStages(s, g, g.units(), options, singleMs);
    r.latencyMs = predictLatencyMs(g, r.schedule, cost, options.run);
    r.origin = std::string(toString(s));
    r.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.stats.parts = r.stats.partsExact = 0;
    return r;
}

} // namespace ioscope
