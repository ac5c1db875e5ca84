// ioscope-cli schedule, evaluate and trace: output contract (docs/semantics.md, "Command line contract";
// docs/formats.md) and exit statuses.
#include "cli_process.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include <fstream>

namespace {

struct Run {
    int status = -1;
    std::string out, err;
};

Run cli(const QStringList& args) {
    const CliRun r = runCli(args);
    return {r.exitCode, r.out.toStdString(), r.err.toStdString()};
}

void write(const QString& path, const std::string& text) {
    std::ofstream(path.toStdString()) << text;
}

} // namespace

class TestCliSchedule : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void scheduleJson();
    void baselines();
    void fastSchedulers();
    void ensembles();
    void saveEvaluateTrace();
    void badScheduleFiles_data();
    void badScheduleFiles();
    void usageErrors();

  private:
    QTemporaryDir dir_;
    QString saved_;
    nlohmann::json savedJson_;
};

void TestCliSchedule::initTestCase() {
    QVERIFY(dir_.isValid());
    saved_ = dir_.filePath("squeezenet.json");
    const Run r = cli({"schedule", "squeezenet", "-o", saved_});
    QVERIFY2(r.status == 0, r.err.c_str());
    std::ifstream in(saved_.toStdString());
    savedJson_ = nlohmann::json::parse(in);
}

void TestCliSchedule::scheduleJson() {
    const Run r = cli({"schedule", "squeezenet", "--json", "-r", "2", "-s", "4", "--strategy", "parallel"});
    QVERIFY2(r.status == 0, r.err.c_str());
    const auto j = nlohmann::json::parse(r.out);
    QVERIFY(j["latency_ms"].get<double>() > 0);
    QVERIFY(j["latency_ms"].get<double>() <= j["sequential_ms"].get<double>());
    QVERIFY(j["stages"].is_array() && !j["stages"].empty());
    for (const auto& st : j["stages"]) {
        QCOMPARE(st["strategy"].get<std::string>(), std::string("concurrent"));
        QVERIFY(st["groups"].size() <= 4);
        for (const auto& group : st["groups"]) QVERIFY(group.size() <= 2 && group[0].is_string());
    }
    for (const char* key : {"states", "transitions", "stages_measured", "seconds"})
        QVERIFY(j["search"].contains(key));
}

void TestCliSchedule::baselines() {
    for (const char* s : {"wavefront", "sequential"}) {
        const Run r = cli({"schedule", "squeezenet", "--scheduler", s, "--json"});
        QVERIFY2(r.status == 0, r.err.c_str());
        const auto j = nlohmann::json::parse(r.out);
        QVERIFY(!j.contains("search"));
        if (std::string(s) == "sequential")
            QCOMPARE(j["latency_ms"].get<double>(), j["sequential_ms"].get<double>());
    }
}

// The fast schedulers by name: valid schedules (written and read back by evaluate), named in
// the file, with the lower bound below their latency; the IOS search carries bound and gap.
void TestCliSchedule::fastSchedulers() {
    for (const char* s : {"nimble", "lios", "opara", "hios"}) {
        const QString file = dir_.filePath(QStringLiteral("%1.json").arg(QLatin1String(s)));
        const Run r = cli({"schedule", "randwire", "--scheduler", s, "--json", "--quiet", "-o", file});
        QVERIFY2(r.status == 0, r.err.c_str());
        const auto j = nlohmann::json::parse(r.out);
        QCOMPARE(j["scheduler"].get<std::string>(), std::string(s));
        QVERIFY(j["lower_bound_ms"].get<double>() > 0);
        QVERIFY(j["lower_bound_ms"].get<double>() <= j["latency_ms"].get<double>());
        QVERIFY(j["gap"].get<double>() >= 0);
        std::ifstream in(file.toStdString());
        QCOMPARE(nlohmann::json::parse(in)["scheduler"]["name"].get<std::string>(), std::string(s));
        const Run e = cli({"evaluate", "randwire", file, "--json"});
        QVERIFY2(e.status == 0, e.err.c_str());
    }
    const Run r = cli({"schedule", "squeezenet", "--json", "--quiet"});
    QVERIFY2(r.status == 0, r.err.c_str());
    const auto j = nlohmann::json::parse(r.out);
    QVERIFY(j["search"]["lower_bound_ms"].get<double>() <= j["latency_ms"].get<double>());
    QVERIFY(j["search"]["gap"].get<double>() >= 0);
    QVERIFY(r.err.empty()); // not a terminal, and --quiet: nothing on stderr
    QCOMPARE(cli({"schedule", "squeezenet", "--scheduler", "nimbel"}).status, 2);
}

