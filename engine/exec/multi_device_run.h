#pragma once
// The CPU reference run of a schedule over several devices, done the way the GPUs would do it
// (docs/multi_gpu.md): every device holds its own tensors, a tensor made on another device is
// read only once a copy of the predicted timeline has brought it over, and the devices' stage
// parts run in the order of their predicted start times, not the schedule's order. The outputs
// are read on device 0. A part that reads a tensor its device does not hold yet is an error,
// so the run checks the timeline's copies as well as the schedule's numbers.
#include "exec/cpu_executor.h"
#include "sched/multi_device_timeline.h"

namespace ioscope {

// `timeline` is predictMultiDevice's for `s`. Throws RuntimeFailure when a part reads a tensor
// not on its device at its start, or an output is not on device 0 at the end.
CpuRunResult runOnDevices(const CpuExecutor& cpu, const Schedule& s, const MultiDeviceTimeline& timeline,
                          const std::vector<Tensor>& inputs);

} // namespace ioscope
