// ioscope: the schedule explorer. With --screenshot or --report it runs headless (see
// headless.h); otherwise it opens the window on MODEL, the last model, or Inception V3.
#include "app_settings.h"
#include "headless.h"
#include "main_window.h"
#include "platform_choice.h"
#include "timeline_view.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

namespace {

// The window on MODEL, the last model, or Inception V3, until it is closed. Closing saves the
// settings and cancels every job; the window's destructor joins their workers on the way out.
int runWindow(bool playOnce, const QString& firstModel) {
    ioscope::app::MainWindow window;
    if (ioscope::app::AppSettings::windowGeometry().isEmpty())
        window.showMaximized();
    else
        window.show();
    QString model = firstModel;
    if (model.isEmpty()) model = ioscope::app::AppSettings::lastModel();
    if (model.isEmpty()) model = QStringLiteral("inception_v3");
    QTimer::singleShot(0, &window, [&window, model] { window.openModel(model); });
    if (playOnce) {
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = QObject::connect(&window, &ioscope::app::MainWindow::searchFinished, &window,
                                       [&window, connection] {
                                           QObject::disconnect(*connection);
                                           window.timeline()->play();
                                       });
    }
    return QApplication::exec();
}

// Ends the process once the window and the application are gone and the settings are on disk
// (written on their own thread, app_settings.h): every worker has returned and Qt has handed over the
// clipboard by then. What is left are the libraries' static destructors (cuBLAS, cuDNN, CUPTI, Graphviz
// plugins), which free memory the exit frees anyway: under perf about 80 ms of a 0.2 s exit, spent in
// __cxa_finalize and the page faults it takes. Sanitizer builds exit normally so that the leak checks still
// run.
[[noreturn]] void exitPromptly(int status, std::optional<QApplication>& app) {
    app.reset();
    ioscope::app::AppSettings::waitForWrites();
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    std::exit(status);
#else
    std::fflush(nullptr);
    std::_Exit(status);
#endif
}

} // namespace

int main(int argc, char** argv) {
    switch (ioscope::app::choosePlatform(argc, argv)) {
    case ioscope::app::PlatformChoice::Offscreen:
        setenv("QT_QPA_PLATFORM", "offscreen", 1);
        break;
    case ioscope::app::PlatformChoice::NoDisplay:
        std::fputs(
            "ioscope: error: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset).\n"
            "Run it in a desktop session or under xvfb-run, or write a picture headless with\n"
            "--screenshot FILE.png MODEL or --report FILE.pdf MODEL (see --help).\n",
            stderr);
        return 1;
    case ioscope::app::PlatformChoice::AsConfigured:
        break;
    }
    // Held so that the window path can end it before the process exits (see the end).
    std::optional<QApplication> app;
    app.emplace(argc, argv);
    QApplication::setApplicationName(QStringLiteral("ioscope"));
    QApplication::setOrganizationName(QStringLiteral("ioscope"));
    QApplication::setApplicationVersion(QStringLiteral(IOSCOPE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Schedule explorer for inter-operator parallel CNN inference"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("MODEL"),
        QStringLiteral("inception_v3, squeezenet, randwire, nasnet, a model JSON or an ONNX file"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"), QStringLiteral("Write a screenshot of the window to FILE.png and exit"),
        QStringLiteral("FILE"));
    const QCommandLineOption report(
        QStringLiteral("report"), QStringLiteral("Write the report (PDF, or PNG by suffix) to FILE and exit"),
        QStringLiteral("FILE"));
    const QCommandLineOption schedule(QStringLiteral("schedule"),
                                      QStringLiteral("With --report: include the schedule in FILE"),
                                      QStringLiteral("FILE"));
    const QCommandLineOption play(
        QStringLiteral("play"), QStringLiteral("Start the timeline animation once the first search is done"));
    const QCommandLineOption cost(
        QStringLiteral("cost"),
        QStringLiteral("With --screenshot/--report: the search's cost model (default "
                       "sim:H100; gpu profiles live)"),
        QStringLiteral("SPEC"));
    const QCommandLineOption precision(QStringLiteral("precision"),
                                       QStringLiteral("With --screenshot/--report: fp32, tf32, fp16 or bf16"),
                                       QStringLiteral("P"));
    const QCommandLineOption execute(
        QStringLiteral("execute"),
        QStringLiteral("With --screenshot/--report: run the schedules on the GPU and show the measurements"));
    const QCommandLineOption size(
        QStringLiteral("size"),
        QStringLiteral("With --screenshot: the window's size, e.g. 1280x720 (default 1600x1000)"),
        QStringLiteral("WxH"));
    parser.addOptions({screenshot, report, schedule, play, cost, precision, execute, size});
    if (!parser.parse(QApplication::arguments())) {
        QTextStream(stderr) << "ioscope: error: " << parser.errorText() << '\n';
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version"))) parser.showVersion();

    const QStringList models = parser.positionalArguments();
    const bool headless = parser.isSet(screenshot) || parser.isSet(report);
    if (headless) {
        if (parser.isSet(screenshot) == parser.isSet(report) || models.size() != 1) {
            QTextStream(stderr)
                << "ioscope: error: usage: ioscope --screenshot OUT.png MODEL | --report OUT.pdf "
                   "MODEL [--schedule FILE]\n";
            return 2;
        }
        if (parser.isSet(schedule) && !parser.isSet(report)) {
            QTextStream(stderr) << "ioscope: error: --schedule goes with --report\n";
            return 2;
        }
        if (parser.isSet(size) && !parser.isSet(screenshot)) {
            QTextStream(stderr) << "ioscope: error: --size goes with --screenshot (the report's pages have "
                                   "their own layout)\n";
            return 2;
        }
        ioscope::app::HeadlessRequest request;
        request.screenshotPath = parser.value(screenshot);
        request.reportPath = parser.value(report);
        request.model = models.front();
        request.scheduleFile = parser.value(schedule);
        request.costSpec = parser.value(cost);
        request.precision = parser.value(precision);
        request.execute = parser.isSet(execute);
        if (parser.isSet(size)) {
            const std::optional<QSize> windowSize = ioscope::app::parseWindowSize(parser.value(size));
            if (!windowSize) {
                QTextStream(stderr) << "ioscope: error: --size '" << parser.value(size)
                                    << "': expected WIDTHxHEIGHT, each from 320 to 7680 (e.g. 1280x720)\n";
                return 2;
            }
            request.windowSize = *windowSize;
        }
        return ioscope::app::runHeadless(request);
    }
    if (parser.isSet(cost) || parser.isSet(precision) || parser.isSet(execute) || parser.isSet(size)) {
        QTextStream(stderr)
            << "ioscope: error: --cost, --precision, --execute and --size go with --screenshot or --report\n";
        return 2;
    }
    if (models.size() > 1) {
        QTextStream(stderr) << "ioscope: error: one MODEL at most\n";
        return 2;
    }

    exitPromptly(runWindow(parser.isSet(play), models.value(0)), app);
}
