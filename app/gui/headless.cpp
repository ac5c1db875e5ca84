#include "headless.h"

#include "app_settings.h"
#include "cost/cost_factory.h"
#include "dag_view.h"
#include "document.h"
#include "execution_panel.h"
#include "exporter.h"
#include "main_window.h"
#include "qt_text.h"
#include "schedule/schedule_json.h"
#include "search_panel.h"
#include "search_work.h"
#include "selection_model.h"
#include "timeline_view.h"
#include "util/atomic_file.h"
#include "util/errors.h"

#include <QApplication>
#include <QBuffer>
#include <QDockWidget>
#include <QPixmap>
#include <QSaveFile>
#include <QTextStream>

namespace ioscope::app {
namespace {

int complain(int status, const QString& message) {
    QTextStream(stderr) << "ioscope: error: " << message << '\n';
    return status;
}

bool savePixmap(const QPixmap& pixmap, const QString& path, QString* error) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (!pixmap.save(&buffer, "PNG")) {
        *error = QStringLiteral("%1: PNG encoding failed").arg(path);
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

// Loads FILE as a schedule for the open model and makes it the current run, costed under the
// search's cost model at the schedule's own run configuration (batch, precision, layout); an
// explicit --precision that differs from the schedule's is used and said.
void addScheduleFile(MainWindow& window, const QString& file, bool explicitPrecision) {
    Document* doc = window.document();
    const Graph& g = *doc->graph();
    const ScheduleDocument loaded = loadScheduleFile(g, ss(file));
    SearchRequest request = window.searchPanel()->request();
    const Precision asked = request.options.run.precision;
    request.options.run = loaded.run;
    if (explicitPrecision && asked != loaded.run.precision) {
        request.options.run.precision = asked;
        QTextStream(stderr) << "ioscope: note: costing at " << qs(toString(asked)) << ", though " << file
                            << " was made at " << qs(toString(loaded.run.precision))
                            << "; its stages were chosen for that\n";
    }
    const SchedulerKind kind = schedulerKindFromString(qs(loaded.scheduler)).value_or(SchedulerKind::Ios);
    ScheduleRun run = costSchedule(g, loaded.schedule, kind, request, window.gpu(), nullptr);
    doc->setCurrentRun(doc->addRun(std::move(run)));
}

} // namespace

std::optional<QSize> parseWindowSize(const QString& text) {
    const QStringList sides = text.trimmed().toLower().split(QLatin1Char('x'));
    if (sides.size() != 2) return std::nullopt;
    bool wideOk = false, highOk = false;
    const int width = sides[0].toInt(&wideOk), height = sides[1].toInt(&highOk);
    const auto inRange = [](int v) { return v >= 320 && v <= 7680; };
    if (!wideOk || !highOk || !inRange(width) || !inRange(height)) return std::nullopt;
    return QSize(width, height);
}

int runHeadless(const HeadlessRequest& request) {
    MainWindow window;
    window.setQuietErrors(true);
    // Headless runs use the defaults, not what a user last chose in the window.
    SearchRequest defaults;
    if (!request.costSpec.isEmpty()) defaults.costSpec = request.costSpec;
    if (!request.precision.isEmpty()) {
        const std::optional<Precision> p = precisionFromString(ss(request.precision));
        if (!p)
            return complain(
                2,
                QStringLiteral("unknown precision '%1' (fp32, tf32, fp16 or bf16)").arg(request.precision));
        defaults.options.run.precision = *p;
    }
    if (!request.costSpec.isEmpty()) {
        try { // a bad spelling is bad input (exit 2), found before any window work
            makeCostModel(ss(request.costSpec), defaults.options.run);
        } catch (const InputError& e) {
            return complain(2, QStringLiteral("--cost: %1").arg(QString::fromUtf8(e.what())));
        } catch (const std::exception&) {
            // e.g. "gpu" without a device: reported by the search itself (exit 1)
        }
    }
    window.searchPanel()->setRequest(defaults);
    QString loadError, runError;
    QObject::connect(&window, &MainWindow::errorShown, [&](const QString& m) {
        if (!window.document()->hasModel())
            loadError = m;
        else if (runError.isEmpty())
            runError = m;
    });
    window.resize(request.windowSize); // main.cpp refuses --size with --report
    window.show();
    window.openModel(request.model);
    if (!window.waitUntilIdle(request.timeoutMs)) return complain(1, QStringLiteral("timed out"));
    if (!window.document()->hasModel())
        return complain(2, loadError.isEmpty() ? QStringLiteral("%1: cannot open").arg(request.model)
                                               : loadError);
    if (!runError.isEmpty()) return complain(1, runError);

    if (!request.scheduleFile.isEmpty()) {
        try {
            addScheduleFile(window, request.scheduleFile, !request.precision.isEmpty());
        } catch (const InputError& e) {
            return complain(2, QString::fromUtf8(e.what()));
        } catch (const std::exception& e) {
            return complain(1, QString::fromUtf8(e.what()));
        }
    }
    if (request.execute) {
        ExecutionPanel* panel = window.executionPanel();
        if (!panel->gpuAvailable())
            return complain(1, QStringLiteral("--execute: %1").arg(panel->unavailableReason()));
        if (auto* dock = window.findChild<QDockWidget*>(QStringLiteral("executionDock"))) dock->raise();
        panel->execute();
        if (!window.waitUntilIdle(request.timeoutMs)) return complain(1, QStringLiteral("timed out"));
        if (!runError.isEmpty()) return complain(1, runError);
    }
    // Show a moment of the schedule: the playhead part-way lights the running ops.
    widgets::TimelineView* timeline = window.timeline();
    timeline->setPlayheadMs(timeline->durationMs() * 0.37);
    const QList<OpId> running = timeline->runningOps(timeline->activeLane());
    if (!running.isEmpty()) {
        window.selection()->selectOp(running.front()); // fills the properties panel
        window.dagView()->centerOnOp(running.front());
    } else
        window.dagView()->fitToWindow();
    QApplication::processEvents();

    QString error;
    if (!request.screenshotPath.isEmpty()) {
        if (!savePixmap(window.grab(), request.screenshotPath, &error)) return complain(1, error);
        return 0;
    }
    Exporter exporter(window.document(), window.dagView(), window.timeline());
    const QString kind = request.reportPath.endsWith(QLatin1String(".png"), Qt::CaseInsensitive)
                             ? QStringLiteral("report-png")
                             : QStringLiteral("report-pdf");
    if (!exporter.write(kind, request.reportPath, &error)) return complain(1, error);
    return 0;
}

} // namespace ioscope::app
