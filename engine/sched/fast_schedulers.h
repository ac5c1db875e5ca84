#pragma once
// The fast schedulers of the field (docs/schedulers.md), in ioscope's engine and cost models:
// each assigns ops to streams its own way, then the streams become stages of concurrent groups
// (docs/semantics.md, "Schedules"), the model ioscope costs and runs. They take milliseconds where the IOS DP
// may take hours, serve as the anytime search's incumbents, and are compared side by side.
//   sequential  one op per stage, topological order
//   wavefront   every ready op, one per group, at most maxStreams a stage
//   nimble      Nimble (NeurIPS 2020): streams = a minimum path cover of the transitive reduction
//   lios        LIOS (IEEE TSC 2023): list scheduling, highest priority op to the earliest-finishing stream
//   opara       Opara (arXiv 2312.10351): Nimble's streams, resource- and interference-aware launch order
//   hios        HIOS (2023): streams = longest paths by latency, taken greedily
#include "sched/scheduler.h"

#include <optional>
#include <string_view>
#include <vector>

namespace ioscope {

enum class FastScheduler { Sequential, Wavefront, Nimble, Lios, Opara, Hios };

std::string_view toString(FastScheduler s);
std::optional<FastScheduler> fastSchedulerFromString(std::string_view s);
// Every fast scheduler, in the order above.
const std::vector<FastScheduler>& allFastSchedulers();
// "sequential, wavefront, nimble, lios, opara or hios" (for usage messages).
std::string fastSchedulerNamesText();

// The stages of `ops` (units of `g` in topological order; producers outside `ops` count as
// done, as for a part of a search). `singleMs[op]` is each op's latency alone under `cost`.
// Cost-model free but for those single-op latencies, so safe with any model.
std::vector<Stage> fastStages(FastScheduler s, const Graph& g, const std::vector<OpId>& ops,
                              const SchedulerOptions& options, const std::vector<double>& singleMs);

// The whole graph's schedule and its latency predicted under `cost`.
ScheduleResult fastSchedule(FastScheduler s, const Graph& g, CostModel& cost,
                            const SchedulerOptions& options);

// Each unit's latency alone under `cost`, indexed by OpId (0 for inputs).
std::vector<double> singleOpLatenciesMs(const Graph& g, CostModel& cost, const RunConfig& run);

// Stream assignments (each stream an ordered list of ops; together a partition of `ops`).
std::vector<std::vector<OpId>> nimbleStreams(const Graph& g, const std::vector<OpId>& ops);
std::vector<std::vector<OpId>> longestPathStreams(const Graph& g, const std::vector<OpId>& ops,
                                                  const std::vector<double>& singleMs);
std::vector<std::vector<OpId>> listScheduledStreams(const Graph& g, const std::vector<OpId>& ops,
                                                    const std::vector<double>& singleMs, int streams);

} // namespace ioscope
