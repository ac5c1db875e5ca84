#pragma once
// One colour per op kind, shared by the DAG view, the timeline and the legend.
#include "graph/op.h"

#include <QColor>
#include <QString>

#include <utility>
#include <vector>

namespace ioscope::widgets {

QColor colorForKind(OpKind kind);

// The legend: one entry per colour ("conv2d", "pool", ...), in a stable order.
std::vector<std::pair<QString, QColor>> kindLegend();

} // namespace ioscope::widgets
