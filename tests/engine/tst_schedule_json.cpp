// Schedule JSON v1: round trip, and every kind of bad file rejected with a message naming the
// file and the op.
#include "engine/scheduler_test_support.h"
#include "sched/scheduler.h"
#include "schedule/schedule_json.h"
#include "util/errors.h"

#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

using namespace ioscope;
using namespace ioscope::testing;

namespace {

// in -> a, b (siblings, mergeable) -> c = a + b -> d
Graph smallGraph(const std::string& name = "small") {
    Graph g(name);
    const OpId in = g.addInput("in", Shape{8, 8, 8});
    const OpId a = g.addOp(convOp("a", in, 1));
    const OpId b = g.addOp(convOp("b", in, 3));
    const OpId c = g.addOp(addOp("c", {a, b}));
    g.addOp(convOp("d", c, 1));
    g.finalize(name);
    return g;
}

std::string errorOf(const Graph& g, const std::string& text) {
    try {
        scheduleFromJson(g, text, "bad.json");
    } catch (const InputError& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

class TestScheduleJson : public QObject {
    Q_OBJECT
  private slots:
    void roundTrip();
    void roundTripThroughFile();
    void rejectsBadFiles_data();
    void rejectsBadFiles();
};

void TestScheduleJson::roundTrip() {
    const Graph g = smallGraph();
    ScheduleDocument doc = makeScheduleDocument(g, {});
    doc.schedule.stages = {Stage{Strategy::Merge, {{1, 2}}}, Stage{Strategy::Concurrent, {{3, 4}}}};
    doc.scheduler = "ios";
    doc.maxGroupSize = 2;
    doc.maxGroups = 5;
    doc.strategy = "merge";
    doc.maxPartSize = 40;
    doc.maxStreams = 7;
    doc.costModel = "sim:A100";
    doc.device = "NVIDIA A100 (simulated)";
    doc.run = RunConfig{4, Precision::Tf32};
    doc.latencyMs = 0.125;
    doc.search = ScheduleSearchInfo{10, 20, 30, 0.5};
    MeasuredLatency m;
    m.medianMs = 0.2;
    m.p10Ms = 0.19;
    m.p90Ms = 0.25;
    m.runs = 100;
    m.mode = "graph";
    m.device = "NVIDIA H100 80GB HBM3";
    doc.measured = m;

    const std::string text = scheduleToJson(g, doc);
    const ScheduleDocument back = scheduleFromJson(g, text, "x.json");
    QCOMPARE(back.schedule, doc.schedule);
    QCOMPARE(back.modelName, std::string("small"));
    QCOMPARE(back.modelHash, g.contentHash());
    QCOMPARE(back.maxGroupSize, 2);
    QCOMPARE(back.maxGroups, 5);
    QCOMPARE(back.strategy, std::string("merge"));
    QCOMPARE(back.maxPartSize, 40);
    QCOMPARE(back.maxStreams, 7);
    QCOMPARE(back.costModel, doc.costModel);
    QCOMPARE(back.device, doc.device);
    QVERIFY(back.run == doc.run);
    QCOMPARE(*back.latencyMs, 0.125);
    QCOMPARE(back.search->stagesCosted, 30LL);
    QCOMPARE(*back.measured->medianMs, 0.2);
    QCOMPARE(*back.measured->runs, 100);
    QCOMPARE(*back.measured->mode, std::string("graph"));
    QCOMPARE(scheduleToJson(g, back), text);

    const auto j = nlohmann::json::parse(text);
    QCOMPARE(j["format"].get<std::string>(), std::string("ioscope-schedule"));
    QCOMPARE(j["version"].get<int>(), 1);
    QCOMPARE(j["stages"][0]["strategy"].get<std::string>(), std::string("merge"));
    QCOMPARE(j["stages"][1]["groups"][0][1].get<std::string>(), std::string("d"));

    // Optional parts stay absent.
    const ScheduleDocument bare = makeScheduleDocument(g, sequentialSchedule(g));
    const ScheduleDocument bareBack = scheduleFromJson(g, scheduleToJson(g, bare), "y.json");
    QVERIFY(!bareBack.latencyMs && !bareBack.search && !bareBack.measured);
}

void TestScheduleJson::roundTripThroughFile() {
    QTemporaryDir dir;
    const Graph g = smallGraph();
    const std::string path = dir.filePath("s.json").toStdString();
    saveScheduleFile(g, makeScheduleDocument(g, wavefrontSchedule(g)), path);
    QCOMPARE(loadScheduleFile(g, path).schedule, wavefrontSchedule(g));
    QVERIFY_THROWS_EXCEPTION(InputError, loadScheduleFile(g, dir.filePath("absent.json").toStdString()));
}

void TestScheduleJson::rejectsBadFiles_data() {
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("expected");
    QTest::newRow("malformed") << "malformed"
                               << "malformed JSON";
    QTest::newRow("wrong format") << "format"
                                  << "format";
    QTest::newRow("wrong version") << "version"
                                   << "unsupported version";
    QTest::newRow("other model") << "model"
                                 << "not 'small'";
    QTest::newRow("other hash") << "hash"
                                << "another version of model";
    QTest::newRow("unknown op") << "unknown"
                                << "op 'zz' is not in model";
    QTest::newRow("duplicate op") << "duplicate"
                                  << "op 'a' appears twice";
    QTest::newRow("missing op") << "missing"
                                << "op 'd' is missing";
    QTest::newRow("broken order") << "order"
                                  << "op 'c' reads";
    QTest::newRow("bad merge") << "merge"
                               << "breaks the merge rule";
    QTest::newRow("bad strategy") << "strategy"
                                  << "stages[0].strategy";
    QTest::newRow("groups not array") << "groups"
                                      << "stages[1].groups";
    QTest::newRow("no stages") << "nostages"
                               << "missing member 'stages'";
}

void TestScheduleJson::rejectsBadFiles() {
    QFETCH(QString, edit);
    QFETCH(QString, expected);
    const Graph g = smallGraph();
    ScheduleDocument doc = makeScheduleDocument(g, {});
    doc.schedule.stages = {Stage{Strategy::Concurrent, {{1}, {2}}}, Stage{Strategy::Concurrent, {{3, 4}}}};
    auto j = nlohmann::json::parse(scheduleToJson(g, doc));
    std::string text;
    const std::string e = edit.toStdString();
    if (e == "malformed")
        text = "{\"format\": \"ioscope-schedule\", ";
    else {
        if (e == "format") j["format"] = "ioscope-model";
        if (e == "version") j["version"] = 2;
        if (e == "model") j["model"]["name"] = "other";
        if (e == "hash") j["model"]["hash"] = "0000";
        if (e == "unknown") j["stages"][0]["groups"][0][0] = "zz";
        if (e == "duplicate") j["stages"][0]["groups"][1][0] = "a";
        if (e == "missing") j["stages"][1]["groups"][0].erase(1);
        if (e == "order") std::swap(j["stages"][0], j["stages"][1]);
        if (e == "merge") j["stages"][1]["strategy"] = "merge";
        if (e == "strategy") j["stages"][0]["strategy"] = "sideways";
        if (e == "groups") j["stages"][1]["groups"] = 3;
        if (e == "nostages") j.erase("stages");
        text = j.dump();
    }
    const std::string message = errorOf(g, text);
    QVERIFY2(message.rfind("bad.json: ", 0) == 0, message.c_str());
    QVERIFY2(message.find(expected.toStdString()) != std::string::npos, message.c_str());
}

QTEST_APPLESS_MAIN(TestScheduleJson)
#include "tst_schedule_json.moc"
