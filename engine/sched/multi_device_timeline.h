#pragma once
// The predicted timeline of a schedule whose groups run on several GPUs of one host
// (docs/multi_gpu.md). Each device runs its part of every stage in schedule order, one part
// after the other; a part starts when its device is free and every tensor it reads from another
// device has arrived. A tensor is copied to a device once, over the link between the two
// devices (one copy at a time per direction), when its producer has finished. The network's
// input starts on device 0 and its outputs are gathered there. On one device this is the sum of
// the stage latencies, as for every other schedule.
#include "cost/cost_model.h"
#include "cost/transfer_model.h"
#include "schedule/schedule.h"

#include <cstdint>
#include <vector>

namespace ioscope {

struct DeviceStageSpan {
    int stage = 0;  // index into the schedule's stages
    int device = 0; // this span runs the stage's groups on this device
    double startMs = 0, endMs = 0;
};

struct TransferSpan {
    OpId tensor = -1; // the op whose output is copied
    int from = 0, to = 0;
    std::int64_t bytes = 0;
    double startMs = 0, endMs = 0;
};

struct MultiDeviceTimeline {
    int devices = 1;
    double latencyMs = 0;                // until the last output is on device 0
    std::vector<DeviceStageSpan> spans;  // schedule order
    std::vector<TransferSpan> transfers; // in the order they were issued
    std::vector<double> busyMs;          // per device: time running stages
    std::vector<int> stagesPerDevice;    // per device: stage parts run
    double transferMs() const;           // summed over all copies
};

// The device of every op under a schedule (-1 for Input ops, which live on device 0).
std::vector<int> deviceOfOps(const Graph& g, const Schedule& s);

// Throws InputError when the schedule is invalid (validateSchedule).
MultiDeviceTimeline predictMultiDevice(const Graph& g, const Schedule& s, CostModel& cost,
                                       const TransferModel& link, const RunConfig& run);

} // namespace ioscope
