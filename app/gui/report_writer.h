#pragma once
// The report: model facts, the DAG, the width profile, the timelines, the runs' metrics and
// search statistics, and the measured latencies when executed. PDF (two A4 landscape pages
// through QPdfWriter) or one tall PNG; both written atomically.
#include <QRectF>
#include <QString>

class QPainter;

class QPdfWriter;

namespace ioscope::widgets {
class DagView;
class TimelineView;
} // namespace ioscope::widgets

namespace ioscope::app {

class Document;

class ReportWriter {
  public:
    ReportWriter(const Document* document, widgets::DagView* dag, widgets::TimelineView* timeline)
        : document_(document), dag_(dag), timeline_(timeline) {}

    bool writePdf(const QString& path, QString* error) const;
    bool writePng(const QString& path, QString* error) const;

    // Sections, each painted into `rect` (logical units, ~1 px at 96 dpi); return the height used.
    double paintHeader(QPainter& p, const QRectF& rect) const;
    void paintDag(QPainter& p, const QRectF& rect) const;
    // PDF: the DAG again in page-sized tiles at a scale where labels print legibly (a bounded
    // number of pages); returns the number of pages added.
    int paintDagTiles(QPdfWriter& pdf, QPainter& p, double pageH) const;
    void paintWidth(QPainter& p, const QRectF& rect) const;
    void paintTimeline(QPainter& p, const QRectF& rect) const;
    double paintMetrics(QPainter& p, const QRectF& rect) const;

  private:
    const Document* document_;
    widgets::DagView* dag_;
    widgets::TimelineView* timeline_;
};

} // namespace ioscope::app
