#pragma once
// Every export of the explorer, written atomically (QSaveFile or the engine's atomic writer):
// schedule JSON, Chrome trace, DAG and timeline as SVG/PNG, the report as PDF/PNG.
#include "schedule/schedule_json.h"
#include "schedule_run.h"

#include <QList>
#include <QString>

namespace ioscope::widgets {
class DagView;
class TimelineView;
} // namespace ioscope::widgets

namespace ioscope::app {

class Document;

// The schedule file of a run: parameters, predicted latency, search statistics, measurements.
ScheduleDocument toScheduleDocument(const Graph& g, const ScheduleRun& run);

struct ExportKind {
    QString id;     // "schedule-json", "dag-svg", ...
    QString title;  // menu text
    QString suffix; // ".json"
    QString filter; // file dialog filter
};
const QList<ExportKind>& exportKinds();
const ExportKind* findExportKind(const QString& id);

class Exporter {
  public:
    Exporter(const Document* document, widgets::DagView* dag, widgets::TimelineView* timeline)
        : document_(document), dag_(dag), timeline_(timeline) {}

    // Writes export `id` to `path`; false with *error ("PATH: why") on failure.
    bool write(const QString& id, const QString& path, QString* error) const;

    bool writeScheduleJson(const QString& path, QString* error) const;
    bool writeChromeTrace(const QString& path, QString* error) const;
    bool writeReport(const QString& path, QString* error) const; // .pdf or .png by suffix

  private:
    const Document* document_;
    widgets::DagView* dag_;
    widgets::TimelineView* timeline_;
};

} // namespace ioscope::app
