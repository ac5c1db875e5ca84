#pragma once
// What the timeline draws, computed from schedules and kernel records: one lane per schedule,
// stages as bands on the time axis, concurrent groups as sub-lanes and ops as boxes.
#include "sched/schedule_slack.h"
#include "schedule/kernel_record.h"
#include "schedule/schedule.h"

#include <QColor>
#include <QString>

#include <limits>
#include <vector>

namespace ioscope::widgets {

struct TimelineBox {
    OpId op = -1;  // measured kernels: the op when the runtime records it, else -1
    QString label; // the full name (kernel name for kernels)
    // The name as the DAG titles it (op_labels.h: no ONNX op-type tail, no leading '/'): shown
    // zoomed in, where it fits. Kernels: the kernel name.
    QString wholeLabel;
    // The op's telling part (op_labels.h): shown when the whole name does not fit, elided at its end.
    QString shortLabel;
    // Ensembles: the op's telling part without its member's tag (shortLabel is "squ#2:fire8/sum",
    // this "fire8/sum"), the last resort for a narrow box; empty otherwise.
    QString ownLabel;
    int stage = -1;
    int subLane = 0; // row inside the lane (group index; stream for kernels)
    double startMs = 0, endMs = 0;
    QColor color;
    bool merged = false; // part of a merged convolution stage
    // On its schedule's critical path (sched/schedule_slack.h), and the op's slack: how much
    // later its group could end without the schedule ending later (NaN: not computed).
    bool critical = false;
    double slackMs = std::numeric_limits<double>::quiet_NaN();
};

struct TimelineStageBand {
    int stage = 0;
    double startMs = 0, endMs = 0;
    Strategy strategy = Strategy::Concurrent;
    int groups = 0;
    int ops = 0;
};

struct TimelineLane {
    QString name;
    // What produced it: scheduler, parameters, cost model, batch and precision ("IOS both r=3 s=8 ·
    // sim:H100 · b1 fp32"); drawn under the name.
    QString detail;
    // Non-empty when the lane's times cannot be compared with the first lane's (another cost
    // model, device, batch or precision): says why; the header marks the lane.
    QString notComparable;
    bool measured = false; // a kernel timeline (times measured, not predicted)
    int subLanes = 1;
    double durationMs = 0;
    std::vector<TimelineStageBand> stages;
    std::vector<TimelineBox> boxes;
};

// A schedule lane with predicted times. stageLatencyMs has one entry per stage (from the cost
// model); stage k starts when stage k-1 ends. Each concurrent group spans its stage and its ops
// split the group's span in proportion to their FLOPs (a floor keeps zero-FLOP ops visible);
// a merge stage shows each merged conv as a full-length box in its own sub-lane, marked merged.
// Throws InputError when the latencies do not match the stages.
TimelineLane scheduleLane(const Graph& g, const Schedule& schedule, const std::vector<double>& stageLatencyMs,
                          const QString& name);

// Per-op durations of a lane's boxes, indexed by OpId (NaN where the op has no box), e.g. for
// DagView::setOpTimes(opTimes(lane, g.size())).
std::vector<double> opTimes(const TimelineLane& lane, int graphSize);

// Marks the boxes of `lane` on the critical path of `slack` and gives each op box its slack.
void markCriticalPath(TimelineLane& lane, const ScheduleSlack& slack);

// Measured time per op, indexed by OpId: the sum of the durations of the kernels the runtime
// recorded for it (KernelRecord::op); NaN where no kernel names the op.
std::vector<double> kernelOpTimes(const std::vector<KernelRecord>& kernels, int graphSize);

// A lane of measured kernels: one sub-lane per stream, stage bands from the records' stages;
// each box names the op its kernel ran for where the runtime recorded it (else -1).
TimelineLane kernelLane(const std::vector<KernelRecord>& kernels, const QString& name);

} // namespace ioscope::widgets
