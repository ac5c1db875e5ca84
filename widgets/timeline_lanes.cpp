#include "timeline_lanes.h"

#include "graph/op_metrics.h"
#include "op_colors.h"
#include "op_labels.h"
#include "util/errors.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace ioscope::widgets {

TimelineLane scheduleLane(const Graph& g, const Schedule& schedule, const std::vector<double>& stageLatencyMs,
                          const QString& name) {
    if (stageLatencyMs.size() != schedule.stages.size())
        throw InputError("timeline: " + std::to_string(stageLatencyMs.size()) + " stage latencies for " +
                         std::to_string(schedule.stages.size()) + " stages in lane '" + name.toStdString() +
                         "'");
    TimelineLane lane;
    lane.name = name;
    const auto opName = [&g](OpId op) {
        return op >= 0 && op < g.size() ? QString::fromStdString(g.op(op).name) : QString();
    };
    // Ensembles: op names start with their member's ("squeezenet#2/fire8/sum"). Stages mix
    // members, so labels name the member by a short tag and then the op's own telling part.
    QStringList members, tags;
    for (const std::string& m : g.members()) members << QString::fromStdString(m);
    tags = memberTags(members);
    const auto memberOf = [&](OpId op) {
        const int m = op >= 0 && op < g.size() ? g.op(op).member : -1;
        return m >= 0 && m < members.size() ? m : -1;
    };
    const auto ownName = [&](OpId op) {
        const int m = memberOf(op);
        return m >= 0 ? withoutMemberPrefix(opName(op), members[m]) : opName(op);
    };
    double t = 0;
    for (size_t k = 0; k < schedule.stages.size(); ++k) {
        const Stage& stage = schedule.stages[k];
        // Ops shown side by side share their block's name ("mixed_6b/"): labels drop it.
        QStringList stageNames;
        for (const auto& group : stage.groups)
            for (OpId op : group) stageNames << ownName(op);
        const QString stagePrefix = commonNamePrefix(stageNames);
        const double span = std::max(0.0, stageLatencyMs[k]);
        TimelineStageBand band;
        band.stage = static_cast<int>(k);
        band.startMs = t;
        band.endMs = t + span;
        band.strategy = stage.strategy;
        band.groups = static_cast<int>(stage.groups.size());
        band.ops = stage.opCount();
        lane.stages.push_back(band);
        auto addBox = [&](OpId op, int row, double start, double end, bool merged) {
            if (op < 0 || op >= g.size())
                throw InputError("timeline: op #" + std::to_string(op) + " is not in the graph");
            TimelineBox box;
            box.op = op;
            box.label = QString::fromStdString(g.op(op).name);
            box.wholeLabel = tellingOpLabel(box.label, {});
            box.shortLabel = tellingOpLabel(ownName(op), stagePrefix);
            if (const int m = memberOf(op); m >= 0) {
                box.ownLabel = box.shortLabel;
                box.shortLabel = tags[m] + QLatin1Char(':') + box.ownLabel;
            }
            box.stage = static_cast<int>(k);
            box.subLane = row;
            box.startMs = start;
            box.endMs = end;
            box.color = colorForKind(g.op(op).kind);
            box.merged = merged;
            lane.boxes.push_back(std::move(box));
            lane.subLanes = std::max(lane.subLanes, row + 1);
        };
        if (stage.strategy == Strategy::Merge) {
            int row = 0;
            for (const auto& group : stage.groups)
                for (OpId op : group) addBox(op, row++, band.startMs, band.endMs, true);
        } else {
            for (size_t gi = 0; gi < stage.groups.size(); ++gi) {
                const auto& group = stage.groups[gi];
                std::vector<double> weights;
                for (OpId op : group)
                    weights.push_back(op >= 0 && op < g.size() ? opMetrics(g.op(op)).flops : 0);
                const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
                // Floor: 2% of the group's work each, so pools and concats stay visible.
                const double floor = total > 0 ? total * 0.02 : 1;
                for (double& w : weights) w = std::max(w, floor);
                const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
                double start = band.startMs;
                for (size_t i = 0; i < group.size(); ++i) {
                    const double end = i + 1 == group.size() ? band.endMs : start + span * weights[i] / sum;
                    addBox(group[i], static_cast<int>(gi), start, end, false);
                    start = end;
                }
            }
        }
        t += span;
    }
    lane.durationMs = t;
    return lane;
}

std::vector<double> opTimes(const TimelineLane& lane, int graphSize) {
    std::vector<double> times(static_cast<size_t>(std::max(0, graphSize)),
                              std::numeric_limits<double>::quiet_NaN());
    for (const auto& box : lane.boxes)
        if (box.op >= 0 && box.op < graphSize) times[static_cast<size_t>(box.op)] = box.endMs - box.startMs;
    return times;
}

void markCriticalPath(TimelineLane& lane, const ScheduleSlack& slack) {
    for (TimelineBox& box : lane.boxes) {
        if (box.op < 0 || static_cast<size_t>(box.op) >= slack.slackMs.size()) continue;
        box.critical = slack.onPath(box.op);
        box.slackMs = slack.slackMs[static_cast<size_t>(box.op)];
    }
}

std::vector<double> kernelOpTimes(const std::vector<KernelRecord>& kernels, int graphSize) {
    std::vector<double> times(static_cast<size_t>(std::max(0, graphSize)),
                              std::numeric_limits<double>::quiet_NaN());
    for (const KernelRecord& k : kernels) {
        if (k.op < 0 || k.op >= graphSize) continue;
        double& t = times[static_cast<size_t>(k.op)];
        t = (std::isnan(t) ? 0.0 : t) + std::max(0.0, k.endMs - k.startMs);
    }
    return times;
}

TimelineLane kernelLane(const std::vector<KernelRecord>& kernels, const QString& name) {
    TimelineLane lane;
    lane.name = name;
    lane.measured = true;
    std::map<int, int> rowOfStream;
    for (const auto& k : kernels) rowOfStream.emplace(k.stream, 0);
    int row = 0;
    for (auto& [stream, r] : rowOfStream) r = row++;
    lane.subLanes = std::max(1, row);
    std::map<int, TimelineStageBand> bands;
    const QColor kernelColor(0x90, 0xa4, 0xae);
    for (const auto& k : kernels) {
        TimelineBox box;
        box.op = k.op; // -1 where the runtime did not record it
        box.label = QString::fromStdString(k.name);
        box.wholeLabel = box.shortLabel = box.label;
        box.stage = k.stage;
        box.subLane = rowOfStream[k.stream];
        box.startMs = k.startMs;
        box.endMs = std::max(k.endMs, k.startMs);
        box.color = kernelColor;
        lane.boxes.push_back(box);
        lane.durationMs = std::max(lane.durationMs, box.endMs);
        if (k.stage >= 0) {
            auto [it, inserted] = bands.try_emplace(k.stage);
            TimelineStageBand& b = it->second;
            if (inserted) {
                b.stage = k.stage;
                b.startMs = box.startMs;
                b.endMs = box.endMs;
            }
            b.startMs = std::min(b.startMs, box.startMs);
            b.endMs = std::max(b.endMs, box.endMs);
            ++b.ops;
        }
    }
    for (auto& [stage, band] : bands) lane.stages.push_back(band);
    return lane;
}

} // namespace ioscope::widgets
