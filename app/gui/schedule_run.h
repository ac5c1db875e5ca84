#pragma once
// One search result kept by the explorer: what was asked for, the schedule, its predicted
// latency per stage and, once executed, what the GPU measured. Runs are compared side by side.
#include "gpu/gpu_execution.h"
#include "sched/scheduler.h"
#include "sched/timeline.h"

#include <QMetaType>
#include <QString>

#include <optional>
#include <vector>

namespace ioscope::app {

// IOS and the fast schedulers of sched/fast_schedulers.h (docs/schedulers.md); Edited: a schedule
// changed by hand in the explorer (schedule_edit.h), re-evaluated at once.
enum class SchedulerKind { Ios, Wavefront, Sequential, Nimble, Lios, Opara, Hios, Edited };
// Every kind a search can run, IOS first (the panels' and timeline's order); not Edited.
const std::vector<SchedulerKind>& allSchedulerKinds();
QString toDisplayString(SchedulerKind kind);
QString toCliString(SchedulerKind kind);
std::optional<SchedulerKind> schedulerKindFromString(const QString& s);

// The parameters of one search, as chosen in the search panel.
struct SearchRequest {
    SchedulerKind scheduler = SchedulerKind::Ios;
    QString costSpec = QStringLiteral("sim:H100");
    SchedulerOptions options = defaultOptions();
    bool withBaselines = true; // also cost wavefront and sequential under the same model

    QString describe() const; // "IOS · sim:H100 · both r=3 s=8 · batch 1 fp32"

    // The explorer's defaults: an anytime search within a minute.
    static SchedulerOptions defaultOptions() {
        SchedulerOptions o;
        o.timeLimitSeconds = 60;
        return o;
    }
};

struct ScheduleRun {
    int id = 0; // unique within a document, in order of arrival
    SearchRequest request;
    SchedulerKind scheduler = SchedulerKind::Ios;
    Schedule schedule;
    double latencyMs = 0;               // predicted, sum of stageLatencyMs
    std::vector<double> stageLatencyMs; // predicted per stage
    std::vector<double> opLatencyMs;    // predicted time of each op run alone, indexed by OpId
    PredictedTimeline predicted;        // when each op runs (traces)
    SearchStats stats;
    QString costDevice; // the device the cost model describes
    // IOS runs: "ios", or the baseline kept instead (predicted or, with live profiling, measured
    // faster), and the measurement that decided.
    std::string origin = "ios";
    std::string measuredNote;
    std::optional<ExecutionResult> measured;
    QString editedFrom; // Edited runs: the run the edits started from ("IOS #1")

    // "IOS #3", or "IOS #3 (wavefront kept)" when the search returned a baseline's schedule.
    QString label() const;
    // What produced it: "IOS both r=3 s=8 · sim:H100 · b1 fp32" (scheduler and its parameters,
    // cost model, batch, precision).
    QString detail() const;
    // The cost model as resolved: the spec, plus the device when the spec does not name it.
    QString costName() const;
};

// Why the times of `a` cannot be compared with those of `b` ("cost model sim:V100, not
// sim:H100"), or empty when they can (same cost model, device, batch and precision).
QString whyNotComparable(const ScheduleRun& a, const ScheduleRun& b);

} // namespace ioscope::app

Q_DECLARE_METATYPE(ioscope::Progress)
