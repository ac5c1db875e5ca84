// ioscope-cli with ONNX models: info on the fixtures (exit 0, notes printed), --input override,
// and bad files or options (exit 2, one line on stderr).
#include "cli_process.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <iterator>

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
        QCOMPARE(j["ops"].toInt(), 112); // 121 as written: 9 pool branches run conv-first as one unit
        QCOMPARE(j["input"].toArray().at(2).toInt(), 299);
        QCOMPARE(j["notes"].toArray().size(), 2); // the absent weights, the fusion

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

    // Split attention's radix softmax (docs/onnx.md) and its near misses, as written by
    // tests/fuzz/make_onnx_seeds: the pattern imports; each near miss is refused with exit 2 and
    // one line naming the file, the node and what is wrong, never a crash or another graph.
    void radixSoftmaxNearMisses() {
        const QString seeds = QStringLiteral(IOSCOPE_SOURCE_DIR "/tests/fuzz/seeds/onnx/");
        const Result ok = cli({"info", seeds + "radix_softmax.onnx", "--json"});
        QCOMPARE(ok.exitCode, 0);
        QVERIFY2(ok.err.isEmpty(), qPrintable(ok.err));
        const struct {
            const char* file;
            const char* node;
            const char* what;
        } cases[] = {
            {"radix3", "'rsoftmax' (Softmax", "across 3 channel blocks is not supported"},
            {"radix4", "'rsoftmax' (Softmax", "across 4 channel blocks is not supported"},
            {"cardinality2", "'rsoftmax' (Softmax", "cardinality 2 is not supported"},
            {"cardinality2_back", "'back' (Reshape", "cardinality) is not supported"},
            {"perm", "'transpose' (Transpose", "perm 0,2,1,3 of a 4-D view"},
            {"axis3", "'rsoftmax' (Softmax", "view axis 3 is not supported"},
            {"axis0", "'rsoftmax' (Softmax", "batch axis"},
            {"axis_size1", "'rsoftmax' (Softmax", "across 1 channel blocks is not supported"},
            {"back", "'back' (Reshape", "reshaped back to (N, C)"},
            {"back_batch", "'back' (Reshape", "reshaped back to (N, C)"},
            {"view_count", "'view' (Reshape", "holds more elements than the input"},
            {"opset11", "'rsoftmax' (Softmax, opset 11)", "opset < 13"},
            {"sigmoid", "'sigmoid' (Sigmoid", "4-D view of channels"},
        };
        QCOMPARE(QDir(seeds).entryList({"radix_bad_*.onnx"}, QDir::Files).size(), int(std::size(cases)));
        for (const auto& c : cases) {
            const QString file = seeds + "radix_bad_" + c.file + ".onnx";
            const Result r = cli({"info", file});
            verifyOneLineError(r, file);
            QVERIFY2(r.err.contains(QStringLiteral("node ") + c.node), qPrintable(r.err));
            QVERIFY2(r.err.contains(QString::fromUtf8(c.what)), qPrintable(r.err));
        }
    }

    // The ONNX fuzzer's findings (tests/fuzz/regressions/onnx, each fixed at its root): exit 2 with
    // one line naming the file, the node and what is wrong.
    void fuzzFindingsExitTwo() {
        const QString dir = QStringLiteral(IOSCOPE_SOURCE_DIR "/tests/fuzz/regressions/onnx/");
        const struct {
            const char* file;
            const char* what;
        } cases[] = {
            // A Split whose sizes overflowed when summed (UBSan: signed overflow).
            {"split-size-sum-overflow.onnx",
             "(Split, opset 17): split size 8247626254260764880 is out of range (the axis has 832)"},
        };
        QCOMPARE(QDir(dir).entryList(QDir::Files).size(), int(std::size(cases)));
        for (const auto& c : cases) {
            const Result r = cli({"info", dir + c.file});
            verifyOneLineError(r, dir + c.file);
            QVERIFY2(r.err.contains(QString::fromUtf8(c.what)), qPrintable(r.err));
        }
    }
};

QTEST_GUILESS_MAIN(TestCliOnnx)
#include "tst_cli_onnx.moc"
