#pragma once
// Schedules over several GPUs of one host, after HIOS (Kundu and Shu, CLUSTER 2023): ops are
// placed on devices along longest paths, then IOS's dynamic program orders each device's ops
// into stages. Predicted with the multi-device timeline (sched/multi_device_timeline.h), whose
// copies between devices cost what the link model says. docs/multi_gpu.md has the details.
#include "cost/transfer_model.h"
#include "sched/multi_device_timeline.h"
#include "sched/scheduler.h"

#include <atomic>
#include <vector>

namespace ioscope {

struct MultiGpuOptions {
    int devices = 2;
    TransferModel link = transferModelFromString("nvlink");
    // r, s, strategies, part size, run configuration and the time limit, which is shared by all
    // the searches (the single-device one and each device's).
    SchedulerOptions search;
};

struct MultiGpuResult {
    Schedule schedule;            // the faster of the multi-device and the single-device schedule
    bool usesSeveral = false;     // false when one device was predicted at least as fast and kept
    MultiDeviceTimeline timeline; // of `schedule`
    Schedule multiDevice;         // the multi-device schedule, kept or not
    double multiDeviceMs = 0;
    Schedule singleDevice; // IOS on one device under the same cost model
    double singleDeviceMs = 0;
    std::vector<int> placement; // per op: its device in `multiDevice` (-1 for Input ops)
    SearchStats stats;          // over every search
};

// HIOS's placement: the longest path (op latencies in `opMs`, a copy's time on every edge
// between devices) among the ops not yet placed goes, whole, to the device where it would end
// first given the load already there; repeated until every op is placed. Per op its device,
// -1 for Input ops (they live on device 0).
std::vector<int> longestPathPlacement(const Graph& g, const std::vector<double>& opMs, int devices,
                                      const TransferModel& link, const RunConfig& run);

// Throws InputError for bad options (devices outside 1..kMaxDevices), Cancelled when *cancel
// becomes true.
MultiGpuResult multiGpuSchedule(const Graph& g, CostModel& cost, const MultiGpuOptions& options,
                                const ProgressCallback& progress = {}, CancelFlag cancel = nullptr);

} // namespace ioscope