// a+b: one graph of both members (info lists them), scheduled, saved and evaluated as one.
void TestCliSchedule::ensembles() {
    const Run info = cli({"info", "squeezenet+squeezenet", "--json"});
    QVERIFY2(info.status == 0, info.err.c_str());
    const auto i = nlohmann::json::parse(info.out);
    QCOMPARE(i["members"].size(), size_t(2));
    QCOMPARE(i["members"][1]["name"].get<std::string>(), std::string("squeezenet#2"));
    const Run one = cli({"info", "squeezenet", "--json"});
    QCOMPARE(i["ops"].get<int>(), 2 * nlohmann::json::parse(one.out)["ops"].get<int>());
    QCOMPARE(i["width"].get<int>(), 2 * nlohmann::json::parse(one.out)["width"].get<int>());
    const QString file = dir_.filePath("ensemble.json");
    const Run r = cli({"schedule", "squeezenet+randwire", "--time-limit", "5", "--json", "-o", file});
    QVERIFY2(r.status == 0, r.err.c_str());
    const auto j = nlohmann::json::parse(r.out);
    QVERIFY(j["latency_ms"].get<double>() <= j["sequential_ms"].get<double>());
    const Run e = cli({"evaluate", "squeezenet+randwire", file, "--json"});
    QVERIFY2(e.status == 0, e.err.c_str());
    // export-model takes the same spec: the written model JSON is the ensemble, members and all.
    const QString exported = dir_.filePath("ensemble-model.json");
    const Run x = cli({"export-model", "squeezenet+squeezenet", "-o", exported});
    QVERIFY2(x.status == 0, x.err.c_str());
    const Run xi = cli({"info", exported, "--json"});
    QVERIFY2(xi.status == 0, xi.err.c_str());
    const auto xj = nlohmann::json::parse(xi.out);
    QCOMPARE(xj["ops"].get<int>(), i["ops"].get<int>());
    QCOMPARE(xj["members"].size(), size_t(2));
    QCOMPARE(cli({"export-model", "shared:squeezenet+squeezenet", "-o", exported}).status, 0);
    QCOMPARE(cli({"export-model", "squeezenet++randwire", "-o", exported}).status, 2);
    QCOMPARE(cli({"info", "squeezenet++randwire"}).status, 2);
    QCOMPARE(cli({"info", "shared:squeezenet+inception_v3"}).status, 2); // unequal input shapes
}

