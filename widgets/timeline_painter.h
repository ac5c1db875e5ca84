#pragma once
// Geometry and painting of the timeline, shared by the widget, its exports and reports.
#include "timeline_lanes.h"
#include "timeline_mapping.h"

#include <QColor>
#include <QFont>
#include <QRectF>
#include <QSet>

#include <vector>

class QPainter;
class QPaintDevice;

namespace ioscope::widgets {

inline constexpr double kTimelineAxisHeight = 26;
// Rows never get thinner than this on screen (boxes stay visible and clickable); the widget asks
// for the height that takes, and its dock scrolls when it has less.
inline constexpr double kTimelineMinRowHeight = 6;
inline constexpr double kTimelineMaxRowHeight = 26;

struct TimelineGeometry {
    std::vector<QRectF> lanes;    // the drawing area of each lane (right of the header)
    std::vector<double> laneRows; // each lane's row height: lanes of few rows get taller ones
    double rowHeight = 18;        // the common row height (of lanes that need no more room)
    QRectF axis;
};

// The lane header column is the mapping's left margin (TimelineMapping::leftMargin()). Each lane
// is at least `minLaneHeight` tall (room for its two header lines, timelineMinLaneHeight()).
TimelineGeometry timelineGeometry(const std::vector<TimelineLane>& lanes, QSizeF size, double headerWidth,
                                  double minLaneHeight = 0);
// The height of a lane's header (name and facts) in `font`.
double timelineMinLaneHeight(const QFont& font);
// The height that shows every lane with rows `rowHeight` high (axis, padding and gaps included).
double timelineHeightFor(const std::vector<TimelineLane>& lanes, double rowHeight, double minLaneHeight = 0);
QRectF timelineBoxRect(const TimelineGeometry& geo, const TimelineMapping& map, int lane,
                       const TimelineBox& box);

// The header width that fits the lanes' names and facts in `font`, at least 110 and at most
// `maxWidth` (the window keeps the plot wide; an export of the whole timeline can afford the
// room a header needs). `device` (a PDF or SVG writer) measures text in its own units; null: the screen.
double timelineHeaderWidth(const std::vector<TimelineLane>& lanes, const QFont& font,
                           const QPaintDevice* device = nullptr, double maxWidth = 320);

// "862.4 µs", "1.169 ms": the unit the axis uses for that size.
QString formatDurationMs(double ms);

// The lane header's last line: duration, stages, "measured", "not comparable".
QString laneFacts(const TimelineLane& lane);

// What to draw besides the lanes. Exports use documentState(): no playhead, no active-lane
// marker, no selection or hover (the document, not the screen).
struct TimelinePaintState {
    int activeLane = 0; // -1: none marked
    double playheadMs = 0;
    bool showPlayhead = true;
    QSet<OpId> selected;
    OpId hovered = -1;
};

// Diagonal hatching ("/" lines `spacing` apart) inside `r`, drawn as plain lines so SVG
// exports show it (merged convolutions).
void paintHatch(QPainter& p, const QRectF& r, const QColor& color, double spacing = 5);

void paintTimeline(QPainter& p, QSizeF size, const std::vector<TimelineLane>& lanes,
                   const TimelineMapping& map, const TimelinePaintState& state);

} // namespace ioscope::widgets
