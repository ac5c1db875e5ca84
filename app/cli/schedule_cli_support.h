#pragma once
// What the schedule, evaluate and trace commands share: the run options (--batch, --precision),
// the cost model (--cost) and the stage list as JSON.
#include "cli_args.h"
#include "cost/cost_model.h"
#include "gpu/gpu_execution.h"
#include "schedule/schedule_json.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace ioscope::cli {

// --batch, --precision and --layout nhwc|nchw, defaulting to `fallback`.
RunConfig runConfigFromArgs(const Args& args, const RunConfig& fallback = {});

// A schedule's own batch, precision and layout unless the arguments say otherwise; a value that
// differs from the schedule's is said on stderr (its stages were chosen for the schedule's).
RunConfig scheduleRunConfig(const Args& args, const ScheduleDocument& doc, const std::string& schedulePath);

// --layout auto (or no --layout where `byDefault`): the layout is chosen by measuring the
// sequential schedule in both on `gpu` (gpu/gpu_execution.h); the choice is printed as a note.
bool layoutByMeasurement(const Args& args, bool byDefault);
void chooseLayoutIfAsked(GpuContext& gpu, const Graph& g, const Args& args, bool byDefault,
                         ExecutionOptions& options);

// --cost SPEC (default `fallbackSpec`) built for `run`; the live models measure on `gpu`, the
// command's context, which must outlive the model.
std::unique_ptr<CostModel> costModelFromArgs(const Args& args, const RunConfig& run, GpuContext& gpu,
                                             const std::string& fallbackSpec = "sim");

// --mode stages|graph (default graph).
ExecMode execModeFromArgs(const Args& args);

// The cost spec to re-use from a schedule file: its own when it is a simulated one (cheap and
// available everywhere), else plain "sim".
std::string defaultCostSpecFor(const ScheduleDocument& doc);

// [{strategy, groups: [[names]]}], with each stage's latency when `stageMs` is given.
nlohmann::json stagesJson(const Graph& g, const Schedule& s, const std::vector<double>* stageMs = nullptr);

} // namespace ioscope::cli
