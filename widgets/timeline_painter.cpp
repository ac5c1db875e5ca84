#include "timeline_painter.h"

#include "op_colors.h"
#include "op_labels.h"

#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace ioscope::widgets {

namespace {
constexpr double kLaneGap = 8;
constexpr double kLanePadding = 3;
const QColor kPlayheadColor(0xd3, 0x2f, 0x2f);
const QColor kRunningColor(0xff, 0x8f, 0x00);
const QColor kNotComparableColor(0xc6, 0x28, 0x28);
} // namespace

void paintHatch(QPainter& p, const QRectF& r, const QColor& color, double spacing) {
    // Lines x + y = c ("/"), each cut to the rectangle by hand: no brush pattern (QSvgGenerator
    // cannot write those) and no clip (the rectangle may already sit inside another clip).
    if (r.width() <= 0 || r.height() <= 0 || spacing <= 0) return;
    p.save();
    p.setRenderHint(QPainter::Antialiasing, false);
    p.setPen(QPen(color, 1));
    const double first = std::ceil((r.left() + r.top()) / spacing) * spacing;
    for (double c = first; c < r.right() + r.bottom(); c += spacing) {
        const double x0 = std::max(r.left(), c - r.bottom());
        const double x1 = std::min(r.right(), c - r.top());
        if (x1 > x0) p.drawLine(QPointF(x0, c - x0), QPointF(x1, c - x1));
    }
    p.restore();
}

namespace {
double laneHeight(const TimelineLane& lane, double rowHeight, double minLaneHeight) {
    return std::max(std::max(1, lane.subLanes) * rowHeight, minLaneHeight) + 2 * kLanePadding;
}
} // namespace

double timelineHeightFor(const std::vector<TimelineLane>& lanes, double rowHeight, double minLaneHeight) {
    double h = kTimelineAxisHeight;
    for (const auto& lane : lanes) h += laneHeight(lane, rowHeight, minLaneHeight) + kLaneGap;
    return h;
}

double timelineMinLaneHeight(const QFont& font) {
    QFont small = font;
    small.setPointSizeF(font.pointSizeF() * 0.85);
    return QFontMetricsF(font).height() + QFontMetricsF(small).height() + 2;
}

TimelineGeometry timelineGeometry(const std::vector<TimelineLane>& lanes, QSizeF size, double headerWidth,
                                  double minLaneHeight) {
    TimelineGeometry geo;
    geo.axis = QRectF(headerWidth, 0, size.width() - headerWidth, kTimelineAxisHeight);
    // The largest row height (within bounds) at which the lanes fit the height; lanes of few
    // rows keep at least minLaneHeight, so the fit is found by bisection.
    double lo = 4, hi = kTimelineMaxRowHeight;
    if (timelineHeightFor(lanes, hi, minLaneHeight) <= size.height())
        lo = hi;
    else
        for (int i = 0; i < 30; ++i) {
            const double mid = (lo + hi) / 2;
            (timelineHeightFor(lanes, mid, minLaneHeight) <= size.height() ? lo : hi) = mid;
        }
    geo.rowHeight = lanes.empty() ? 18 : lo;
    double y = kTimelineAxisHeight + kLaneGap / 2;
    for (const auto& lane : lanes) {
        const double h = laneHeight(lane, geo.rowHeight, minLaneHeight);
        const int rows = std::max(1, lane.subLanes);
        geo.laneRows.push_back(std::min(kTimelineMaxRowHeight, (h - 2 * kLanePadding) / rows));
        geo.lanes.emplace_back(headerWidth, y, size.width() - headerWidth, h);
        y += h + kLaneGap;
    }
    return geo;
}

QString laneFacts(const TimelineLane& lane) {
    const qsizetype stages = static_cast<qsizetype>(lane.stages.size());
    return QStringLiteral("%1%2 · %3 %4%5")
        .arg(lane.notComparable.isEmpty() ? QString() : QStringLiteral("not comparable · "))
        .arg(formatDurationMs(lane.durationMs))
        .arg(stages)
        .arg(stages == 1 ? QStringLiteral("stage") : QStringLiteral("stages"))
        .arg(lane.measured ? QStringLiteral(" · measured") : QString());
}

QString formatDurationMs(double ms) {
    if (ms < 1) return QStringLiteral("%1 µs").arg(ms * 1000, 0, 'f', ms < 0.01 ? 2 : 1);
    return QStringLiteral("%1 ms").arg(ms, 0, 'f', ms < 10 ? 3 : 1);
}

double timelineHeaderWidth(const std::vector<TimelineLane>& lanes, const QFont& font,
                           const QPaintDevice* device, double maxWidth) {
    QFont bold = font;
    bold.setBold(true);
    QFont small = font;
    small.setPointSizeF(font.pointSizeF() * 0.85);
    const QFontMetricsF names(bold, device), facts(small, device);
    double widest = 0;
    for (const auto& lane : lanes)
        widest = std::max({widest,
                           names.horizontalAdvance(QStringLiteral("▶ ") + lane.name) + 8 +
                               facts.horizontalAdvance(laneFacts(lane)),
                           facts.horizontalAdvance(lane.detail)});
    return std::clamp(widest + 16, 110.0, std::max(110.0, maxWidth));
}

