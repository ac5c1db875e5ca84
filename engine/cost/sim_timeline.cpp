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
    double readyAt = 0;       // Ready: when the previous kernel of the stream completed
    double phaseEnd = 0;      // Launching / Tail: when the phase ends
    long long blocksLeft = 0; // Running: blocks not yet placed on an SM
    int roundsInFlight = 0;   // Running: rounds of blocks on SMs
    size_t span = 0;
};

// Blocks of one kernel placed together on free SMs; they hold their share of the SMs (blocks /
// blocksPerSm, in SM units) until they all finish: a block once started cannot move to SMs that
// free up later. Memory bandwidth, in contrast, is shared fluidly by the rounds in flight.
struct Round {
    size_t stream;
    double smUnits;
    double computeUs;       // the blocks' compute time
    double bytes;           // what the blocks move
    double capBytesPerUs;   // the bandwidth their SMs could draw alone
    double remaining = 1;   // fraction of the round still to do
    double rate = 0;        // fraction per microsecond at the current bandwidth share
    double ratedScale = -1; // the bandwidth scale `rate` was computed for
};

constexpr double kEps = 1e-9;

// The simulation; with `out` it also records every kernel's span. The scratch vectors live on
// across calls of a thread: the DP simulates hundreds of thousands of stages.
double simulate(const SimDevice& dev, const std::vector<std::vector<SimKernel>>& streams, SimTimeline* out) {
    thread_local std::vector<StreamState> stStore;
    thread_local std::vector<Round> roundStore;
    thread_local std::vector<size_t> fifoStore; // running kernels with blocks to place, in arrival order
    // References taken once: every use of a thread_local recomputes its address.
    std::vector<StreamState>& st = stStore;
    std::vector<Round>& rounds = roundStore;
    std::vector<size_t>& fifo = fifoStore;
    st.assign(streams.size(), StreamState{});
    rounds.clear();
    fifo.clear();
    double makespanUs = 0;
    size_t totalKernels = 0;
    long long totalBlocks = 0;
    for (size_t s = 0; s < streams.size(); ++s) {
        totalKernels += streams[s].size();
        for (const SimKernel& k : streams[s]) totalBlocks += k.blocks;
        if (!streams[s].empty()) st[s].phase = Phase::Ready;
    }
    const double bandwidth = dev.memGBs * 1e3 * dev.memEff; // bytes per microsecond
    if (out) out->kernels.reserve(totalKernels);
    double t = 0, dispatchFree = 0, freeUnits = dev.sms;
    double scale = 1.0;
    bool roundsChanged = true;
    const size_t streamCount = st.size();
    // Every iteration handles at least one event (a phase or a round ending), so the loop is
    // bounded by the kernels' phases plus their rounds (at most one per block).
    const long long guard = 8 * static_cast<long long>(totalKernels) + 2 * totalBlocks + 16;
    for (long long it = 0; it < guard; ++it) {
        // Rounds ending now give their SMs back.
        for (size_t i = 0; i < rounds.size();) {
            if (rounds[i].remaining > 1e-9) {
                ++i;
                continue;
            }
            freeUnits = std::min<double>(dev.sms, freeUnits + rounds[i].smUnits);
            StreamState& x = st[rounds[i].stream];
            if (--x.roundsInFlight == 0 && x.blocksLeft == 0) {
                x.phase = Phase::Tail;
                x.phaseEnd = t + dev.kernelTailUs;
            }
            rounds[i] = rounds.back();
            rounds.pop_back();
            roundsChanged = true;
        }
        // Phases ending now, and the stream the front end dispatches next: the longest-waiting
        // ready one (a stream's phase change concerns it alone, so one pass does both).
        const double tEps = t + kEps;
        int next = -1;
        double nextReadyAt = 0;
        for (size_t s = 0; s < streamCount; ++s) {
            StreamState& x = st[s];
            if (x.phase == Phase::Launching) {
                if (x.phaseEnd <= tEps) {
                    x.phase = Phase::Running;
                    x.blocksLeft = streams[s][x.kernel].blocks;
                    if (out) out->kernels[x.span].startUs = t;
                    fifo.push_back(s);
                }
            } else if (x.phase == Phase::Tail) {
                if (x.phaseEnd <= tEps) {
                    if (out) out->kernels[x.span].endUs = t;
                    makespanUs = std::max(makespanUs, t);
                    x.phase = ++x.kernel < streams[s].size() ? Phase::Ready : Phase::Done;
                    x.readyAt = t;
                }
            }
            if (x.phase == Phase::Ready && x.readyAt <= tEps && (next < 0 || x.readyAt < nextReadyAt)) {
                next = int(s);
                nextReadyAt = x.readyAt;
            }
        }
        if (next >= 0 && dispatchFree <= tEps) {
            StreamState& x = st[size_t(next)];
            x.phase = Phase::Launching;
            x.phaseEnd = t + dev.launchUs;
            dispatchFree = x.phaseEnd;
            if (out) {
                x.span = out->kernels.size();
                out->kernels.push_back({next, int(x.kernel), t, 0, 0});
            }
        }
        // Free SMs go to the running kernels in arrival order, as many blocks as fit.
        if (!fifo.empty()) {
            for (size_t s : fifo) {
                const SimKernel& k = streams[s][st[s].kernel];
                const long long fit = static_cast<long long>(std::floor(freeUnits * k.blocksPerSm + kEps));
                const long long n = std::min(st[s].blocksLeft, fit);
                if (n < 1) continue;
                const double units = double(n) / k.blocksPerSm;
                const double bytes = k.bytes * double(n) / double(k.blocks);
                rounds.push_back(
                    {s, units, k.blockUs, bytes, bytes / std::max(kEps, memoryUs(dev, k, double(n)))});
                freeUnits -= units;
                roundsChanged = true;
                st[s].blocksLeft -= n;
                ++st[s].roundsInFlight;
            }
            std::erase_if(fifo, [&](size_t s) { return st[s].blocksLeft == 0; });
        }
        // Rounds draw bandwidth in proportion to what their SMs could draw alone. The scale is a
        // function of the rounds in flight (in their order) and a round's rate of the scale:
        // both are recomputed only when what they depend on changed (the divisions dominated).
        if (roundsChanged) {
            double capSum = 0;
            for (const Round& r : rounds) capSum += r.capBytesPerUs;
            scale = capSum > bandwidth ? bandwidth / capSum : 1.0;
            roundsChanged = false;
        }
        // Next event.
        double tNext = std::numeric_limits<double>::infinity();
        for (Round& r : rounds) {
            if (r.ratedScale != scale) {
                r.rate =
                    1.0 / std::max({kEps, r.computeUs, r.bytes / std::max(kEps, r.capBytesPerUs * scale)});
                r.ratedScale = scale;
            }
            tNext = std::min(tNext, t + r.remaining / r.rate);
        }
        for (size_t s = 0; s < streamCount; ++s) {
            const StreamState& x = st[s];
            if (x.phase == Phase::Launching || x.phase == Phase::Tail)
                tNext = std::min(tNext, x.phaseEnd);
            else if (x.phase == Phase::Ready)
                tNext = std::min(tNext, std::max({x.readyAt, dispatchFree, t}));
        }
        if (!std::isfinite(tNext)) break; // every stream is done
        const double dt = std::max(0.0, tNext - t);
        for (Round& r : rounds) r.remaining -= r.rate * dt;
        t = std::max(t, tNext);
    }
    return makespanUs;
}

} // namespace

SimTimeline simulateStreams(const SimDevice& dev, const std::vector<std::vector<SimKernel>>& streams) {
    SimTimeline out;
    out.makespanUs = simulate(dev, streams, &out);
    return out;
}

double stageLatencyUs(const SimDevice& dev, const std::vector<std::vector<SimKernel>>& streams) {
    const auto active =
        std::count_if(streams.begin(), streams.end(), [](const auto& s) { return !s.empty(); });
    if (active == 0) return 0;
    if (active == 1) { // one stream has the GPU to itself: its kernels' times add up
        double us = dev.stageBaseUs;
        for (const auto& s : streams)
            for (const SimKernel& k : s) us += dev.launchUs + k.aloneUs + dev.kernelTailUs;
        return us;
    }
    return dev.stageBaseUs + dev.streamForkUs * double(active - 1) + simulate(dev, streams, nullptr);
}

} // namespace ioscope
