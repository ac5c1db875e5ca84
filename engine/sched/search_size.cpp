// estimateSearchSize: the IOS DP's state count per part, counted before the search runs.
#include "analysis/partition.h"
#include "sched/scheduler.h"
#include "sched/window_search.h"

#include <algorithm>
#include <cstdio>

namespace ioscope {
namespace {

std::string grouped(long long v) {
    std::string s = std::to_string(v);
    for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(s.begin() + i, ',');
    return s;
}

} // namespace

std::string SearchSizeEstimate::summary() const {
    return std::to_string(parts) + " parts, " + (capped ? "over " : "") + grouped(states) +
           " DP states (largest part: " + (capped ? "over " : "") + grouped(largestPartStates) + " states; " +
           std::to_string(largestPartOps) + " ops in the largest part)";
}

SearchSizeEstimate estimateSearchSize(const Graph& g, const SchedulerOptions& options, long long stateCap) {
    SearchSizeEstimate e;
    long long left = std::max<long long>(1, stateCap);
    for (const Block& block : partitionBlocks(g, options.maxPartSize))
        for (const std::vector<OpId>& part : block.parts) {
            ++e.parts;
            e.largestPartOps = std::max(e.largestPartOps, static_cast<int>(part.size()));
            if (e.capped) continue;
            const long long states = detail::countClosedSubsets(g, part, left, e.capped);
            e.states += states;
            e.largestPartStates = std::max(e.largestPartStates, states);
            left -= states;
            if (left <= 0) e.capped = true;
        }
    return e;
}

// Here beside the size estimate: both are the search's words to the front ends.
std::string timeLimitNote(const SearchStats& stats, double timeLimitSeconds) {
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g", timeLimitSeconds);
    const std::string parts = std::to_string(stats.parts) + (stats.parts == 1 ? " part" : " parts");
    std::string note;
    if (stats.partsExact >= stats.parts) {
        // Only live profiling stops a search whose parts all finished: its measuring ran out.
        note = std::string("the time limit (") + limit + " s) stopped the " +
               (stats.stagesEstimated > 0 ? "measuring" : "search") + ": " +
               (stats.parts == 1 ? "the only part was" : "all " + parts + " were") + " searched exactly";
    } else {
        // A wide part whose moves and windows stop improving, and whose exact DP would not fit
        // the time left, ends before the limit: the limit did not stop it.
        const bool early =
            stats.stagesEstimated == 0 && stats.seconds > 0 && stats.seconds < 0.9 * timeLimitSeconds;
        note = early ? std::string("the search ended before its time limit (") + limit + " s): "
                     : std::string("the time limit (") + limit + " s) stopped the search: ";
        note += std::to_string(stats.partsExact) + " of " + parts +
                " searched exactly, the others kept the best fast schedule improved by single-op moves and "
                "windowed DP" +
                (early ? " until neither improved it (their exact DP would not fit the limit)" : "");
    }
    if (stats.stagesEstimated > 0)
        note +=
            ", with " + grouped(stats.stagesEstimated) +
            (stats.stagesEstimated == 1 ? " stage not measured in time costed as its ops"
                                        : " stages not measured in time costed as their ops") +
            " one after another (the chosen schedule's stages were measured after, and each part kept the "
            "fastest measured stages of any pass)";
    if (stats.estimatesCorrected)
        note += "; the first pass asked for more stages than the limit could measure, so the later passes "
                "searched on estimates corrected by a measured sample of them";
    return note;
}

} // namespace ioscope