QRectF timelineBoxRect(const TimelineGeometry& geo, const TimelineMapping& map, int lane,
                       const TimelineBox& box) {
    const QRectF& area = geo.lanes[static_cast<size_t>(lane)];
    const double x0 = map.toPixel(box.startMs);
    const double x1 = std::max(map.toPixel(box.endMs), x0 + 1.5);
    const double row = geo.laneRows[static_cast<size_t>(lane)];
    const double y = area.top() + kLanePadding + box.subLane * row;
    return QRectF(x0, y + 1, x1 - x0, std::max(2.0, row - 2));
}

void paintTimeline(QPainter& p, QSizeF size, const std::vector<TimelineLane>& lanes,
                   const TimelineMapping& map, const TimelinePaintState& state) {
    const double kTimelineHeaderWidth = map.leftMargin();
    const TimelineGeometry geo =
        timelineGeometry(lanes, size, kTimelineHeaderWidth, timelineMinLaneHeight(p.font()));
    p.save();
    p.fillRect(QRectF(QPointF(0, 0), size), Qt::white);
    p.setRenderHint(QPainter::Antialiasing, false);
    const QRectF plot(kTimelineHeaderWidth, 0, size.width() - kTimelineHeaderWidth, size.height());
    const QFont baseFont = p.font();

    // Axis with ticks and grid lines.
    QFont small = baseFont;
    small.setPointSizeF(baseFont.pointSizeF() * 0.85);
    p.setFont(small);
    p.setPen(QColor(0x9e, 0x9e, 0x9e));
    p.drawLine(QPointF(plot.left(), kTimelineAxisHeight - 0.5),
               QPointF(plot.right(), kTimelineAxisHeight - 0.5));
    for (const TimelineTick& t : map.ticks(90)) {
        const double x = t.px;
        if (x < plot.left() - 0.5 || x > plot.right()) continue;
        p.setPen(QColor(0x9e, 0x9e, 0x9e));
        p.drawLine(QPointF(x, kTimelineAxisHeight - (t.major ? 8 : 4)), QPointF(x, kTimelineAxisHeight));
        if (t.major) {
            p.setPen(QColor(0xee, 0xee, 0xee));
            p.drawLine(QPointF(x, kTimelineAxisHeight), QPointF(x, size.height()));
            p.setPen(QColor(0x42, 0x42, 0x42));
            p.drawText(QRectF(x + 3, 2, 90, kTimelineAxisHeight - 10), Qt::AlignLeft | Qt::AlignVCenter,
                       t.label);
        }
    }

    if (map.visibleSpanMs() < map.durationMs() * 0.999) { // zoomed in: where the view is in the whole
        const double w = plot.width();
        const double x0 = plot.left() + map.startMs() / map.durationMs() * w;
        const double x1 = plot.left() + map.endMs() / map.durationMs() * w;
        p.fillRect(QRectF(plot.left(), kTimelineAxisHeight - 3, w, 3), QColor(0xe0, 0xe0, 0xe0));
        p.fillRect(QRectF(x0, kTimelineAxisHeight - 3, std::max(4.0, x1 - x0), 3), QColor(0x78, 0x90, 0x9c));
    }

    p.setClipRect(plot.adjusted(0, kTimelineAxisHeight, 0, 0));
    for (size_t li = 0; li < lanes.size(); ++li) {
        const TimelineLane& lane = lanes[li];
        const QRectF& area = geo.lanes[li];
        p.fillRect(area, QColor(0xfa, 0xfa, 0xfa));
        // Stage bands: alternating shades, merge stages tinted.
        for (const auto& band : lane.stages) {
            const double x0 = map.toPixel(band.startMs);
            const double x1 = map.toPixel(band.endMs);
            if (x1 < plot.left() || x0 > plot.right()) continue;
            QColor shade = band.stage % 2 ? QColor(0xec, 0xef, 0xf1) : QColor(0xf5, 0xf5, 0xf5);
            if (band.strategy == Strategy::Merge) shade = QColor(0xed, 0xe7, 0xf6);
            p.fillRect(QRectF(x0, area.top(), x1 - x0, area.height()), shade);
            p.setPen(QColor(0xcf, 0xd8, 0xdc));
            p.drawLine(QPointF(x0, area.top()), QPointF(x0, area.bottom()));
        }
        // Boxes.
        QFont boxFont = baseFont;
        const double row = geo.laneRows[li];
        boxFont.setPointSizeF(std::clamp(row * 0.45, 5.0, baseFont.pointSizeF() * 0.85));
        p.setFont(boxFont);
        for (const auto& box : lane.boxes) {
            const QRectF r = timelineBoxRect(geo, map, static_cast<int>(li), box);
            if (r.right() < plot.left() || r.left() > plot.right()) continue;
            const bool selected = box.op >= 0 && state.selected.contains(box.op);
            const bool hovered = box.op >= 0 && box.op == state.hovered;
            const bool running =
                state.showPlayhead && state.playheadMs >= box.startMs && state.playheadMs < box.endMs;
            QColor fill = box.color;
            if (hovered) fill = fill.lighter(115);
            p.setPen(Qt::NoPen);
            p.fillRect(r, fill);
            if (box.merged) paintHatch(p, r, fill.darker(150));
            if (running) { // lit by the playhead: amber, whatever the kind colour
                p.fillRect(r, QColor(0xff, 0xcc, 0x80));
                if (box.merged) paintHatch(p, r, kRunningColor.darker(130));
                p.setPen(QPen(kRunningColor.darker(115), 2.5));
                p.drawRect(r.adjusted(1, 1, -1, -1));
            }
            if (selected) {
                p.setPen(QPen(QColor(0x1a, 0x23, 0x7e), 2.5));
                p.drawRect(r.adjusted(0.5, 0.5, -0.5, -0.5));
            } else if (r.width() > 3) {
                p.setPen(QPen(fill.darker(150), 1));
                p.drawRect(r.adjusted(0, 0, -1, -1));
            }
            if (box.critical) { // the critical path: a red bar along the box's foot
                const double bar = std::clamp(r.height() * 0.18, 2.0, 4.0);
                p.fillRect(QRectF(r.left(), r.bottom() - bar, r.width(), bar), kCriticalColor);
            }
            if (r.width() > 24 && row >= 11) {
                p.setPen(QColor(0x21, 0x21, 0x21));
                // Text starts at the visible part of a box that begins left of the plot.
                const QRectF text = r.intersected(plot).adjusted(3, 0, -3, 0);
                // The full name when it fits (zoomed in), else the op's own part, elided at its end.
                const QString mark = box.merged ? QStringLiteral("⊕ ") : QString();
                const QFontMetricsF fm(p.font(), p.device());
                const double room = text.width() - fm.horizontalAdvance(mark);
                QStringList candidates{box.wholeLabel, box.shortLabel};
                if (!box.ownLabel.isEmpty()) candidates << box.ownLabel; // ensembles: without the member tag
                const QString label = fittedLabel(candidates, fm, room);
                if (!label.isEmpty()) p.drawText(text, Qt::AlignVCenter | Qt::AlignLeft, mark + label);
            }
        }
    }
    p.setClipping(false);

    // Lane headers.
    for (size_t li = 0; li < lanes.size(); ++li) {
        const QRectF& area = geo.lanes[li];
        const QRectF header(4, area.top(), kTimelineHeaderWidth - 8, area.height());
        QFont f = baseFont;
        f.setBold(static_cast<int>(li) == state.activeLane);
        p.setFont(f);
        p.setPen(QColor(0x21, 0x21, 0x21));
        const QString marker = static_cast<int>(li) == state.activeLane ? QStringLiteral("▶ ") : QString();
        const QString name = marker + lanes[li].name;
        // Two lines from the top: the name with its facts, then what produced the lane (red when
        // its times cannot be compared with the first lane's).
        const double nameH = QFontMetricsF(f, p.device()).height();
        const double smallH = QFontMetricsF(small, p.device()).height();
        const int w = static_cast<int>(header.width());
        const QString shownName = p.fontMetrics().elidedText(name, Qt::ElideRight, w);
        p.drawText(QRectF(header.left(), header.top(), header.width(), nameH),
                   Qt::AlignLeft | Qt::AlignVCenter, shownName);
        const double nameW = p.fontMetrics().horizontalAdvance(shownName) + 8;
        p.setFont(small);
        const bool comparable = lanes[li].notComparable.isEmpty();
        p.setPen(comparable ? QColor(0x75, 0x75, 0x75) : kNotComparableColor);
        if (nameW < header.width())
            p.drawText(QRectF(header.left() + nameW, header.top(), header.width() - nameW, nameH),
                       Qt::AlignLeft | Qt::AlignVCenter,
                       p.fontMetrics().elidedText(laneFacts(lanes[li]), Qt::ElideRight,
                                                  static_cast<int>(header.width() - nameW)));
        if (!comparable) p.fillRect(QRectF(0, area.top(), 3, area.height()), kNotComparableColor);
        p.setPen(QColor(0x75, 0x75, 0x75));
        p.drawText(QRectF(header.left(), header.top() + nameH, header.width(), smallH),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   p.fontMetrics().elidedText(lanes[li].detail, Qt::ElideRight, w));
    }

    // Playhead.
    if (state.showPlayhead) {
        const double x = map.toPixel(state.playheadMs);
        if (x >= plot.left() && x <= plot.right()) {
            p.setRenderHint(QPainter::Antialiasing);
            p.setPen(QPen(kPlayheadColor, 1.5));
            p.drawLine(QPointF(x, kTimelineAxisHeight - 8), QPointF(x, size.height()));
            QPolygonF knob;
            knob << QPointF(x - 5, kTimelineAxisHeight - 10) << QPointF(x + 5, kTimelineAxisHeight - 10)
                 << QPointF(x, kTimelineAxisHeight - 3);
            p.setBrush(kPlayheadColor);
            p.drawPolygon(knob);
        }
    }
    p.restore();
}

} // namespace ioscope::widgets
