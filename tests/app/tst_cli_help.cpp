// ioscope-cli --version, --help, `help COMMAND` and `COMMAND --help` through the real binary,
// and the man page covering every command.
#include "cli_process.h"

#include <QFile>
#include <QRegularExpression>
#include <QtTest>

namespace {

const QStringList kCommands{"info", "schedule", "evaluate", "execute", "trace", "profile", "export-model"};

QString sourceFile(const QString& relative) {
    QFile f(QStringLiteral(IOSCOPE_SOURCE_DIR "/") + relative);
    if (!f.open(QIODevice::ReadOnly)) qFatal("cannot read %s", qPrintable(relative));
    return QString::fromUtf8(f.readAll());
}

} // namespace

class TestCliHelp : public QObject {
    Q_OBJECT
  private slots:
    // The version is the CMake project's.
    void versionIsTheProjects() {
        const QRegularExpressionMatch m =
            QRegularExpression(QStringLiteral(R"(project\(ioscope VERSION ([0-9.]+))"))
                .match(sourceFile(QStringLiteral("CMakeLists.txt")));
        QVERIFY(m.hasMatch());
        for (const char* flag : {"--version", "-V"}) {
            const CliRun r = runCli({QString::fromLatin1(flag)});
            QCOMPARE(r.exitCode, 0);
            QCOMPARE(QString::fromUtf8(r.out).trimmed(), QStringLiteral("ioscope-cli ") + m.captured(1));
        }
    }

    void overview() {
        const CliRun r = runCli({"--help"});
        QCOMPARE(r.exitCode, 0);
        for (const QString& c : kCommands) QVERIFY2(r.out.contains(c.toUtf8()), qPrintable(c));
        QCOMPARE(runCli({}).exitCode, 2); // no command: usage on stderr
    }

    // Each command's page, both ways, runs nothing (no MODEL needed).
    void commandPages() {
        for (const QString& c : kCommands) {
            const CliRun a = runCli({"help", c});
            QCOMPARE(a.exitCode, 0);
            QVERIFY2(a.out.startsWith("usage: ioscope-cli " + c.toUtf8()), a.out.constData());
            const CliRun b = runCli({c, "--help"});
            QCOMPARE(b.exitCode, 0);
            QCOMPARE(b.out, a.out);
        }
        const CliRun bad = runCli({"help", "frobnicate"});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.startsWith("ioscope-cli: error: "));
    }

    // The man page names every command and takes its version from CMake.
    void manPageCoversEveryCommand() {
        const QString page = sourceFile(QStringLiteral("docs/ioscope-cli.1.in"));
        QVERIFY(page.contains(QStringLiteral("@PROJECT_VERSION@")));
        for (const QString& c : kCommands)
            QVERIFY2(page.contains(QStringLiteral(".BI \"") + c), qPrintable(c));
    }
};

QTEST_GUILESS_MAIN(TestCliHelp)
#include "tst_cli_help.moc"
