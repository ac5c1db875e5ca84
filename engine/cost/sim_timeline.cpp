#include "cost/sim_timeline.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ioscope {
namespace {

enum class Phase { Ready, Launching, Running, Tail, Done };

struct StreamState {
    Phase phase = Phase::Done;
    size_t kernel = 0;
    double readyAt = 0;  // Ready: when the previous kernel of the stream completed
    double phaseEnd = 0; // Launching / Tail: when the phase ends
    double remaining = 1;
    double runOrder = 0; // Running: when it reached the SMs (earlier kernels get SMs first)
    double rate = 0;     // Running: fraction of the kernel done per microsecond
    size_t span = 0;
};

constexpr double kEps = 1e-9;

} // namespace

SimTimeline simulateStreams(const SimDevice& dev, const std::vector<std::vector<SimKernel>>& streams) {
    SimTimeline out;
    std::vector<StreamState> st(streams.size());
    size_t total = 0;
    for (size_t s = 0; s < streams.size(); ++s) {
        total += streams[s].size();
        if (!streams[s].empty()) st[s].phase = Phase::Ready;
    }
    const double bandwidth = dev.memGBs * 1e3 * dev.memEff; // bytes per microsecond
    double t = 0, dispatchFree = 0;
    // Each kernel passes four phases, each ending in one event: the loop is bounded.
    for (size_t guard = 0; guard < 16 * total + 16; ++guard) {
        // The front end dispatches one kernel at a time, the longest-waiting first.
        int next = -1;
        for (size_t s = 0; s < st.size(); ++s)
            if (st[s].phase == Phase::Ready && st[s].readyAt <= t + kEps &&
                (next < 0 || st[s].readyAt < st[size_t(next)].readyAt))
                next = int(s);
        if (next >= 0 && dispatchFree <= t + kEps) {
            StreamState& s = st[size_t(next)];
            s.phase = Phase::Launching;
            s.phaseEnd = t + dev.launchUs;
            dispatchFree = s.phaseEnd;
            s.span = out.kernels.size();
            out.kernels.push_back({next, int(s.kernel), t, 0, 0});
        }
        // SMs go to running kernels in the order they arrived; each takes what its blocks fill.
        std::vector<size_t> running;
        for (size_t s = 0; s < st.size(); ++s)
            if (st[s].phase == Phase::Running) running.push_back(s);
        std::sort(running.begin(), running.end(), [&](size_t a, size_t b) {
            return st[a].runOrder < st[b].runOrder || (st[a].runOrder == st[b].runOrder && a < b);
        });
        double freeSms = dev.sms, bytesRate = 0;
        std::vector<double> alloc(st.size(), 0.0);
        for (size_t s : running) {
            const SimKernel& k = streams[s][st[s].kernel];
            const double demand = std::ceil(double(k.blocks) / k.blocksPerSm);
            alloc[s] = std::min(demand, freeSms);
            freeSms -= alloc[s];
            st[s].rate = alloc[s] >= 1 ? 1.0 / std::max(kEps, kernelBusyUs(dev, k, alloc[s])) : 0.0;
            bytesRate += k.bytes * st[s].rate;
        }
        if (bytesRate > bandwidth) { // the memory bandwidth is shared in proportion to demand
            const double share = bandwidth / bytesRate;
            for (size_t s : running)
                if (alloc[s] >= 1)
                    st[s].rate =
                        1.0 / std::max(kEps, kernelBusyUs(dev, streams[s][st[s].kernel], alloc[s], share));
        }
        // Next event.
        double tNext = std::numeric_limits<double>::infinity();
        for (size_t s = 0; s < st.size(); ++s) {
            const StreamState& x = st[s];
            if (x.phase == Phase::Launching || x.phase == Phase::Tail)
                tNext = std::min(tNext, x.phaseEnd);
            else if (x.phase == Phase::Running && x.rate > 0)
                tNext = std::min(tNext, t + x.remaining / x.rate);
            else if (x.phase == Phase::Ready)
                tNext = std::min(tNext, std::max({x.readyAt, dispatchFree, t}));
        }
        if (!std::isfinite(tNext)) break; // every stream is done
        const double dt = std::max(0.0, tNext - t);
        for (size_t s : running) st[s].remaining -= st[s].rate * dt;
        t = tNext;
        for (size_t s = 0; s < st.size(); ++s) {
            StreamState& x = st[s];
            if (x.phase == Phase::Launching && x.phaseEnd <= t + kEps) {
                x.phase = Phase::Running;
                x.remaining = 1;
                x.runOrder = t;
                out.kernels[x.span].startUs = t;
            } else if (x.phase == Phase::Running && x.remaining <= 1e-7) {
                x.phase = Phase::Tail;
                x.phaseEnd = t + dev.kernelTailUs;
            } else if (x.phase == Phase::Tail && x.phaseEnd <= t + kEps) {
                out.kernels[x.span].endUs = t;
                out.makespanUs = std::max(out.makespanUs, t);
                x.phase = ++x.kernel < streams[s].size() ? Phase::Ready : Phase::Done;
                x.readyAt = t;
            }
        }
    }
    return out;
}

double stageLatencyUs(const SimDevice& dev, const std::vector<std::vector<SimKernel>>& streams) {
    const auto active =
        std::count_if(streams.begin(), streams.end(), [](const auto& s) { return !s.empty(); });
    if (active == 0) return 0;
    return dev.stageBaseUs + dev.streamForkUs * double(active - 1) + simulateStreams(dev, streams).makespanUs;
}

} // namespace ioscope
