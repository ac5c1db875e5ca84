// Replays the fuzz targets' checks (tests/fuzz/loader_checks.h) over their committed seeds and
// every finding the fuzzers made (tests/fuzz/regressions/<target>/, each fixed at its root): a
// loader refuses bad input only with InputError and whatever it accepts is usable. Runs in the
// ordinary build, so a finding stays fixed without clang or libFuzzer.
#include "fuzz/loader_checks.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

using namespace ioscope;

namespace {

struct Replay {
    int files = 0, accepted = 0;
};

std::string readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QByteArray bytes = f.readAll();
    return std::string(bytes.constData(), static_cast<size_t>(bytes.size()));
}

// Every file under tests/fuzz/<kind>/<target> through `check`; a non-InputError escape fails.
Replay replay(const QString& target, const std::function<bool(const std::string&)>& check) {
    Replay r;
    for (const char* kind : {"seeds", "regressions"}) {
        const QDir dir(QStringLiteral(IOSCOPE_SOURCE_DIR "/tests/fuzz/%1/%2").arg(kind, target));
        for (const QString& name : dir.entryList(QDir::Files, QDir::Name)) {
            ++r.files;
            try {
                if (check(readAll(dir.filePath(name)))) ++r.accepted;
            } catch (const std::exception& e) {
                QTest::qFail(qPrintable(QStringLiteral("%1/%2: %3").arg(dir.path(), name, e.what())),
                             __FILE__, __LINE__);
                return r;
            }
        }
    }
    return r;
}

} // namespace

class TestFuzzRegressions : public QObject {
    Q_OBJECT

  private slots:
    void modelJson() {
        const Replay r = replay("model_json", fuzz::checkModelJson);
        QVERIFY(r.accepted >= 1); // the crafted seed is a valid model
    }
    void scheduleJson() {
        const Replay r = replay("schedule_json", fuzz::checkScheduleJson);
        QVERIFY(r.accepted >= 1); // the crafted seed (a measured choice with its candidates) is valid
        // What the fuzz script seeds it with: schedules the tool writes for SqueezeNet.
        const Graph& model = fuzz::scheduleModel();
        for (const Schedule& s : {sequentialSchedule(model), wavefrontSchedule(model)})
            QVERIFY(fuzz::checkScheduleJson(scheduleToJson(model, makeScheduleDocument(model, s))));
    }
    void profileCache() { replay("profile_cache", fuzz::checkProfileCache); }
    void simDevice() {
        const Replay r = replay("sim_device", fuzz::checkSimDevice);
        QCOMPARE(r.accepted, 5); // the five device seeds are valid devices
    }
#ifdef IOSCOPE_HAVE_ONNX
    void onnx() {
        QTemporaryDir folder;
        QVERIFY(folder.isValid());
        // The external-data file the fuzz target provides.
        std::vector<float> weights(4096);
        for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>(i % 17) * 0.125f - 1.0f;
        QFile w(folder.filePath("weights.bin"));
        QVERIFY(w.open(QIODevice::WriteOnly));
        w.write(reinterpret_cast<const char*>(weights.data()), qint64(weights.size() * sizeof(float)));
        w.close();
        const std::string dir = folder.path().toStdString();
        const Replay r =
            replay("onnx", [&](const std::string& bytes) { return fuzz::checkOnnx(bytes, dir); });
        QVERIFY(r.accepted >= 3); // the crafted seeds import
    }
#endif
    void bundledModelsAndFixtures() {
        // The seeds the fuzz script gathers from the repository: bundled models and the zoo.
        int accepted = 0;
        for (const QString& name : QDir(IOSCOPE_SOURCE_DIR "/models").entryList({"*.json"}, QDir::Files))
            accepted += fuzz::checkModelJson(readAll(IOSCOPE_SOURCE_DIR "/models/" + name));
        QCOMPARE(accepted, 4);
        for (const QString& name :
             QDir(IOSCOPE_SOURCE_DIR "/resources/profiles").entryList({"*squeezenet*.json"}, QDir::Files))
            QVERIFY(fuzz::checkProfileCache(readAll(IOSCOPE_SOURCE_DIR "/resources/profiles/" + name)));
    }
};

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "tst_fuzz_regressions.moc"
