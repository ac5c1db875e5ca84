#include "report_writer.h"

#include "dag_items.h"
#include "dag_view.h"
#include "document.h"
#include "qt_text.h"
#include "run_table_model.h"
#include "timeline_view.h"
#include "width_chart.h"

#include <QBuffer>
#include <QDateTime>
#include <QImage>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>

#include <QGraphicsItem>

#include <algorithm>
#include <cmath>

namespace ioscope::app {
namespace {

constexpr double kPageWidth = 1600; // logical units of every layout

bool fail(QString* error, const QString& message) {
    if (error) *error = message;
    return false;
}

bool saveAtomically(const QString& path, const QByteArray& bytes, QString* error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, QStringLiteral("%1: %2").arg(path, file.errorString()));
    if (file.write(bytes) != bytes.size() || !file.commit())
        return fail(error, QStringLiteral("%1: %2").arg(path, file.errorString()));
    return true;
}

// The title leaves the painter's font as it was: the sections below draw in the body font (a
// bold 14 pt font left behind made the width chart's and the lane headers' text too big to fit).
void sectionTitle(QPainter& p, const QRectF& rect, const QString& title) {
    p.save();
    QFont f = p.font();
    f.setPointSizeF(14);
    f.setBold(true);
    p.setFont(f);
    p.setPen(QColor(40, 40, 40));
    p.drawText(rect.adjusted(0, 0, 0, -rect.height() + 24), Qt::AlignLeft | Qt::AlignVCenter, title);
    p.restore();
}

constexpr double kTitleHeight = 28;   // a section's title
constexpr double kFoldSpacing = 28;   // between the columns (rows) of a folded DAG
constexpr double kPngDagScale = 0.85; // the PNG's DAG: node labels at about 10 px
constexpr double kPngDagMaxHeight = 3200;

// Node extents along the folding axis, merged where they overlap: a cut between two of them
// crosses edges only.
std::vector<std::pair<double, double>> nodeSpans(const widgets::DagView& dag, bool alongY) {
    std::vector<std::pair<double, double>> spans;
    const std::shared_ptr<const Graph> g = dag.graph();
    if (!g) return spans;
    for (OpId op = 0; op < g->size(); ++op)
        if (const QGraphicsItem* item = dag.nodeItem(op)) {
            const QRectF r = item->sceneBoundingRect();
            spans.emplace_back(alongY ? r.top() : r.left(), alongY ? r.bottom() : r.right());
        }
    std::sort(spans.begin(), spans.end());
    std::vector<std::pair<double, double>> merged;
    for (const auto& sp : spans)
        if (!merged.empty() && sp.first <= merged.back().second + 2)
            merged.back().second = std::max(merged.back().second, sp.second);
        else
            merged.push_back(sp);
    return merged;
}

} // namespace

double ReportWriter::paintHeader(QPainter& p, const QRectF& rect) const {
    const LoadedModel& m = document_->model();
    QFont f = p.font();
    f.setPointSizeF(22);
    f.setBold(true);
    p.setFont(f);
    p.setPen(Qt::black);
    p.drawText(QRectF(rect.left(), rect.top(), rect.width(), 40), Qt::AlignLeft | Qt::AlignVCenter,
               QObject::tr("ioscope report — %1").arg(m.displayName));
    f.setPointSizeF(11);
    f.setBold(false);
    p.setFont(f);
    const ModelFacts& facts = m.facts;
    const QString line1 = QObject::tr("%1 scheduling units · %2 edges · width %3 · %4 · %5 (batch 1) · %6 "
                                      "moved · %7 parameters")
                              .arg(facts.units)
                              .arg(facts.edges)
                              .arg(facts.width.width)
                              .arg(m.blocks.size() == 1 ? QObject::tr("1 block")
                                                        : QObject::tr("%1 blocks").arg(m.blocks.size()))
                              .arg(formatFlops(facts.flops), formatBytes(facts.bytes))
                              .arg(QLocale().toString(qlonglong(facts.params)));
    const QString line2 = QObject::tr("Source: %1 · generated %2")
                              .arg(m.source, QDateTime::currentDateTime().toString(Qt::ISODate));
    p.drawText(QRectF(rect.left(), rect.top() + 44, rect.width(), 22), Qt::AlignLeft | Qt::AlignVCenter,
               line1);
    p.setPen(QColor(90, 90, 90));
    p.drawText(QRectF(rect.left(), rect.top() + 66, rect.width(), 22), Qt::AlignLeft | Qt::AlignVCenter,
               line2);
    return 96;
}

