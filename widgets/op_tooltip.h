#pragma once
// The rich-text tooltip of an op, shared by the DAG view, the timeline and the app's tables:
// name, kind and window, input and output shapes, FLOPs, parameters and the times when known.
#include "graph/graph.h"

#include <QString>

#include <limits>

namespace ioscope::widgets {

// predictedMs / measuredMs / slackMs: NaN or negative when unknown. slackMs: how much later
// the op's group could end without the schedule ending later (sched/schedule_slack.h).
QString opTooltipHtml(const Graph& g, OpId op, double predictedMs = std::numeric_limits<double>::quiet_NaN(),
                      double measuredMs = std::numeric_limits<double>::quiet_NaN(),
                      double slackMs = std::numeric_limits<double>::quiet_NaN(), bool onCriticalPath = false);

QString formatFlops(double flops); // "1.23 GFLOP"
QString opKindName(const Op& op);  // "conv2d"

} // namespace ioscope::widgets
