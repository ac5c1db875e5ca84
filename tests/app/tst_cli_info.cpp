// ioscope-cli info through the real binary: bundled names and files, --json keys, and bad input
// (each exits 2 with one line "ioscope-cli: error: FILE: ..." on stderr, never a crash or hang).
#include "cli_process.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

using Result = CliRun;

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& content) {
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(content);
    return path;
}

QByteArray model(const QByteArray& ops) {
    return R"({"format": "ioscope-model", "version": 1, "name": "t", "ops": [)" + ops + "]}";
}
const QByteArray kInput = R"({"name": "in", "kind": "input", "shape": [3, 8, 8]})";

} // namespace

class TestCliInfo : public QObject {
    Q_OBJECT
  private slots:
    void jsonHasTheContractKeys() {
        const Result r = runCli({"info", "squeezenet", "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        for (const char* key : {"ops", "edges", "width", "antichain", "blocks", "flops"})
            QVERIFY2(j.contains(key), key);
        QCOMPARE(j["ops"].toInt(), 50);
        QCOMPARE(j["width"].toInt(), 3);
        QCOMPARE(j["blocks"].toInt(), 12);
        QCOMPARE(j["antichain"].toArray().size(), 3);
        QVERIFY(j["flops"].toDouble() > 1e9);
    }

    void bundledNetworksCounts_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("ops");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("blocks");
        QTest::newRow("inception_v3") << "inception_v3" << 119 << 6 << 13;
        QTest::newRow("squeezenet") << "squeezenet" << 50 << 3 << 12;
        QTest::newRow("randwire") << "randwire" << 120 << 9 << 6;
        QTest::newRow("nasnet") << "nasnet" << 374 << 15 << 3;
    }
    void bundledNetworksCounts() {
        QFETCH(QString, name);
        QFETCH(int, ops);
        QFETCH(int, width);
        QFETCH(int, blocks);
        const QString file = QStringLiteral(IOSCOPE_SOURCE_DIR) + "/models/" + name + ".json";
        for (const QString& spec : {name, file}) {
            // The networks as the IOS paper defines them (before the runtime fusion rewrite).
            const Result r = runCli({"info", spec, "--json", "--no-fuse"});
            QCOMPARE(r.exitCode, 0);
            const QJsonObject j = QJsonDocument::fromJson(r.out).object();
            QCOMPARE(j["ops"].toInt(), ops);
            QCOMPARE(j["width"].toInt(), width);
            QCOMPARE(j["blocks"].toInt(), blocks);
        }
    }

    void fusedUnits_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("ops");
        QTest::newRow("inception_v3") << "inception_v3" << 110; // 9 pools run after their 1x1 conv
        QTest::newRow("randwire") << "randwire" << 115;         // node sums ride in separable convs
        QTest::newRow("nasnet") << "nasnet" << 386;             // branch sums folded, shared ReLUs added
    }
    void fusedUnits() {
        QFETCH(QString, name);
        QFETCH(int, ops);
        const Result r = runCli({"info", name, "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j["ops"].toInt(), ops);
        const QString notes = QJsonDocument(j["notes"].toArray()).toJson();
        QVERIFY(notes.contains("fused"));
    }

    void textOutput() {
        const Result r = runCli({"info", "inception_v3"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("units      110"));
        QVERIFY(r.out.contains("width      6"));
    }

    void badInput_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expect");
        const QByteArray good = model(kInput + R"(, {"name": "a", "kind": "activation", "inputs": ["in"]})");
        QTest::newRow("truncated") << good.left(good.size() / 2) << "";
        QTest::newRow("empty") << QByteArray() << "";
        QTest::newRow("not json") << QByteArray("this is not a model\n") << "";
        QTest::newRow("binary") << QByteArray("\x00\xff\xfe\x01", 4) << "";
        QTest::newRow("wrong top-level type") << QByteArray("[1, 2, 3]") << "";
        QTest::newRow("wrong type: kind")
            << model(kInput + R"(, {"name": "a", "kind": 5, "inputs": ["in"]})") << "kind";
        QTest::newRow("wrong type: ops")
            << QByteArray(R"({"format": "ioscope-model", "version": 1, "name": "t", "ops": 3})") << "ops";
        QTest::newRow("wrong type: shape")
            << model(R"({"name": "in", "kind": "input", "shape": "3x8x8"})") << "shape";
        QTest::newRow("huge number") << model(kInput + R"(, {"name": "c", "kind": "conv2d", "inputs": ["in"],
            "out_channels": 1e300, "kernel": 1})")
                                     << "out_channels";
        QTest::newRow("huge integer") << model(kInput + R"(, {"name": "c", "kind": "conv2d", "inputs": ["in"],
            "out_channels": 123456789012345678901234567890, "kernel": 1})")
                                      << "out_channels";
        QTest::newRow("huge shape")
            << model(R"({"name": "in", "kind": "input", "shape": [60000, 60000, 60000]})") << "";
        QTest::newRow("negative size")
            << model(kInput + R"(, {"name": "c", "kind": "conv2d", "inputs": ["in"],
            "out_channels": -4, "kernel": 1})")
            << "out_channels";
        QTest::newRow("deep nesting") << QByteArray(100000, '[') + QByteArray(100000, ']') << "";
        QTest::newRow("cycle") << model(kInput + R"(, {"name": "a", "kind": "activation", "inputs": ["b"]},
            {"name": "b", "kind": "activation", "inputs": ["a"]})")
                               << "cycle";
        QTest::newRow("self loop") << model(kInput +
                                            R"(, {"name": "a", "kind": "add", "inputs": ["in", "a"]})")
                                   << "";
        QTest::newRow("dangling input")
            << model(kInput + R"(, {"name": "a", "kind": "activation", "inputs": ["nope"]})") << "nope";
        QTest::newRow("unknown op kind")
            << model(kInput + R"(, {"name": "a", "kind": "teleport", "inputs": ["in"]})") << "teleport";
        QTest::newRow("duplicate names")
            << model(kInput + R"(, {"name": "a", "kind": "activation", "inputs": ["in"]},
            {"name": "a", "kind": "activation", "inputs": ["in"]})")
            << "'a'";
        QTest::newRow("shape mismatch")
            << model(kInput + R"(, {"name": "c", "kind": "conv2d", "inputs": ["in"],
            "out_channels": 4, "kernel": 1}, {"name": "s", "kind": "add", "inputs": ["in", "c"]})")
            << "'s'";
        QTest::newRow("groups") << model(kInput + R"(, {"name": "c", "kind": "conv2d", "inputs": ["in"],
            "out_channels": 4, "kernel": 1, "groups": 2})")
                                << "'c'";
        QTest::newRow("kernel too large")
            << model(kInput + R"(, {"name": "c", "kind": "conv2d", "inputs": ["in"],
            "out_channels": 4, "kernel": 11})")
            << "'c'";
        QTest::newRow("wrong format")
            << QByteArray(R"({"format": "something-else", "version": 1, "name": "t", "ops": []})")
            << "format";
        QTest::newRow("no ops") << model("") << "";
    }
    void badInput() {
        QFETCH(QByteArray, content);
        QFETCH(QString, expect);
        QTemporaryDir dir;
        const QString path = writeFile(dir, "bad.json", content);
        const Result r = runCli({"info", path});
        QCOMPARE(r.exitCode, 2);
        const QString err = QString::fromUtf8(r.err);
        QVERIFY2(err.startsWith("ioscope-cli: error: " + path + ": "), qPrintable(err));
        QVERIFY2(err.endsWith('\n') && err.count('\n') == 1, qPrintable(err));
        QVERIFY2(err.contains(expect), qPrintable(err));
        QVERIFY(r.out.isEmpty());
    }

    void missingFileAndUnknownName() {
        QTemporaryDir dir;
        const QString missing = dir.filePath("missing.json");
        for (const QString& spec : {missing, QStringLiteral("resnet9000")}) {
            const Result r = runCli({"info", spec});
            QCOMPARE(r.exitCode, 2);
            const QString err = QString::fromUtf8(r.err);
            QVERIFY2(err.startsWith("ioscope-cli: error: " + spec + ": "), qPrintable(err));
            QCOMPARE(err.count('\n'), 1);
        }
    }

    void usageErrors() {
        QCOMPARE(runCli({"info"}).exitCode, 2);
        QCOMPARE(runCli({"info", "squeezenet", "--bogus"}).exitCode, 2);
    }

    void exportModelWritesTheBundledJson() {
        QTemporaryDir dir;
        const QString out = dir.filePath("sq.json");
        QCOMPARE(runCli({"export-model", "squeezenet", "-o", out}).exitCode, 0);
        QFile written(out), committed(QStringLiteral(IOSCOPE_SOURCE_DIR) + "/models/squeezenet.json");
        QVERIFY(written.open(QIODevice::ReadOnly) && committed.open(QIODevice::ReadOnly));
        QCOMPARE(written.readAll(), committed.readAll());
    }
};

QTEST_GUILESS_MAIN(TestCliInfo)
#include "tst_cli_info.moc"
