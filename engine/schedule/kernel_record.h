#pragma once
// One kernel of a measured run (the CUPTI timeline of gpu/gpu_execution.h), as views and traces
// draw it.
#include <string>

namespace ioscope {

struct KernelRecord {
    std::string name;
    double startMs = 0, endMs = 0; // relative to the run's first kernel
    int stream = 0;
    int stage = -1;
    // The op whose program launched the kernel (a merged convolution: its first op), -1 when
    // unknown. Exact in stages mode; in graph mode matched by name within the stage.
    int op = -1;
};

} // namespace ioscope
