#include "timeline_mapping.h"

#include <algorithm>
#include <cmath>

namespace ioscope::widgets {

TimelineMapping::TimelineMapping(double durationMs, double widthPx, double leftMarginPx) {
    duration_ = durationMs > 0 ? durationMs : 1;
    setViewportWidth(widthPx, leftMarginPx);
    fit();
}

void TimelineMapping::setDuration(double durationMs) {
    duration_ = durationMs > 0 ? durationMs : 1;
    clamp();
}

void TimelineMapping::setViewportWidth(double widthPx, double leftMarginPx) {
    width_ = std::max(1.0, widthPx);
    margin_ = std::clamp(leftMarginPx, 0.0, width_ - 1);
    clamp();
}

void TimelineMapping::fit() {
    pxPerMs_ = (width_ - margin_) / duration_;
    start_ = 0;
}

void TimelineMapping::setPixelsPerMs(double pxPerMs) {
    // Zooming out beyond "fit" is useless; zooming in is bounded so 1 ns stays below 1e6 px.
    const double fitScale = (width_ - margin_) / duration_;
    pxPerMs_ = std::clamp(pxPerMs, fitScale, 1e9);
    clamp();
}

void TimelineMapping::zoomAt(double factor, double anchorPx) {
    if (!(factor > 0)) return;
    const double anchorMs = toMs(anchorPx);
    setPixelsPerMs(pxPerMs_ * factor);
    start_ = anchorMs - (anchorPx - margin_) / pxPerMs_;
    clamp();
}

void TimelineMapping::setStartMs(double ms) {
    start_ = ms;
    clamp();
}

void TimelineMapping::scrollByPixels(double dx) {
    setStartMs(start_ + dx / pxPerMs_);
}

double TimelineMapping::visibleSpanMs() const {
    return (width_ - margin_) / pxPerMs_;
}

void TimelineMapping::ensureVisible(double ms) {
    if (ms < start_)
        setStartMs(ms);
    else if (ms > endMs())
        setStartMs(ms - visibleSpanMs());
}

void TimelineMapping::clamp() {
    const double maxStart = std::max(0.0, duration_ - visibleSpanMs());
    start_ = std::clamp(std::isfinite(start_) ? start_ : 0.0, 0.0, maxStart);
}

double TimelineMapping::niceStep(double raw) {
    if (!(raw > 0) || !std::isfinite(raw)) return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * magnitude >= raw * (1 - 1e-9)) return m * magnitude;
    return 10 * magnitude;
}

QString TimelineMapping::formatTime(double ms, double stepMs) {
    double value = ms, step = stepMs;
    QString unit = QStringLiteral("ms");
    if (stepMs >= 1000) {
        value /= 1000, step /= 1000, unit = QStringLiteral("s");
    } else if (stepMs < 0.1) {
        value *= 1000, step *= 1000, unit = QString::fromUtf8("µs");
    }
    const int decimals = step >= 1 ? 0 : std::min(6, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
    if (std::abs(value) < 1e-12 * std::max(1.0, step)) value = 0;
    return QString::number(value, 'f', decimals) + QLatin1Char(' ') + unit;
}

std::vector<TimelineTick> TimelineMapping::ticks(double minMajorSpacingPx) const {
    std::vector<TimelineTick> out;
    const double major = niceStep(std::max(minMajorSpacingPx, 1.0) / pxPerMs_);
    // 1- and 2-steps split in 5 (2: in 4), 5-steps in 5.
    const double lead = major / std::pow(10.0, std::floor(std::log10(major)));
    const int minorPerMajor = std::abs(lead - 2) < 1e-6 ? 4 : 5;
    const double minor = major / minorPerMajor;
    const double from = std::max(0.0, start_);
    const double to = std::min(duration_, endMs());
    const long long first = static_cast<long long>(std::ceil(from / minor - 1e-9));
    const long long last = static_cast<long long>(std::floor(to / minor + 1e-9));
    for (long long i = first; i <= last && out.size() < 10000; ++i) {
        TimelineTick t;
        t.ms = static_cast<double>(i) * minor;
        t.px = toPixel(t.ms);
        t.major = i % minorPerMajor == 0;
        if (t.major) t.label = formatTime(t.ms, major);
        out.push_back(std::move(t));
    }
    return out;
}

} // namespace ioscope::widgets
