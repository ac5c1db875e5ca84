#include "exporter.h"

#include "dag_view.h"
#include "document.h"
#include "qt_text.h"
#include "report_writer.h"
#include "schedule/schedule_json.h"
// The trace writer lands with the scheduler work; until then that export says it is unavailable.
#if __has_include("pipeline/chrome_trace.h")
#include "pipeline/chrome_trace.h"
#define IOSCOPE_APP_CHROME_TRACE 1
#endif
#include "timeline_view.h"
#include "trace_export.h"
#include "util/atomic_file.h"

#include <QObject>

namespace ioscope::app {

const QList<ExportKind>& exportKinds() {
    static const QList<ExportKind> kinds = {
        {QStringLiteral("schedule-json"), QObject::tr("Schedule (JSON)"), QStringLiteral(".schedule.json"),
         QObject::tr("Schedule JSON (*.json)")},
        {QStringLiteral("chrome-trace"), QObject::tr("Chrome trace (Perfetto JSON)"),
         QStringLiteral(".trace.json"), QObject::tr("Trace JSON (*.json)")},
        {QStringLiteral("dag-svg"), QObject::tr("DAG as SVG"), QStringLiteral(".dag.svg"),
         QObject::tr("SVG (*.svg)")},
        {QStringLiteral("dag-png"), QObject::tr("DAG as PNG"), QStringLiteral(".dag.png"),
         QObject::tr("PNG (*.png)")},
        {QStringLiteral("timeline-svg"), QObject::tr("Timeline as SVG"), QStringLiteral(".timeline.svg"),
         QObject::tr("SVG (*.svg)")},
        {QStringLiteral("timeline-png"), QObject::tr("Timeline as PNG"), QStringLiteral(".timeline.png"),
         QObject::tr("PNG (*.png)")},
        {QStringLiteral("report-pdf"), QObject::tr("Report (PDF)"), QStringLiteral(".report.pdf"),
         QObject::tr("PDF (*.pdf)")},
        {QStringLiteral("report-png"), QObject::tr("Report (PNG)"), QStringLiteral(".report.png"),
         QObject::tr("PNG (*.png)")},
    };
    return kinds;
}

const ExportKind* findExportKind(const QString& id) {
    for (const ExportKind& k : exportKinds())
        if (k.id == id) return &k;
    return nullptr;
}

ScheduleDocument toScheduleDocument(const Graph& g, const ScheduleRun& run) {
    ScheduleDocument doc = makeScheduleDocument(g, run.schedule);
    const SchedulerOptions& o = run.request.options;
    doc.scheduler = ss(toCliString(run.scheduler));
    doc.maxGroupSize = o.maxGroupSize;
    doc.maxGroups = o.maxGroups;
    doc.maxPartSize = o.maxPartSize;
    doc.maxStreams = o.maxStreams;
    doc.strategy = std::string(toString(o.strategy));
    doc.costModel = ss(run.request.costSpec);
    doc.device = ss(run.costDevice);
    doc.run = o.run;
    doc.latencyMs = run.latencyMs;
    if (run.scheduler == SchedulerKind::Ios)
        doc.search = ScheduleSearchInfo{run.stats.states, run.stats.transitions, run.stats.stagesCosted,
                                        run.stats.seconds};
    if (run.measured) {
        MeasuredLatency m;
        m.medianMs = run.measured->medianMs;
        m.p10Ms = run.measured->p10Ms;
        m.p90Ms = run.measured->p90Ms;
        m.runs = int(run.measured->samplesMs.size());
        m.device = run.measured->device;
        doc.measured = m;
    }
    return doc;
}

namespace {
bool fail(QString* error, const QString& message) {
    if (error) *error = message;
    return false;
}
} // namespace

bool Exporter::write(const QString& id, const QString& path, QString* error) const {
    if (!document_->hasModel()) return fail(error, QObject::tr("No model is open."));
    if (id == QLatin1String("schedule-json")) return writeScheduleJson(path, error);
    if (id == QLatin1String("chrome-trace")) return writeChromeTrace(path, error);
    if (id == QLatin1String("dag-svg")) return dag_->exportSvg(path, error);
    if (id == QLatin1String("dag-png")) return dag_->exportPng(path, 2.0, error);
    if (id == QLatin1String("timeline-svg")) return timeline_->exportSvg(path, {}, error);
    if (id == QLatin1String("timeline-png")) return timeline_->exportPng(path, {}, 2.0, error);
    if (id == QLatin1String("report-pdf") || id == QLatin1String("report-png"))
        return writeReport(path, error);
    return fail(error, QObject::tr("Unknown export %1").arg(id));
}

bool Exporter::writeScheduleJson(const QString& path, QString* error) const {
    const ScheduleRun* run = document_->currentRun();
    if (!run) return fail(error, QObject::tr("No schedule yet: run a search first."));
    try {
        const Graph& g = *document_->graph();
        writeFileAtomically(ss(path), scheduleToJson(g, toScheduleDocument(g, *run)));
        return true;
    } catch (const std::exception& e) {
        return fail(error, QString::fromUtf8(e.what()));
    }
}

bool Exporter::writeChromeTrace(const QString& path, QString* error) const {
    const ScheduleRun* run = document_->currentRun();
    if (!run) return fail(error, QObject::tr("No schedule yet: run a search first."));
#ifndef IOSCOPE_APP_CHROME_TRACE
    return fail(error, QObject::tr("%1: Chrome traces are not available in this build").arg(path));
#else
    try {
        writeFileAtomically(ss(path), documentTraceJson(*document_->graph(), document_->runs()));
        return true;
    } catch (const std::exception& e) {
        return fail(error, QString::fromUtf8(e.what()));
    }
#endif
}

bool Exporter::writeReport(const QString& path, QString* error) const {
    ReportWriter report(document_, dag_, timeline_);
    return path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive) ? report.writePng(path, error)
                                                                     : report.writePdf(path, error);
}

} // namespace ioscope::app