ReportWriter::DagFolding ReportWriter::foldDag(double width, double maxHeight, double maxScale) const {
    DagFolding best;
    if (!dag_->scene() || !dag_->hasLayout() || width <= 0 || maxHeight <= 0) return best;
    const QRectF all = dag_->documentRect();
    if (all.isEmpty()) return best;
    // A tall graph is cut across into columns set side by side, a wide one into rows.
    const bool tall = all.height() >= all.width();
    const double start = tall ? all.top() : all.left();
    const double length = tall ? all.height() : all.width();
    const double across = tall ? all.width() : all.height();
    const std::vector<std::pair<double, double>> spans = nodeSpans(*dag_, tall);
    std::vector<double> gaps; // cut positions: the middles of the gaps between node rows
    for (size_t i = 1; i < spans.size(); ++i) gaps.push_back((spans[i - 1].second + spans[i].first) / 2);

    std::vector<DagFolding> candidates;
    for (int k = 1; k <= 8; ++k) {
        std::vector<double> cuts{start};
        for (int i = 1; i < k; ++i) {
            const double ideal = start + length * i / k;
            double cut = -1;
            for (double gp : gaps)
                if (gp > cuts.back() + 1 && (cut < 0 || std::abs(gp - ideal) < std::abs(cut - ideal)))
                    cut = gp;
            if (cut < 0) break;
            cuts.push_back(cut);
        }
        cuts.push_back(start + length);
        const int pieces = int(cuts.size()) - 1;
        if (k > 1 && pieces < k) break; // no more places to cut
        double longest = 0;
        for (int i = 0; i < pieces; ++i) longest = std::max(longest, cuts[size_t(i) + 1] - cuts[size_t(i)]);
        const double spacing = (pieces - 1) * kFoldSpacing;
        const double scale =
            tall ? std::min({maxScale, (width - spacing) / (pieces * across), maxHeight / longest})
                 : std::min({maxScale, width / longest, (maxHeight - spacing) / (pieces * across)});
        if (scale <= 0) continue;
        DagFolding f;
        f.sideBySide = tall;
        f.scale = scale;
        for (int i = 0; i < pieces; ++i) {
            const double a = cuts[size_t(i)], b = cuts[size_t(i) + 1];
            f.sources.push_back(tall ? QRectF(all.left(), a, all.width(), b - a)
                                     : QRectF(a, all.top(), b - a, all.height()));
        }
        f.size = tall ? QSizeF(pieces * across * scale + spacing, longest * scale)
                      : QSizeF(longest * scale, pieces * across * scale + spacing);
        candidates.push_back(std::move(f));
    }
    // The largest scale; among foldings within 2% of it, the shortest.
    double top = 0;
    for (const DagFolding& f : candidates) top = std::max(top, f.scale);
    for (const DagFolding& f : candidates)
        if (f.scale >= top * 0.98 && (best.sources.empty() || f.size.height() < best.size.height())) best = f;
    return best;
}

double ReportWriter::dagSectionHeight(double width, double scale, double maxHeight) const {
    const DagFolding f = foldDag(width, maxHeight - kTitleHeight, scale);
    return f.sources.empty() ? 120 : kTitleHeight + std::ceil(f.size.height()) + 2;
}

void ReportWriter::paintDag(QPainter& p, const QRectF& rect, double maxScale) const {
    // Say what the red outlines are (the critical path is a view option, drawn when on).
    const ScheduleRun* run = document_->currentRun();
    const QRectF target = rect.adjusted(0, kTitleHeight, 0, 0);
    const DagFolding f = foldDag(target.width(), target.height(), maxScale);
    QString title = run && dag_->criticalPathVisible()
                        ? QObject::tr("Operator DAG (critical path of %1 in red)").arg(run->label())
                        : QObject::tr("Operator DAG");
    if (f.sources.size() > 1)
        title +=
            f.sideBySide
                ? QObject::tr(" — in %1 columns, read top to bottom, left to right").arg(f.sources.size())
                : QObject::tr(" — in %1 rows, read left to right, top to bottom").arg(f.sources.size());
    sectionTitle(p, rect, title);
    if (f.sources.empty()) {
        p.drawText(target, Qt::AlignCenter, QObject::tr("(layout unavailable)"));
        return;
    }
    // Centred in the section; the pieces are separated by dashed lines.
    QPointF at(target.center().x() - f.size.width() / 2, target.top());
    for (size_t i = 0; i < f.sources.size(); ++i) {
        const QRectF& from = f.sources[i];
        const QRectF to(at, from.size() * f.scale);
        p.save();
        p.setClipRect(to);
        dag_->paintWhole(p, to, from);
        p.restore();
        if (i + 1 < f.sources.size()) {
            p.save();
            p.setPen(QPen(QColor(0xb0, 0xb0, 0xb0), 1, Qt::DashLine));
            if (f.sideBySide) {
                const double x = to.right() + kFoldSpacing / 2;
                p.drawLine(QPointF(x, target.top()), QPointF(x, target.top() + f.size.height()));
                at.setX(to.right() + kFoldSpacing);
            } else {
                const double y = to.bottom() + kFoldSpacing / 2;
                p.drawLine(QPointF(at.x(), y), QPointF(at.x() + f.size.width(), y));
                at.setY(to.bottom() + kFoldSpacing);
            }
            p.restore();
        }
    }
}

