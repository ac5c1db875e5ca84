#pragma once
// The event-driven core of the simulated cost model: streams of kernels sharing the SMs and the
// memory bandwidth of one GPU (docs/cost-model.md).
#include "cost/sim_kernels.h"

#include <vector>

namespace ioscope {

struct SimKernelSpan {
    int stream = 0;
    int index = 0;       // position in its stream
    double launchUs = 0; // dispatched by the front end
    double startUs = 0;  // first block on an SM
    double endUs = 0;    // completion signalled (after the tail)
};

struct SimTimeline {
    double makespanUs = 0;
    std::vector<SimKernelSpan> kernels;
};

// Runs the streams side by side from time 0: kernels of one stream in order, each dispatched
// by a shared, serialized front end (launchUs), then holding up to the SMs its blocks fill
// (earlier kernels first), then a fixed tail (kernelTailUs) before the next one of its stream.
SimTimeline simulateStreams(const SimDevice& dev, const std::vector<std::vector<SimKernel>>& streams);

// Latency of a stage whose groups lowered to these streams: the boundary (fork/join events)
// plus the makespan. Streams without kernels cost nothing; a stage without kernels is free.
double stageLatencyUs(const SimDevice& dev, const std::vector<std::vector<SimKernel>>& streams);

} // namespace ioscope
