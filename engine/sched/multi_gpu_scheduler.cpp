#include "sched/multi_gpu_scheduler.h"

#include "util/errors.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <numeric>
#include <unordered_map>

namespace ioscope {
namespace {

std::int64_t bytesOf(const Graph& g, OpId id, const RunConfig& run) {
    return g.op(id).out.elements() * run.batch * bytesPerElement(run.precision);
}

// The ops of `ops` (in topological order) as a graph of their own: producers outside it become
// inputs of the same name and shape, so costs and the search see exactly these ops.
Graph subgraphOf(const Graph& g, const std::vector<OpId>& ops, const std::string& name) {
    Graph sub(name);
    std::unordered_map<OpId, OpId> local;
    local.reserve(ops.size() * 2);
    for (OpId u : ops) {
        Op op = g.op(u);
        for (OpId& p : op.inputs) {
            auto it = local.find(p);
            if (it == local.end()) it = local.emplace(p, sub.addInput(g.op(p).name, g.op(p).out)).first;
            p = it->second;
        }
        local[u] = sub.addOp(std::move(op));
    }
    sub.finalize(name);
    return sub;
}

// The longest path among the unplaced ops (placed ones are cut out of the graph), as op ids in
// order; its weight in `weight`.
std::vector<OpId> longestUnplacedPath(const Graph& g, const std::vector<double>& opMs,
                                      const std::vector<int>& device, double& weight) {
    std::vector<double> best(static_cast<size_t>(g.size()), -1.0);
    std::vector<OpId> from(static_cast<size_t>(g.size()), -1);
    OpId end = -1;
    for (OpId u : g.units()) {
        const auto i = static_cast<size_t>(u);
        if (device[i] >= 0) continue;
        double before = 0;
        for (OpId p : g.predecessors(u)) {
            const auto pi = static_cast<size_t>(p);
            if (g.isUnit(p) && device[pi] < 0 && best[pi] > before) before = best[pi], from[i] = p;
        }
        best[i] = before + opMs[i];
        if (end < 0 || best[i] > best[static_cast<size_t>(end)]) end = u;
    }
    std::vector<OpId> path;
    for (OpId u = end; u >= 0; u = from[static_cast<size_t>(u)]) path.push_back(u);
    std::reverse(path.begin(), path.end());
    weight = end >= 0 ? best[static_cast<size_t>(end)] : 0;
    return path;
}

// The schedule of one placement: levels count the device changes on the paths into an op, so
// every copy goes from a lower level to a higher one. Each device's ops of one level are searched
// together (IOS's DP), and the schedule lists the levels in order: no device ever waits on a
// stage listed after the one it runs.
Schedule scheduleForPlacement(const Graph& g, CostModel& cost, const SchedulerOptions& search,
                              const std::vector<int>& placement, int devices, double seconds,
                              CancelFlag cancel, SearchStats& stats) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<int> level(static_cast<size_t>(g.size()), 0);
    int levels = 1;
    for (OpId u : g.units()) {
        int l = 0;
        for (OpId p : g.predecessors(u))
            if (g.isUnit(p))
                l = std::max(l, level[static_cast<size_t>(p)] +
                                    (placement[static_cast<size_t>(p)] != placement[static_cast<size_t>(u)]));
        level[static_cast<size_t>(u)] = l;
        levels = std::max(levels, l + 1);
    }
    std::vector<std::vector<std::vector<OpId>>> blocks(
        static_cast<size_t>(levels), std::vector<std::vector<OpId>>(static_cast<size_t>(devices)));
    for (OpId u : g.units())
        blocks[static_cast<size_t>(level[static_cast<size_t>(u)])]
              [static_cast<size_t>(placement[static_cast<size_t>(u)])]
                  .push_back(u);
    const double units = std::max<double>(1, double(g.units().size()));
    double done = 0;
    Schedule s;
    for (int l = 0; l < levels; ++l)
        for (int d = 0; d < devices; ++d) {
            const std::vector<OpId>& ops = blocks[static_cast<size_t>(l)][static_cast<size_t>(d)];
            if (ops.empty()) continue;
            throwIfCancelled(cancel);
            const Graph sub = subgraphOf(
                g, ops, g.name() + " (device " + std::to_string(d) + ", level " + std::to_string(l) + ")");
            SchedulerOptions o = search;
            if (seconds > 0) {
                const double spent =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                o.timeLimitSeconds = std::max(0.01, (seconds - spent) * double(ops.size()) / (units - done));
            }
            const ScheduleResult part = iosSchedule(sub, cost, o, {}, cancel);
            stats.states += part.stats.states, stats.transitions += part.stats.transitions;
            stats.stagesCosted += part.stats.stagesCosted;
            stats.complete = stats.complete && part.stats.complete;
            stats.parts += part.stats.parts, stats.partsExact += part.stats.partsExact;
            std::unordered_map<std::string, OpId> original;
            for (OpId u : ops) original.emplace(g.op(u).name, u);
            for (const Stage& st : part.schedule.stages) {
                Stage mapped{st.strategy, {}};
                for (const auto& group : st.groups) {
                    std::vector<OpId> ids;
                    for (OpId id : group) ids.push_back(original.at(sub.op(id).name));
                    mapped.groups.push_back(std::move(ids));
                }
                if (d != 0) mapped.devices.assign(mapped.groups.size(), d); // device 0 is the default
                s.stages.push_back(std::move(mapped));
            }
            done += double(ops.size());
        }
    return s;
}

} // namespace

