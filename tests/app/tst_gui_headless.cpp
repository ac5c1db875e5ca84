// The headless modes of the built `ioscope` binary (run through QProcess, offscreen):
// --screenshot and --report write valid files and exit 0; bad input exits 2 with a message;
// without a display, headless runs fall back to offscreen and the window refuses clearly.
#include "gpu/gpu_execution.h"
#include "platform_choice.h"
#include <QFileInfo>
#include <QImage>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

class TestGuiHeadless : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void screenshot();
    void screenshotAtAGivenSize();
    void reportPdf();
    void reportPng();
    void reportWithScheduleFile();
    void badModelExits2();
    void usageErrorExits2();
    void costPrecisionAndExecute();
    void platformChoice();
    void withoutDisplayHeadlessRunsOffscreen();
    void withoutDisplayTheWindowRefusesClearly();

  private:
    enum class Display { Offscreen, None };
    int run(const QStringList& args, QByteArray* err = nullptr, Display display = Display::Offscreen);
    QString binary_;
    QTemporaryDir dir_;
};

void TestGuiHeadless::initTestCase() {
    // The explorer lands next to ioscope-cli (build/bin).
    binary_ = QFileInfo(QStringLiteral(IOSCOPE_CLI_PATH)).absoluteDir().filePath(QStringLiteral("ioscope"));
    if (!QFileInfo::exists(binary_)) QSKIP("the ioscope binary is not built (build the 'ioscope' target)");
    QVERIFY(dir_.isValid());
}

int TestGuiHeadless::run(const QStringList& args, QByteArray* err, Display display) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (display == Display::Offscreen) {
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    } else {
        for (const char* name : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"})
            env.remove(QString::fromLatin1(name));
    }
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir_.filePath(QStringLiteral("config")));
    p.setProcessEnvironment(env);
    p.start(binary_, args);
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        return -1;
    }
    if (err) *err = p.readAllStandardError();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
}

void TestGuiHeadless::screenshot() {
    const QString out = dir_.filePath(QStringLiteral("shot.png"));
    QByteArray err;
    QCOMPARE(run({QStringLiteral("--screenshot"), out, QStringLiteral("squeezenet")}, &err), 0);
    QImage image(out);
    QVERIFY2(!image.isNull(), err.constData());
    QVERIFY(image.width() >= 800 && image.height() >= 600);
}

// --size sets the window, so the screenshot shows the layout a laptop screen gets; bad sizes exit 2.
void TestGuiHeadless::screenshotAtAGivenSize() {
    const QString out = dir_.filePath(QStringLiteral("small.png"));
    QByteArray err;
    QCOMPARE(run({QStringLiteral("--size"), QStringLiteral("1280x720"), QStringLiteral("--screenshot"), out,
                  QStringLiteral("squeezenet")},
                 &err),
             0);
    QImage image(out);
    QVERIFY2(!image.isNull(), err.constData());
    QCOMPARE(image.size() / image.devicePixelRatio(), QSize(1280, 720));
    for (const char* bad : {"1280", "10x720", "1280x720x3", "wide"}) {
        QCOMPARE(run({QStringLiteral("--size"), QString::fromLatin1(bad), QStringLiteral("--screenshot"), out,
                      QStringLiteral("squeezenet")},
                     &err),
                 2);
        QVERIFY2(err.contains("--size"), err.constData());
    }
    QCOMPARE(run({QStringLiteral("--size"), QStringLiteral("1280x720"), QStringLiteral("--report"),
                  dir_.filePath(QStringLiteral("r.pdf")), QStringLiteral("squeezenet")},
                 &err),
             2);
    QCOMPARE(run({QStringLiteral("--size"), QStringLiteral("1280x720"), QStringLiteral("squeezenet")}, &err),
             2); // the window's own size is the user's; it never opens here
}

void TestGuiHeadless::reportPdf() {
    const QString out = dir_.filePath(QStringLiteral("report.pdf"));
    QCOMPARE(run({QStringLiteral("--report"), out, QStringLiteral("squeezenet")}), 0);
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.read(4) == "%PDF");
    QVERIFY(f.size() > 10000);
}

void TestGuiHeadless::reportPng() {
    const QString out = dir_.filePath(QStringLiteral("report.png"));
    QCOMPARE(run({QStringLiteral("--report"), out, QStringLiteral("squeezenet")}), 0);
    QImage image(out);
    QVERIFY(!image.isNull());
    QVERIFY(image.height() > image.width()); // one tall page
}

void TestGuiHeadless::reportWithScheduleFile() {
    const QString schedule = dir_.filePath(QStringLiteral("sq.schedule.json"));
    QProcess cli;
    cli.start(QStringLiteral(IOSCOPE_CLI_PATH),
              {QStringLiteral("schedule"), QStringLiteral("squeezenet"), QStringLiteral("-o"), schedule});
    QVERIFY(cli.waitForFinished(120000));
    if (cli.exitCode() != 0) QSKIP("ioscope-cli schedule is not available in this build");
    const QString out = dir_.filePath(QStringLiteral("with_schedule.pdf"));
    QCOMPARE(run({QStringLiteral("--report"), out, QStringLiteral("squeezenet"), QStringLiteral("--schedule"),
                  schedule}),
             0);
    QVERIFY(QFileInfo(out).size() > 10000);
    // A schedule of another model is bad input.
    QByteArray err;
    QCOMPARE(run({QStringLiteral("--report"), out, QStringLiteral("inception_v3"),
                  QStringLiteral("--schedule"), schedule},
                 &err),
             2);
    QVERIFY2(err.contains("sq.schedule.json"), err.constData());
}