int ReportWriter::paintDagTiles(QPdfWriter& pdf, QPainter& p, double pageH) const {
    if (!dag_->scene() || !dag_->hasLayout()) return 0;
    const QRectF all = dag_->documentRect();
    // Scene units are screen pixels at 96 dpi; pages are kPageWidth units across A4 landscape
    // (297 mm), so scale 1 prints the view's font at about 5 pt. Aim for that, with at most
    // kMaxPages pages; a huge graph gets smaller type (its vector text still zooms).
    constexpr int kMaxPages = 12;
    const double title = 34;
    const QSizeF tile(kPageWidth, pageH - title);
    double scale = 1.1;
    const auto pages = [&](double s) {
        return int(std::ceil(all.width() * s / tile.width())) *
               int(std::ceil(all.height() * s / tile.height()));
    };
    while (scale > 0.35 && pages(scale) > kMaxPages) scale *= 0.9;
    const int cols = int(std::ceil(all.width() * scale / tile.width()));
    const int rows = int(std::ceil(all.height() * scale / tile.height()));
    const QSizeF source(tile.width() / scale, tile.height() / scale);
    int page = 0;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            pdf.newPage();
            ++page;
            sectionTitle(p, QRectF(0, 0, kPageWidth, title),
                         QObject::tr("Operator DAG, part %1 of %2 (row %3, column %4)")
                             .arg(page)
                             .arg(rows * cols)
                             .arg(r + 1)
                             .arg(c + 1));
            const QRectF from(all.left() + c * source.width(), all.top() + r * source.height(),
                              source.width(), source.height());
            p.save();
            p.setClipRect(QRectF(0, title, tile.width(), tile.height()));
            dag_->paintWhole(p, QRectF(QPointF(0, title), tile), from);
            p.restore();
        }
    return page;
}

void ReportWriter::paintWidth(QPainter& p, const QRectF& rect) const {
    sectionTitle(p, rect, QObject::tr("Width profile (ops that could run at once per wavefront level)"));
    widgets::WidthChart chart;
    chart.setProfile(document_->model().facts.widthProfile, document_->model().facts.width.width);
    p.save();
    p.translate(rect.left(), rect.top() + 28);
    chart.paintChart(p, QSizeF(rect.width(), rect.height() - 28));
    p.restore();
}

void ReportWriter::paintTimeline(QPainter& p, const QRectF& rect) const {
    sectionTitle(p, rect,
                 dag_->criticalPathVisible()
                     ? QObject::tr("Timelines (predicted; measured kernels when executed; red bars: each "
                                   "schedule's critical path)")
                     : QObject::tr("Timelines (predicted; measured kernels when executed)"));
    if (timeline_->lanes().empty()) {
        p.drawText(rect.adjusted(0, 28, 0, 0), Qt::AlignCenter, QObject::tr("(no schedule)"));
        return;
    }
    p.save();
    p.translate(rect.left(), rect.top() + 28);
    timeline_->paintWhole(p, QSize(int(rect.width()), int(rect.height() - 28)));
    p.restore();
}