std::vector<int> longestPathPlacement(const Graph& g, const std::vector<double>& opMs, int devices,
                                      const TransferModel& link, const RunConfig& run) {
    std::vector<int> device(static_cast<size_t>(g.size()), -1);
    std::vector<double> load(static_cast<size_t>(devices), 0.0);
    size_t left = g.units().size();
    // Where a neighbour lives: Input ops are on device 0; -1 when not placed yet.
    const auto placedOn = [&](OpId id) { return g.isUnit(id) ? device[static_cast<size_t>(id)] : 0; };
    const auto place = [&](const std::vector<OpId>& ops, double ms) {
        int bestDevice = 0;
        double bestEnd = 0;
        for (int d = 0; d < devices; ++d) {
            // Copies the path would need: what it reads from other devices, what placed
            // consumers on other devices read from it.
            double copies = 0;
            for (OpId u : ops) {
                std::vector<OpId> counted;
                for (OpId p : g.predecessors(u)) {
                    const int at = placedOn(p);
                    if (at >= 0 && at != d && std::find(counted.begin(), counted.end(), p) == counted.end()) {
                        copies += link.transferMs(bytesOf(g, p, run));
                        counted.push_back(p);
                    }
                }
                for (OpId s : g.successors(u)) {
                    const int at = placedOn(s);
                    if (at >= 0 && at != d) {
                        copies += link.transferMs(bytesOf(g, u, run));
                        break; // one copy per device would do; one is a fair estimate
                    }
                }
            }
            const double endMs = load[static_cast<size_t>(d)] + ms + copies;
            if (d == 0 || endMs < bestEnd) bestDevice = d, bestEnd = endMs;
        }
        for (OpId u : ops) device[static_cast<size_t>(u)] = bestDevice;
        load[static_cast<size_t>(bestDevice)] += ms;
        left -= ops.size();
    };
    while (left > 0) {
        double ms = 0;
        const std::vector<OpId> path = longestUnplacedPath(g, opMs, device, ms);
        bool edgesLeft = path.size() > 1;
        for (OpId u : g.units())
            for (OpId p : g.predecessors(u))
                edgesLeft = edgesLeft || (device[static_cast<size_t>(u)] < 0 && g.isUnit(p) &&
                                          device[static_cast<size_t>(p)] < 0);
        if (edgesLeft) {
            place(path, ms);
            continue;
        }
        // Every op left is a path of its own (no edges among them): placing them one search at a
        // time would be quadratic on a 10,000-wide fan-out, so they go longest first in one pass.
        std::vector<OpId> rest;
        for (OpId u : g.units())
            if (device[static_cast<size_t>(u)] < 0) rest.push_back(u);
        std::stable_sort(rest.begin(), rest.end(), [&](OpId a, OpId b) {
            return opMs[static_cast<size_t>(a)] > opMs[static_cast<size_t>(b)];
        });
        for (OpId u : rest) place({u}, opMs[static_cast<size_t>(u)]);
    }
    return device;
}

