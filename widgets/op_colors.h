#pragma once
// One colour per op kind, shared by the DAG view, the timeline and the legend.
#include "graph/op.h"

#include <QColor>

namespace ioscope::widgets {

QColor colorForKind(OpKind kind);

} // namespace ioscope::widgets