double ReportWriter::paintMetrics(QPainter& p, const QRectF& rect) const {
    sectionTitle(p, rect, QObject::tr("Runs and search statistics"));
    RunTableModel table(const_cast<Document*>(document_));
    const int columns = table.columnCount();
    const double rowH = 24;
    const double colW = rect.width() / columns;
    QFont f = p.font();
    f.setPointSizeF(10);
    double y = rect.top() + 30;
    for (int row = -1; row < table.rowCount(); ++row) {
        f.setBold(row < 0);
        p.setFont(f);
        if (row >= 0 && row % 2 == 0)
            p.fillRect(QRectF(rect.left(), y, rect.width(), rowH), QColor(242, 244, 248));
        p.setPen(Qt::black);
        for (int c = 0; c < columns; ++c) {
            const QString text = row < 0 ? table.headerData(c, Qt::Horizontal).toString()
                                         : table.data(table.index(row, c)).toString();
            p.drawText(QRectF(rect.left() + c * colW + 4, y, colW - 8, rowH),
                       Qt::AlignLeft | Qt::AlignVCenter, text);
        }
        y += rowH;
    }
    if (table.rowCount() == 0) {
        p.drawText(QRectF(rect.left(), y, rect.width(), rowH), Qt::AlignLeft, QObject::tr("(no runs)"));
        y += rowH;
    }
    for (const ScheduleRun& r : document_->runs()) {
        if (!r.measured) continue;
        p.drawText(QRectF(rect.left(), y, rect.width(), rowH), Qt::AlignLeft | Qt::AlignVCenter,
                   QObject::tr("%1 measured on %2: median %3 (p10 %4, p90 %5), busy %6%, mean concurrency %7")
                       .arg(r.label(), qs(r.measured->device), formatMs(r.measured->medianMs),
                            formatMs(r.measured->p10Ms), formatMs(r.measured->p90Ms))
                       .arg(r.measured->busyFraction * 100, 0, 'f', 1)
                       .arg(r.measured->meanConcurrency, 0, 'f', 2));
        y += rowH;
    }
    return y - rect.top();
}

bool ReportWriter::writePng(const QString& path, QString* error) const {
    const double m = 40, w = kPageWidth - 2 * m;
    // The DAG as tall as it needs for legible labels (folded into columns), within bounds.
    const double dagH = dagSectionHeight(w, kPngDagScale, kPngDagMaxHeight);
    const double widthH = 200, timelineH = 120 + 70.0 * double(timeline_->lanes().size());
    const double metricsH = 60 + 24.0 * double(document_->runs().size() + 4);
    const double height = 40 + 96 + dagH + widthH + timelineH + metricsH + 80;
    QImage image(int(kPageWidth), int(height), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    {
        QPainter p(&image);
        p.setRenderHint(QPainter::Antialiasing);
        p.setRenderHint(QPainter::TextAntialiasing);
        double y = m;
        y += paintHeader(p, QRectF(m, y, w, 96));
        paintDag(p, QRectF(m, y, w, dagH), kPngDagScale);
        y += dagH + 20;
        paintWidth(p, QRectF(m, y, w, widthH));
        y += widthH + 20;
        paintTimeline(p, QRectF(m, y, w, timelineH));
        y += timelineH + 20;
        paintMetrics(p, QRectF(m, y, w, metricsH));
    }
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (!image.save(&buffer, "PNG")) return fail(error, QStringLiteral("%1: PNG encoding failed").arg(path));
    return saveAtomically(path, bytes, error);
}

bool ReportWriter::writePdf(const QString& path, QString* error) const {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter pdf(&buffer);
        pdf.setTitle(QObject::tr("ioscope report — %1").arg(document_->model().displayName));
        pdf.setCreator(QStringLiteral("ioscope"));
        pdf.setPageSize(QPageSize(QPageSize::A4));
        pdf.setPageOrientation(QPageLayout::Landscape);
        pdf.setResolution(96); // fonts in points then match the PNG report
        QPainter p(&pdf);
        if (!p.isActive()) return fail(error, QStringLiteral("%1: cannot start the PDF").arg(path));
        // Lay pages out in kPageWidth logical units whatever the device resolution.
        const QRect page = pdf.pageLayout().paintRectPixels(pdf.resolution());
        const double scale = page.width() / kPageWidth;
        const double pageH = page.height() / scale;
        p.scale(scale, scale);
        p.setRenderHint(QPainter::Antialiasing);
        double y = paintHeader(p, QRectF(0, 0, kPageWidth, 96));
        paintDag(p, QRectF(0, y, kPageWidth, pageH - y - 230));
        paintWidth(p, QRectF(0, pageH - 210, kPageWidth, 200));
        paintDagTiles(pdf, p, pageH);
        pdf.newPage();
        const double timelineH = std::min(pageH * 0.6, 120 + 70.0 * double(timeline_->lanes().size()));
        paintTimeline(p, QRectF(0, 0, kPageWidth, timelineH));
        paintMetrics(p, QRectF(0, timelineH + 30, kPageWidth, pageH - timelineH - 30));
    }
    buffer.close();
    return saveAtomically(path, bytes, error);
}

} // namespace ioscope::app