void TestCliSchedule::saveEvaluateTrace() {
    QCOMPARE(savedJson_["format"].get<std::string>(), std::string("ioscope-schedule"));
    QCOMPARE(savedJson_["model"]["name"].get<std::string>(), std::string("squeezenet"));
    const Run e = cli({"evaluate", "squeezenet", saved_, "--json"});
    QVERIFY2(e.status == 0, e.err.c_str());
    const auto j = nlohmann::json::parse(e.out);
    QVERIFY(std::abs(j["latency_ms"].get<double>() - savedJson_["latency_ms"].get<double>()) < 1e-9);
    QCOMPARE(j["stages"].size(), savedJson_["stages"].size());
    QVERIFY(j["stages"][0].contains("latency_ms"));
    QVERIFY(e.err.find("note: running at") == std::string::npos);
    // The schedule's own run configuration is the default; another one is said, and used.
    const Run b = cli({"evaluate", "squeezenet", saved_, "--batch", "4", "--json"});
    QVERIFY2(b.status == 0, b.err.c_str());
    QCOMPARE(nlohmann::json::parse(b.out)["batch"].get<int>(), 4);
    QVERIFY2(b.err.find("note: running at batch 4") != std::string::npos, b.err.c_str());

    const QString trace = dir_.filePath("trace.json");
    const Run t = cli({"trace", "squeezenet", saved_, "-o", trace});
    QVERIFY2(t.status == 0, t.err.c_str());
    std::ifstream in(trace.toStdString());
    const auto tj = nlohmann::json::parse(in);
    QVERIFY(tj["traceEvents"].size() > savedJson_["stages"].size());
}

void TestCliSchedule::badScheduleFiles_data() {
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("expected");
    QTest::newRow("wrong model") << "model"
                                 << "is for model 'squeezenet', not 'inception_v3'";
    QTest::newRow("missing op") << "missing"
                                << "is missing from the schedule";
    QTest::newRow("duplicated op") << "duplicate"
                                   << "appears twice";
    QTest::newRow("broken order") << "order"
                                  << "which runs in a later stage";
    QTest::newRow("malformed") << "malformed"
                               << "malformed JSON";
    QTest::newRow("absent") << "absent"
                            << "";
}

void TestCliSchedule::badScheduleFiles() {
    QFETCH(QString, edit);
    QFETCH(QString, expected);
    const std::string e = edit.toStdString();
    nlohmann::json j = savedJson_;
    auto& stages = j["stages"];
    const QString path = dir_.filePath(edit + ".json");
    std::string model = "squeezenet";
    if (e == "model") model = "inception_v3";
    if (e == "missing") stages.erase(stages.size() - 1);
    if (e == "duplicate") stages.push_back(stages[0]);
    if (e == "order") std::swap(stages[0], stages[stages.size() - 1]);
    if (e == "malformed")
        write(path, j.dump().substr(0, 100));
    else if (e != "absent")
        write(path, j.dump());
    for (const char* command : {"evaluate", "trace"}) {
        QStringList args{command, QString::fromStdString(model), path};
        if (e == "model") args << "--no-fuse"; // no fusion note before the error line
        if (std::string(command) == "trace") args << "-o" << dir_.filePath("never.json");
        const Run r = cli(args);
        QCOMPARE(r.status, 2);
        const std::string prefix = "ioscope-cli: error: " + path.toStdString() + ": ";
        QVERIFY2(r.err.rfind(prefix, 0) == 0, r.err.c_str());
        QVERIFY2(r.err.find(expected.toStdString()) != std::string::npos, r.err.c_str());
        QCOMPARE(std::count(r.err.begin(), r.err.end(), '\n'), 1L);
        QVERIFY(r.out.empty());
    }
    QVERIFY(!QFile::exists(dir_.filePath("never.json")));
}

void TestCliSchedule::usageErrors() {
    const QList<QStringList> bad = {
        {"schedule", "squeezenet", "--strategy", "sideways"},
        {"schedule", "squeezenet", "-r", "0"},
        {"schedule", "squeezenet", "--scheduler", "magic"},
        {"schedule", "squeezenet", "--cost", "sim:Z80"},
        {"schedule", "no_such_model"},
        {"trace", "squeezenet", saved_},
        {"evaluate", "squeezenet"},
        {"schedule", "squeezenet", "--bogus"},
    };
    for (const QStringList& args : bad) {
        const Run r = cli(args);
        QVERIFY2(r.status == 2, qPrintable(args.join(' ') + " -> " + QString::number(r.status)));
        QVERIFY(r.err.rfind("ioscope-cli: error: ", 0) == 0);
    }
}

QTEST_APPLESS_MAIN(TestCliSchedule)
#include "tst_cli_schedule.moc"
