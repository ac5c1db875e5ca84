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

// The critical path's colour (DAG outlines and edges, timeline bars).
inline const QColor kCriticalColor{0xc6, 0x28, 0x28};

// A sequential heat colour for t in [0, 1] (pale yellow, orange, dark red), clamped.
QColor heatColor(double t);

} // namespace ioscope::widgets
