#pragma once
// What the DAG's fills show besides op kinds: a heat map of the current run (each op's
// predicted time alone, its share of its stage's time, its measured kernel time, its slack),
// with the legend that reads it.
#include "schedule_run.h"

#include <QColor>
#include <QString>

#include <utility>
#include <vector>

namespace ioscope::app {

enum class DagColouring { Kind, PredictedTime, StageShare, MeasuredTime, Slack };
QString toDisplayString(DagColouring c); // the View menu's words

struct DagHeat {
    std::vector<QColor> tints;                      // by OpId; empty: kind colours
    std::vector<std::pair<QString, QColor>> legend; // heading, then values and colours
    std::vector<double> values;                     // by OpId (NaN: no value), what was coloured
    QString unavailable; // why nothing is coloured ("no measured kernels linked to ops")
};

// The heat map of `run` on `g` for `mode` (Kind: empty). Hotter = slower, a larger share, or
// less slack (a zero-slack op is as hot as it gets). Times spanning more than 20× are coloured
// on a log scale, so a few large convolutions do not wash out the rest.
DagHeat dagHeat(DagColouring mode, const Graph& g, const ScheduleRun* run);

} // namespace ioscope::app
