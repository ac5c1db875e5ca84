// ioscope-cli with ONNX models: info on the fixtures (exit 0, notes printed), --input override,
// and bad files or options (exit 2, one line on stderr).
#include "cli_process.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

const QString kFixtures = QStringLiteral(IOSCOPE_SHARED_DIR "/fixtures/onnx/");

struct Result {
    int exitCode = -1;
    QString out, err;
};

Result cli(const QStringList& args) {
    const CliRun r = runCli(args);
    return {r.exitCode, QString::fromUtf8(r.out), QString::fromUtf8(r.err)};
}

void verifyOneLineError(const Result& r, const QString& mustContain) {
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.startsWith("ioscope-cli: error: "), qPrintable(r.err));
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(r.err.contains(mustContain), qPrintable(r.err));
}

} // namespace

class TestCliOnnx : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

  private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const Result probe = cli({"info", dir_.path() + "/none.onnx"});
        if (probe.err.contains("without ONNX support")) QSKIP("ioscope-cli built without ONNX support");
    }

    void infoOnFixtures() {
        if (!QFileInfo::exists(kFixtures)) QSKIP("no ONNX fixtures");
        const Result text = cli({"info", kFixtures + "squeezenet1_1.onnx"});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("note: external weight data"));
        QVERIFY(text.out.contains("units      39"));

        const Result json = cli({"info", kFixtures + "inception_v3.onnx", "--json"});
        QCOMPARE(json.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(json.out.toUtf8()).object();
        QCOMPARE(j["ops"].toInt(), 121);
        QCOMPARE(j["input"].toArray().at(2).toInt(), 299);
        QCOMPARE(j["notes"].toArray().size(), 1);

        const Result weights = cli({"info", kFixtures + "squeezenet1_1.with-weights.onnx", "--json"});
        QCOMPARE(weights.exitCode, 0);
        QVERIFY(QJsonDocument::fromJson(weights.out.toUtf8()).object()["notes"].toArray().isEmpty());
    }

    void inputOverride() {
        if (!QFileInfo::exists(kFixtures)) QSKIP("no ONNX fixtures");
        const Result r = cli({"info", kFixtures + "inception_v3.onnx", "--input", "1x3x224x224", "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(j["input"].toArray().at(1).toInt(), 224);
        QVERIFY(j["notes"].toArray().at(0).toString().contains("overridden"));

        const QString out = dir_.path() + "/sq.json";
        const Result e =
            cli({"export-model", kFixtures + "squeezenet1_1.onnx", "--input", "1x3x256x256", "-o", out});
        QCOMPARE(e.exitCode, 0);
        QVERIFY(QFileInfo::exists(out));

        verifyOneLineError(cli({"info", kFixtures + "squeezenet1_1.onnx", "--input", "1x3x2O0x200"}),
                           "--input");
        verifyOneLineError(cli({"info", kFixtures + "squeezenet1_1.onnx", "--input", "8x3x224x224"}),
                           "batch");
        verifyOneLineError(cli({"info", "squeezenet", "--input", "1x3x224x224"}), "ONNX models only");
        // A shape too small for the network is a bad input naming the node.
        verifyOneLineError(cli({"info", kFixtures + "squeezenet1_1.onnx", "--input", "1x3x8x8"}), "node '");
    }

    void badFilesExitTwo() {
        const QString garbage = dir_.path() + "/garbage.onnx";
        QFile f(garbage);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray("\x0a\xff\xff\xff\xff\x0f not an onnx model", 24));
        f.close();
        verifyOneLineError(cli({"info", garbage}), garbage);
        verifyOneLineError(cli({"info", dir_.path() + "/missing.onnx"}), "no such file");
        if (QFileInfo::exists(kFixtures)) {
            QFile src(kFixtures + "googlenet.onnx");
            QVERIFY(src.open(QIODevice::ReadOnly));
            const QString cut = dir_.path() + "/cut.onnx";
            QFile dst(cut);
            QVERIFY(dst.open(QIODevice::WriteOnly));
            dst.write(src.read(src.size() / 2));
            dst.close();
            verifyOneLineError(cli({"info", cut}), "cut.onnx");
        }
    }
};

QTEST_GUILESS_MAIN(TestCliOnnx)
#include "tst_cli_onnx.moc"
