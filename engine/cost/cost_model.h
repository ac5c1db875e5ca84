#pragma once
// One interface for stage latencies (DESIGN.md §3): simulated, live GPU profiling, or a
// profile cache replayed offline.
#include "graph/graph.h"
#include "schedule/schedule.h"

#include <optional>
#include <string>
#include <string_view>

namespace ioscope {

enum class Precision { Fp32, Tf32 };
std::string_view toString(Precision p);
std::optional<Precision> precisionFromString(std::string_view s);

struct RunConfig {
    int batch = 1;
    Precision precision = Precision::Fp32;
    bool operator==(const RunConfig&) const = default;
};

class CostModel {
  public:
    virtual ~CostModel() = default;
    // "sim:H100", "gpu", "cache:FILE".
    virtual std::string name() const = 0;
    // The device the latencies describe ("NVIDIA H100 (simulated)", the real GPU's name).
    virtual std::string device() const = 0;
    // Latency in milliseconds of one stage, including what its boundary to the next costs in
    // the mode schedules run in. Must be safe to call from several threads.
    virtual double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) = 0;
};

} // namespace ioscope