MultiGpuResult multiGpuSchedule(const Graph& g, CostModel& cost, const MultiGpuOptions& options,
                                const ProgressCallback& progress, CancelFlag cancel) {
    if (options.devices < 1 || options.devices > kMaxDevices)
        throw InputError("devices: expected 1.." + std::to_string(kMaxDevices) + ", got " +
                         std::to_string(options.devices));
    const auto start = std::chrono::steady_clock::now();
    const double limit = options.search.timeLimitSeconds;
    const auto left = [&] {
        const double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return std::max(0.01, limit - spent);
    };
    MultiGpuResult r;

    // The single-device schedule: the baseline, and the answer on one device. It gets half the
    // time limit; the devices' searches share what is left.
    SchedulerOptions single = options.search;
    if (limit > 0) single.timeLimitSeconds = options.devices > 1 ? limit / 2 : limit;
    const ScheduleResult one = iosSchedule(g, cost, single, {}, cancel);
    r.singleDevice = one.schedule;
    r.singleDeviceMs = one.latencyMs;
    r.stats = one.stats;
    if (options.devices == 1) {
        r.schedule = r.multiDevice = r.singleDevice;
        r.multiDeviceMs = r.singleDeviceMs;
        r.placement = deviceOfOps(g, r.schedule);
        r.timeline = predictMultiDevice(g, r.schedule, cost, options.link, options.search.run);
        r.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return r;
    }

    std::vector<double> opMs(static_cast<size_t>(g.size()), 0.0);
    for (OpId u : g.units())
        opMs[static_cast<size_t>(u)] =
            cost.stageLatencyMs(g, Stage{Strategy::Concurrent, {{u}}}, options.search.run);
    // HIOS's placement weighs copies at what the link costs; a placement that weighs them more
    // keeps more of each branch on one device. Each is scheduled and predicted with the real
    // link, and the fastest kept.
    constexpr double kCopyWeights[] = {1, 3, 10, 30, 100, 300, 1000};
    bool first = true;
    for (size_t c = 0; c < std::size(kCopyWeights); ++c) {
        TransferModel weighed = options.link;
        weighed.bandwidthGBs /= kCopyWeights[c];
        weighed.latencyUs *= kCopyWeights[c];
        const std::vector<int> placement =
            longestPathPlacement(g, opMs, options.devices, weighed, options.search.run);
        const double budget = limit > 0 ? left() / double(std::size(kCopyWeights) - c) : 0;
        Schedule candidate = scheduleForPlacement(g, cost, options.search, placement, options.devices, budget,
                                                  cancel, r.stats);
        const double ms = predictMultiDevice(g, candidate, cost, options.link, options.search.run).latencyMs;
        if (first || ms < r.multiDeviceMs) {
            r.multiDevice = std::move(candidate);
            r.multiDeviceMs = ms;
            r.placement = placement;
        }
        first = false;
        if (progress) {
            Progress p;
            p.fraction = double(c + 1) / double(std::size(kCopyWeights));
            p.states = r.stats.states;
            p.transitions = r.stats.transitions;
            p.stagesCosted = r.stats.stagesCosted;
            p.bestLatencyMs = std::min(r.singleDeviceMs, r.multiDeviceMs);
            progress(p);
        }
    }
    // Several devices only where a placement that uses them is predicted faster.
    bool several = false;
    for (const Stage& st : r.multiDevice.stages) several = several || !st.devices.empty();
    r.usesSeveral = several && r.multiDeviceMs < r.singleDeviceMs;
    r.schedule = r.usesSeveral ? r.multiDevice : r.singleDevice;
    r.timeline = predictMultiDevice(g, r.schedule, cost, options.link, options.search.run);
    r.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

} // namespace ioscope
