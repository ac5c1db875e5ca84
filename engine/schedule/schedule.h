#pragma once
// Schedules: an ordered list of stages. Every op of stage k finishes before any op of stage
// k+1 starts. Semantics in docs/semantics.md, "Schedules".
#include "graph/graph.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ioscope {

enum class Strategy {
    Concurrent, // each group is a chain run in order on its own stream; groups run together
    Merge,      // the ops (all convs on the same input) run as one convolution; one group
};

std::string_view toString(Strategy s);
std::optional<Strategy> strategyFromString(std::string_view s);

// The most devices (GPUs of one host) a schedule may place groups on.
inline constexpr int kMaxDevices = 16;

struct Stage {
    Strategy strategy = Strategy::Concurrent;
    std::vector<std::vector<OpId>> groups;
    // The device of each group (several GPUs of one host, docs/multi_gpu.md); empty when every
    // group runs on device 0, as in every single-device schedule.
    std::vector<int> devices;

    int deviceOf(size_t group) const { return devices.empty() ? 0 : devices[group]; }

    int opCount() const;
    std::vector<OpId> allOps() const;
    bool operator==(const Stage&) const = default;
};

struct Schedule {
    std::vector<Stage> stages;
    bool operator==(const Schedule&) const = default;
};

// The sequential schedule: one op per stage, in topological order. Every scheduler is compared
// with it, and the executors' reference runs use it.
Schedule sequentialSchedule(const Graph& g);

// Throws InputError naming the offending op: every unit exactly once, no Input op, producers
// in earlier stages or earlier in the same group, no edge between groups of one stage, and
// merge stages obeying the merge rule.
void validateSchedule(const Graph& g, const Schedule& s, const std::string& source = {});

// The merge rule (docs/semantics.md, "Schedules") for a set of ops: all Conv, the same single input, groups
// 1, equal stride, dilation, activation and output size. Returns an empty string when they can be merged,
// else the reason.
std::string mergeRuleViolation(const Graph& g, const std::vector<OpId>& ops);

} // namespace ioscope
