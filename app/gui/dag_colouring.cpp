#include "dag_colouring.h"

#include "op_colors.h"
#include "qt_text.h"
#include "sched/schedule_slack.h"
#include "timeline_lanes.h"

#include <QCoreApplication>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ioscope::app {
namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("ioscope::app::DagColouring", text);
}

const QColor kNoValue(0xee, 0xee, 0xee);

std::vector<double> stageShares(const Graph& g, const ScheduleRun& run) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> v(static_cast<size_t>(g.size()), nan);
    for (const TimelineStage& st : run.predicted.stages) {
        const double span = st.endMs - st.startMs;
        for (const TimelineOp& op : st.ops)
            if (op.op >= 0 && op.op < g.size())
                v[static_cast<size_t>(op.op)] = span > 0 ? (op.endMs - op.startMs) / span : nan; // free stage
    }
    return v;
}

} // namespace

QString toDisplayString(DagColouring c) {
    switch (c) {
    case DagColouring::Kind:
        return tr("Op kind");
    case DagColouring::PredictedTime:
        return tr("Predicted time (op alone)");
    case DagColouring::StageShare:
        return tr("Share of its stage's time");
    case DagColouring::MeasuredTime:
        return tr("Measured kernel time");
    case DagColouring::Slack:
        return tr("Slack (critical path hottest)");
    }
    return {};
}

DagHeat dagHeat(DagColouring mode, const Graph& g, const ScheduleRun* run) {
    DagHeat heat;
    if (mode == DagColouring::Kind) return heat;
    if (!run) {
        heat.unavailable = tr("no run yet");
        return heat;
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    heat.values.assign(static_cast<size_t>(g.size()), nan);
    bool invert = false, share = false;
    switch (mode) {
    case DagColouring::PredictedTime:
        for (OpId op : g.units())
            if (static_cast<size_t>(op) < run->opLatencyMs.size())
                heat.values[static_cast<size_t>(op)] = run->opLatencyMs[static_cast<size_t>(op)];
        break;
    case DagColouring::StageShare:
        heat.values = stageShares(g, *run);
        share = true;
        break;
    case DagColouring::MeasuredTime:
        if (run->measured) heat.values = widgets::kernelOpTimes(run->measured->kernels, g.size());
        break;
    case DagColouring::Slack:
        heat.values = scheduleSlack(g, run->predicted).slackMs;
        invert = true;
        break;
    case DagColouring::Kind:
        break;
    }
    double lo = std::numeric_limits<double>::infinity(), hi = 0, minPositive = lo;
    int known = 0;
    for (OpId op : g.units()) {
        const double v = heat.values[static_cast<size_t>(op)];
        if (!std::isfinite(v) || v < 0) continue;
        ++known;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        if (v > 0) minPositive = std::min(minPositive, v);
    }
    if (known == 0) {
        heat.values.clear();
        heat.unavailable = mode == DagColouring::MeasuredTime
                               ? tr("no measured kernels linked to ops in %1 (execute it on a GPU whose "
                                    "runtime records each kernel's op)")
                                     .arg(run->label())
                               : tr("no values in %1").arg(run->label());
        return heat;
    }
    const bool logScale = !share && !invert && hi > 0 && std::isfinite(minPositive) && hi / minPositive > 20;
    const double base = logScale ? minPositive : 0.0;
    // t in [0, 1] for a value; the inverse for the legend's labels.
    const auto position = [&](double v) {
        if (hi <= base) return invert ? 1.0 : 0.0;
        double t =
            logScale ? std::log(std::max(v, base) / base) / std::log(hi / base) : (v - base) / (hi - base);
        t = std::clamp(t, 0.0, 1.0);
        return invert ? 1.0 - t : t;
    };
    const auto valueAt = [&](double t) {
        if (invert) t = 1.0 - t;
        return logScale ? base * std::pow(hi / base, t) : base + (hi - base) * t;
    };
    heat.tints.assign(static_cast<size_t>(g.size()), QColor());
    bool missing = false;
    for (OpId op : g.units()) {
        const double v = heat.values[static_cast<size_t>(op)];
        const bool has = std::isfinite(v) && v >= 0;
        missing |= !has;
        heat.tints[static_cast<size_t>(op)] = has ? widgets::heatColor(position(v)) : kNoValue;
    }
    const auto label = [&](double v) {
        return share ? QStringLiteral("%1%").arg(v * 100, 0, 'f', 0) : formatMs(v);
    };
    heat.legend.push_back({toDisplayString(mode) + (logScale ? tr(", log scale") : QString()), QColor()});
    constexpr int kSteps = 5;
    for (int i = kSteps - 1; i >= 0; --i) { // hottest first
        const double t = double(i) / (kSteps - 1);
        heat.legend.push_back({label(valueAt(t)), widgets::heatColor(t)});
    }
    if (missing) heat.legend.push_back({tr("no value"), kNoValue});
    return heat;
}

} // namespace ioscope::app
