#pragma once
// Schedule JSON v1 (docs/formats.md, "Schedule JSON v1"): the stages of one schedule with the
// model they belong to (name and content hash), how they were found, what they are predicted
// to cost and, when run, what they measured.
#include "graph/graph.h"
#include "schedule/run_config.h"
#include "schedule/schedule.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ioscope {

inline constexpr const char* kScheduleFormat = "ioscope-schedule";
inline constexpr int kScheduleVersion = 1;

struct ScheduleSearchInfo {
    long long states = 0;
    long long transitions = 0;
    long long stagesCosted = 0;
    double seconds = 0;
    // False when a time limit stopped the search (its unfinished parts took a baseline).
    bool complete = true;
    double timeLimitSeconds = 0; // 0: none
    // A lower bound on any schedule's latency under the cost model, and the answer's gap to it
    // (latency / bound - 1); absent in files written before they existed.
    std::optional<double> lowerBoundMs, gap;
};

// Results of running the schedule on a device; every field is optional.
struct MeasuredLatency {
    std::optional<double> medianMs, p10Ms, p90Ms;
    std::optional<int> runs;
    std::optional<std::string> mode;   // "stages" or "graph"
    std::optional<std::string> device; // the GPU's name
    // A search judged as a whole: the candidate kept ("searched", "wavefront", "hios", ...) and
    // each candidate's whole-run time, in the order judged.
    std::optional<std::string> kept;
    std::vector<std::pair<std::string, double>> candidates;
};

struct ScheduleDocument {
    std::string modelName, modelHash;
    std::vector<std::string> members; // an ensemble's member names, as read (written from the graph)
    std::string scheduler = "ios";    // ios, wavefront, sequential, exhaustive, or a tool's name
    // Search parameters as used (r, s, strategy, max part size, max streams).
    int maxGroupSize = 3, maxGroups = 8, maxPartSize = 50, maxStreams = 10;
    std::string strategy = "both";
    std::string costModel, device; // "sim:H100", "NVIDIA H100 (simulated)"
    RunConfig run;
    Schedule schedule;
    std::optional<double> latencyMs; // predicted under costModel
    std::optional<ScheduleSearchInfo> search;
    std::optional<MeasuredLatency> measured;
};

// A document for `g` with its name and hash filled in.
ScheduleDocument makeScheduleDocument(const Graph& g, Schedule schedule);

std::string scheduleToJson(const Graph& g, const ScheduleDocument& doc);

// Parses and checks a document against `g`: the model name and hash must match, and the stages
// must form a valid schedule of `g` (validateSchedule). Throws InputError naming `file`.
ScheduleDocument scheduleFromJson(const Graph& g, const std::string& text, const std::string& file);

ScheduleDocument loadScheduleFile(const Graph& g, const std::string& path);
void saveScheduleFile(const Graph& g, const ScheduleDocument& doc, const std::string& path); // atomic

} // namespace ioscope
