#pragma once
// Measured kernel timelines through the CUPTI Activity API (concurrent-kernel records): start,
// end, stream and name of every kernel of one run, optionally tagged with the stage that
// launched it (external correlation ids pushed around each stage's launches).
#include "gpu/gpu_execution.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ioscope::gpu {

struct RawKernel {
    std::uint64_t start = 0, end = 0; // ns, GPU clock
    std::uint32_t stream = 0;
    std::uint32_t correlation = 0;
    std::int64_t tag = -1; // the external id active at launch (the stage), -1 when none
    std::string name;
};

// What a tagged launch carries as its external correlation id: the stage and the op whose
// program launched it.
struct LaunchTag {
    int stage = -1;
    OpId op = -1;
};
std::uint64_t encodeTag(const LaunchTag& t);
LaunchTag decodeTag(std::int64_t tag); // -1 (untagged): both -1

// Records kernels between start() and stop(). One recording at a time per process.
class KernelRecorder {
  public:
    void start();
    std::vector<RawKernel> stop(); // sorted by start time
    // Tags launches made until popTag() (stages mode).
    static void pushTag(std::uint64_t tag);
    static void popTag();
};

// Fills result.kernels (times relative to the first kernel), busyFraction, meanConcurrency and
// stageMs. `tagOf[i]` is the stage and op of kernel i (same order as `kernels`), or -1s.
void summarizeTimeline(const std::vector<RawKernel>& kernels, const std::vector<LaunchTag>& tagOf,
                       int stageCount, ExecutionResult& result);

} // namespace ioscope::gpu
