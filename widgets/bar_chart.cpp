#include "bar_chart.h"

#include "export_utils.h"
#include "timeline_mapping.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace ioscope::widgets {

namespace {
constexpr double kLabelWidth = 100, kRight = 120, kTitle = 22, kAxis = 20, kRow = 30;
const QColor kPalette[] = {QColor(0x1e, 0x88, 0xe5), QColor(0x8e, 0x24, 0xaa), QColor(0x00, 0x89, 0x7b),
                           QColor(0xd8, 0x1b, 0x60), QColor(0x5d, 0x40, 0x37)};
// The same schedule keeps the same colour in every chart.
QColor defaultColor(const QString& label, int index) {
    const QString l = label.toLower();
    if (l.contains("ios")) return QColor(0x43, 0xa0, 0x47);
    if (l.contains("wavefront")) return QColor(0xfb, 0x8c, 0x00);
    if (l.contains("sequential")) return QColor(0x75, 0x75, 0x75);
    return kPalette[index % 5];
}

} // namespace

BarChart::BarChart(QWidget* parent) : QWidget(parent) {}

void BarChart::setBars(const QList<LatencyBar>& bars, int baselineIndex) {
    bars_ = bars;
    baseline_ = baselineIndex;
    updateGeometry();
    update();
}

void BarChart::setTitle(const QString& title) {
    title_ = title;
    update();
}

void BarChart::setUnit(const QString& unit) {
    unit_ = unit;
    update();
}

double BarChart::speedup(int index) const {
    if (baseline_ < 0 || baseline_ >= bars_.size() || index < 0 || index >= bars_.size()) return 0;
    const double m = bars_[index].medianMs;
    return m > 0 ? bars_[baseline_].medianMs / m : 0;
}

QSize BarChart::sizeHint() const {
    return {420, static_cast<int>(kTitle + kAxis + kRow * std::max<qsizetype>(1, bars_.size()) + 10)};
}

void BarChart::paintChart(QPainter& p, QSizeF size) const {
    p.save();
    p.fillRect(QRectF(QPointF(0, 0), size), Qt::white);
    p.setRenderHint(QPainter::Antialiasing);
    const QFont base = p.font();
    if (!title_.isEmpty()) {
        QFont bold = base;
        bold.setBold(true);
        p.setFont(bold);
        p.setPen(QColor(0x21, 0x21, 0x21));
        p.drawText(QRectF(6, 2, size.width() - 12, kTitle - 4), Qt::AlignLeft | Qt::AlignVCenter, title_);
        p.setFont(base);
    }
    if (bars_.isEmpty()) {
        p.setPen(Qt::gray);
        p.drawText(QRectF(QPointF(0, 0), size), Qt::AlignCenter, QObject::tr("no measurements yet"));
        p.restore();
        return;
    }
    double top = 0;
    for (const auto& b : bars_) top = std::max({top, b.medianMs, b.p90Ms});
    if (!(top > 0)) top = 1;
    const double plotLeft = kLabelWidth, plotRight = size.width() - kRight;
    const double plotW = std::max(10.0, plotRight - plotLeft);
    const double rowH = std::min(kRow, (size.height() - kTitle - kAxis) / bars_.size());
    auto xOf = [&](double v) { return plotLeft + v / top * plotW; };

    // Axis with nice ticks.
    const double step = TimelineMapping::niceStep(top / 4);
    const double axisY = kTitle + rowH * bars_.size() + 2;
    QFont small = base;
    small.setPointSizeF(base.pointSizeF() * 0.85);
    p.setFont(small);
    for (double v = 0; v <= top * 1.0001; v += step) {
        p.setPen(QColor(0xee, 0xee, 0xee));
        p.drawLine(QPointF(xOf(v), kTitle), QPointF(xOf(v), axisY));
        p.setPen(QColor(0x75, 0x75, 0x75));
        p.drawText(QRectF(xOf(v) - 40, axisY, 80, kAxis - 2), Qt::AlignHCenter | Qt::AlignTop,
                   QString::number(v, 'g', 4) + " " + unit_);
    }

    for (int i = 0; i < bars_.size(); ++i) {
        const LatencyBar& b = bars_[i];
        const double y = kTitle + i * rowH;
        const QColor color = b.color.isValid() ? b.color : defaultColor(b.label, i);
        p.setFont(base);
        p.setPen(QColor(0x21, 0x21, 0x21));
        p.drawText(QRectF(4, y, kLabelWidth - 10, rowH), Qt::AlignRight | Qt::AlignVCenter,
                   p.fontMetrics().elidedText(b.label, Qt::ElideRight, static_cast<int>(kLabelWidth - 10)));
        const QRectF bar(plotLeft, y + rowH * 0.2, xOf(b.medianMs) - plotLeft, rowH * 0.6);
        p.fillRect(bar, color);
        if (b.p90Ms > b.p10Ms) { // p10-p90 whisker
            const double cy = y + rowH / 2;
            p.setPen(QPen(QColor(0x21, 0x21, 0x21), 1.3));
            p.drawLine(QPointF(xOf(b.p10Ms), cy), QPointF(xOf(b.p90Ms), cy));
            p.drawLine(QPointF(xOf(b.p10Ms), cy - rowH * 0.2), QPointF(xOf(b.p10Ms), cy + rowH * 0.2));
            p.drawLine(QPointF(xOf(b.p90Ms), cy - rowH * 0.2), QPointF(xOf(b.p90Ms), cy + rowH * 0.2));
        }
        QString text = QString::number(b.medianMs, 'f', b.medianMs < 10 ? 3 : 1) + " " + unit_;
        const double s = speedup(i);
        if (s > 0 && i != baseline_) text += QString("  %1×").arg(s, 0, 'f', 2);
        p.setFont(small);
        p.setPen(s > 1.005 && i != baseline_ ? QColor(0x2e, 0x7d, 0x32) : QColor(0x42, 0x42, 0x42));
        p.drawText(QRectF(std::max(xOf(b.medianMs), xOf(b.p90Ms)) + 6, y, kRight + 60, rowH),
                   Qt::AlignLeft | Qt::AlignVCenter, text);
    }
    p.restore();
}

void BarChart::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    paintChart(painter, size());
}

bool BarChart::exportPng(const QString& path, double scale, QString* error) const {
    return savePaintingPng(
        path, size(), scale, [&](QPainter& p) { paintChart(p, size()); }, error);
}

bool BarChart::exportSvg(const QString& path, QString* error) const {
    return savePaintingSvg(
        path, size(), title_, [&](QPainter& p) { paintChart(p, size()); }, error);
}

} // namespace ioscope::widgets