void TestGuiHeadless::badModelExits2() {
    const QString bad = dir_.filePath(QStringLiteral("bad.json"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("[1, 2");
    f.close();
    const QString out = dir_.filePath(QStringLiteral("never.png"));
    QByteArray err;
    QCOMPARE(run({QStringLiteral("--screenshot"), out, bad}, &err), 2);
    QVERIFY2(err.contains("bad.json"), err.constData());
    QVERIFY(!QFileInfo::exists(out));
    QCOMPARE(run({QStringLiteral("--report"), out, QStringLiteral("no_such_model")}, &err), 2);
}

void TestGuiHeadless::usageErrorExits2() {
    QCOMPARE(run({QStringLiteral("--screenshot"), dir_.filePath(QStringLiteral("a.png"))}), 2);
    QCOMPARE(run({QStringLiteral("--bogus-option")}), 2);
}

// --cost and --precision choose the search; --execute needs the GPU runtime: without one it
// fails with the runtime's reason and writes nothing, with one the screenshot is taken.
void TestGuiHeadless::costPrecisionAndExecute() {
    const QString out = dir_.filePath(QStringLiteral("exec.png"));
    QByteArray err;
    QCOMPARE(run({QStringLiteral("--precision"), QStringLiteral("fp8"), QStringLiteral("--screenshot"), out,
                  QStringLiteral("squeezenet")},
                 &err),
             2);
    QVERIFY2(err.contains("fp8"), err.constData());
    QCOMPARE(run({QStringLiteral("--cost"), QStringLiteral("sim:nowhere"), QStringLiteral("--screenshot"),
                  out, QStringLiteral("squeezenet")},
                 &err),
             2);
    QVERIFY2(err.contains("nowhere"), err.constData());
    QVERIFY(!QFileInfo::exists(out));
    QCOMPARE(run({QStringLiteral("--execute"), QStringLiteral("squeezenet")}),
             2); // needs --screenshot/--report

    ioscope::GpuContext probe;
    const ioscope::GpuStatus gpu = probe.status();
    const int status =
        run({QStringLiteral("--cost"), QStringLiteral("sim:H200"), QStringLiteral("--precision"),
             QStringLiteral("tf32"), QStringLiteral("--execute"), QStringLiteral("--screenshot"), out,
             QStringLiteral("squeezenet")},
            &err);
    if (gpu.available) {
        QCOMPARE(status, 0);
        QVERIFY(!QImage(out).isNull());
    } else {
        QCOMPARE(status, 1);
        QVERIFY2(err.contains("--execute"), err.constData());
        QVERIFY(!QFileInfo::exists(out));
    }
}

void TestGuiHeadless::platformChoice() {
    using ioscope::app::choosePlatform;
    using ioscope::app::PlatformChoice;
    QCOMPARE(choosePlatform({"squeezenet"}, true, false), PlatformChoice::AsConfigured);
    QCOMPARE(choosePlatform({"squeezenet"}, false, true), PlatformChoice::AsConfigured);
    QCOMPARE(choosePlatform({"squeezenet"}, false, false), PlatformChoice::NoDisplay);
    QCOMPARE(choosePlatform({}, false, false), PlatformChoice::NoDisplay);
    QCOMPARE(choosePlatform({"--screenshot", "a.png", "squeezenet"}, false, false),
             PlatformChoice::Offscreen);
    QCOMPARE(choosePlatform({"--report=a.pdf", "nasnet"}, false, false), PlatformChoice::Offscreen);
    QCOMPARE(choosePlatform({"--help"}, false, false), PlatformChoice::Offscreen);
    QCOMPARE(choosePlatform({"-v"}, false, false), PlatformChoice::Offscreen);
    // A model file named like an option after "--" is a model, not a request for headless output.
    QCOMPARE(choosePlatform({"--", "--report"}, false, false), PlatformChoice::NoDisplay);
}

void TestGuiHeadless::withoutDisplayHeadlessRunsOffscreen() {
    const QString out = dir_.filePath(QStringLiteral("no-display.png"));
    QByteArray err;
    QCOMPARE(run({QStringLiteral("--screenshot"), out, QStringLiteral("squeezenet")}, &err, Display::None),
             0);
    QVERIFY2(!QImage(out).isNull(), err.constData());
    QCOMPARE(run({QStringLiteral("--help")}, &err, Display::None), 0);
}

void TestGuiHeadless::withoutDisplayTheWindowRefusesClearly() {
    QByteArray err;
    QCOMPARE(run({QStringLiteral("squeezenet")}, &err, Display::None), 1);
    QVERIFY2(err.contains("no display") && err.contains("xvfb-run"), err.constData());
}

QTEST_MAIN(TestGuiHeadless)
#include "tst_gui_headless.moc"
