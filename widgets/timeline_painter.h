#pragma once
// Geometry and painting of the timeline, shared by the widget, its exports and reports.
#include "timeline_lanes.h"
#include "timeline_mapping.h"

#include <QFont>
#include <QRectF>
#include <QSet>

#include <vector>

class QPainter;

namespace ioscope::widgets {

inline constexpr double kTimelineAxisHeight = 26;

struct TimelineGeometry {
    std::vector<QRectF> lanes; // the drawing area of each lane (right of the header)
    double rowHeight = 18;
    QRectF axis;
};

// The lane header column is the mapping's left margin (TimelineMapping::leftMargin()).
TimelineGeometry timelineGeometry(const std::vector<TimelineLane>& lanes, QSizeF size, double headerWidth);
QRectF timelineBoxRect(const TimelineGeometry& geo, const TimelineMapping& map, int lane,
                       const TimelineBox& box);

// The header width that fits the lanes' names and facts in `font` (within sane bounds).
double timelineHeaderWidth(const std::vector<TimelineLane>& lanes, const QFont& font);

struct TimelinePaintState {
    int activeLane = 0;
    double playheadMs = 0;
    bool showPlayhead = true;
    QSet<OpId> selected;
    OpId hovered = -1;
};

void paintTimeline(QPainter& p, QSizeF size, const std::vector<TimelineLane>& lanes,
                   const TimelineMapping& map, const TimelinePaintState& state);

} // namespace ioscope::widgets
