#pragma once
// The report: model facts, the DAG, the width profile, the timelines, the runs' metrics and
// search statistics, and the measured latencies when executed. PDF (two A4 landscape pages
// through QPdfWriter) or one tall PNG; both written atomically.
#include <QRectF>
#include <QSizeF>
#include <QString>

#include <vector>

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

    // A tall DAG (a wide one when laid out left to right) cut between rows of nodes into
    // `sources` (scene rectangles) placed side by side (one under another), so it fits a page
    // width at the largest scale: Inception V3 in one column would print its labels at 2 px.
    struct DagFolding {
        std::vector<QRectF> sources;
        bool sideBySide = true; // columns (a tall graph), else rows
        double scale = 1;       // scene units to logical units
        QSizeF size;            // what the folding takes when drawn at `scale`
    };
    // The folding of the whole DAG that fits `width` and at most `maxHeight` at the largest scale
    // (at most `maxScale`); no sources without a layout.
    DagFolding foldDag(double width, double maxHeight, double maxScale = 1.0) const;

    // Sections, each painted into `rect` (logical units, ~1 px at 96 dpi); return the height used.
    double paintHeader(QPainter& p, const QRectF& rect) const;
    // The DAG section: a title and the folded DAG, as large as fits `rect`.
    void paintDag(QPainter& p, const QRectF& rect, double maxScale = 1.0) const;
    // The height paintDag needs at `width` to draw the DAG's labels at `scale` (at most `maxHeight`).
    double dagSectionHeight(double width, double scale, double maxHeight) const;
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
