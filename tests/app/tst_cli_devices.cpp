// ioscope-cli schedule --devices N (several GPUs, simulated; docs/multi_gpu.md): the JSON and
// text reports, the schedule file's devices read back by evaluate, and usage errors.
#include "cli_process.h"

#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

class TestCliDevices : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

  private slots:
    void scheduleOnTwoDevices() {
        const QString saved = dir_.filePath("two.json");
        const CliRun r = runCli({"schedule", "randwire", "--devices", "2", "--batch", "8", "--time-limit",
                                 "4", "--json", "-o", saved});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j["devices"].get<int>(), 2);
        QCOMPARE(j["link"]["name"].get<std::string>(), std::string("nvlink"));
        const double single = j["single_device_ms"], multi = j["multi_device_ms"], latency = j["latency_ms"];
        QCOMPARE(latency, std::min(single, multi));
        QCOMPARE(j["uses_several"].get<bool>(), multi < single);
        int ops = 0;
        for (const auto& st : j["stages"]) {
            QCOMPARE(st["devices"].size(), st["groups"].size());
            for (const auto& group : st["groups"]) ops += int(group.size());
        }
        QVERIFY(ops > 100);
        QCOMPARE(int(j["per_device"].size()), j["devices_used"].get<int>());
        // evaluate reads the devices back and predicts the same latency.
        const CliRun e = runCli({"evaluate", "randwire", saved, "--json"});
        QVERIFY2(e.exitCode == 0, e.err.constData());
        const auto ej = nlohmann::json::parse(e.out.toStdString());
        QVERIFY(std::fabs(ej["latency_ms"].get<double>() - latency) <= 1e-9 * latency);
        QCOMPARE(ej.contains("devices"), j["uses_several"].get<bool>());
    }

    void textReportNamesDevicesAndCopies() {
        const CliRun r =
            runCli({"schedule", "nasnet", "--devices", "2", "--link", "pcie", "--time-limit", "4"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains("link        pcie (50 GB/s, 15 us per copy)"), qPrintable(out));
        QVERIFY(out.contains("transfers   "));
        QVERIFY(out.contains("device 0    "));
        QVERIFY(out.contains(QRegularExpression("\\n +0 d0 ")));
    }

    void usageErrors() {
        for (const QStringList& args :
             {QStringList{"schedule", "squeezenet", "--devices", "0"},
              QStringList{"schedule", "squeezenet", "--devices", "17"},
              QStringList{"schedule", "squeezenet", "--devices", "2", "--link", "fast"},
              QStringList{"schedule", "squeezenet", "--devices", "2", "--scheduler", "wavefront"}}) {
            const CliRun r = runCli(args);
            QCOMPARE(r.exitCode, 2);
            QCOMPARE(r.err.count('\n'), 1);
            QVERIFY2(r.err.startsWith("ioscope-cli: error: "), r.err.constData());
        }
    }
};

QTEST_GUILESS_MAIN(TestCliDevices)
#include "tst_cli_devices.moc"
