#pragma once
// Time (ms) <-> pixel mapping of the timeline with zoom and scroll, and axis ticks on "nice"
// 1-2-5 steps. A plain value type (no widget), so it is tested on its own.
#include <QString>

#include <vector>

namespace ioscope::widgets {

struct TimelineTick {
    double ms = 0;
    double px = 0;
    bool major = false; // labelled
    QString label;      // e.g. "0.5 ms", "120 µs"; empty for minor ticks
};

class TimelineMapping {
  public:
    TimelineMapping() = default;
    // The data spans [0, durationMs]; the viewport is `widthPx` wide with `leftMarginPx` left of 0.
    TimelineMapping(double durationMs, double widthPx, double leftMarginPx = 0);

    void setDuration(double durationMs); // keeps the zoom, clamps the scroll
    void setViewportWidth(double widthPx, double leftMarginPx = 0);
    double durationMs() const { return duration_; }
    double viewportWidth() const { return width_; }
    double leftMargin() const { return margin_; }

    // Shows the whole duration in the viewport.
    void fit();
    // Pixels per millisecond (>0). Zooming keeps the time under `anchorPx` fixed.
    double pixelsPerMs() const { return pxPerMs_; }
    void setPixelsPerMs(double pxPerMs);
    void zoomAt(double factor, double anchorPx);
    // First visible time (scroll position); clamped to [0, duration - visible span] when the
    // data is wider than the viewport, else 0.
    double startMs() const { return start_; }
    void setStartMs(double ms);
    void scrollByPixels(double dx);
    double endMs() const { return start_ + visibleSpanMs(); }
    double visibleSpanMs() const;

    double toPixel(double ms) const { return margin_ + (ms - start_) * pxPerMs_; }
    double toMs(double px) const { return start_ + (px - margin_) / pxPerMs_; }
    // Makes `ms` visible (scrolling as little as possible).
    void ensureVisible(double ms);

    // Ticks over the visible range, major ones at least `minMajorSpacingPx` apart, with 4 or 5
    // minor ticks between.
    std::vector<TimelineTick> ticks(double minMajorSpacingPx = 80) const;

    // The smallest 1, 2 or 5 x 10^k that is >= raw (raw > 0).
    static double niceStep(double raw);
    // "1.5 ms", "250 µs", "2 s": units picked from the step, decimals enough for the step.
    static QString formatTime(double ms, double stepMs);

  private:
    void clamp();
    double duration_ = 1;
    double width_ = 100;
    double margin_ = 0;
    double pxPerMs_ = 100;
    double start_ = 0;
};

} // namespace ioscope::widgets
