// Schedules over several GPUs, on the CPU (issue 18): the link model, HIOS placement, the
// multi-device timeline, the schedule format's devices, and the CPU reference run of a
// two-device schedule done device by device against the sequential output.
#include "cost/cost_factory.h"
#include "cost/transfer_model.h"
#include "exec/cpu_executor.h"
#include "exec/multi_device_run.h"
#include "models/model_builder.h"
#include "models/model_registry.h"
#include "sched/multi_gpu_scheduler.h"
#include "schedule/schedule_json.h"
#include "util/errors.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

using namespace ioscope;

namespace {

// `branches` independent chains of `depth` 3x3 convs on one input, concatenated: wide enough
// that two GPUs pay off when the convs are heavy and the link is fast.
Graph wideModel(int branches, int depth, int channels, int size) {
    ModelBuilder b("wide", {channels, size, size});
    std::vector<OpId> ends;
    for (int i = 0; i < branches; ++i) {
        OpId prev = b.input();
        for (int k = 0; k < depth; ++k)
            prev = b.conv("b" + std::to_string(i) + "_" + std::to_string(k), {prev}, channels,
                          makeWindow(3, 3, 1, 1, 1, 1));
        ends.push_back(prev);
    }
    b.concat("cat", ends);
    return b.finish();
}

std::string errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

} // namespace

class TestMultiGpu : public QObject {
    Q_OBJECT
    RunConfig run_;

  private slots:
    void linkModels() {
        const TransferModel nvlink = transferModelFromString("nvlink"),
                            pcie = transferModelFromString("pcie");
        QVERIFY(nvlink.bandwidthGBs > pcie.bandwidthGBs);
        const TransferModel custom = transferModelFromString("50,15");
        QCOMPARE(custom.name, std::string("custom"));
        // 1 MB over 50 GB/s is 20 us, plus 15 us per copy.
        QVERIFY(std::fabs(custom.transferMs(1'000'000) - 0.035) < 1e-12);
        for (const char* bad : {"fast", "0,1", "10", "10,-1", "nan,1", "1e9,1"})
            QVERIFY2(!errorOf([&] { transferModelFromString(bad); }).empty(), bad);
    }

    void oneDeviceTimelineIsTheSumOfStages() {
        const Graph g = *buildBundledModel("squeezenet");
        auto cost = makeCostModel("sim", run_);
        SchedulerOptions o;
        const ScheduleResult r = iosSchedule(g, *cost, o);
        const MultiDeviceTimeline t =
            predictMultiDevice(g, r.schedule, *cost, transferModelFromString("pcie"), run_);
        QCOMPARE(t.devices, 1);
        QVERIFY(t.transfers.empty());
        QVERIFY(std::fabs(t.latencyMs - predictLatencyMs(g, r.schedule, *cost, run_)) < 1e-9 * t.latencyMs);
    }

    void placementFollowsLongestPaths() {
        const Graph g = wideModel(4, 3, 128, 28);
        auto cost = makeCostModel("sim", run_);
        std::vector<double> opMs(size_t(g.size()), 0.0);
        for (OpId u : g.units())
            opMs[size_t(u)] = cost->stageLatencyMs(g, Stage{Strategy::Concurrent, {{u}}}, run_);
        const std::vector<int> placed =
            longestPathPlacement(g, opMs, 2, transferModelFromString("nvlink"), run_);
        std::set<int> used;
        for (OpId id = 0; id < g.size(); ++id) {
            if (!g.isUnit(id)) {
                QCOMPARE(placed[size_t(id)], -1);
                continue;
            }
            QVERIFY(placed[size_t(id)] == 0 || placed[size_t(id)] == 1);
            used.insert(placed[size_t(id)]);
        }
        QCOMPARE(int(used.size()), 2);
        // A branch is a path: all its convs on one device; the first (longest) path holds the concat.
        for (int i = 0; i < 4; ++i)
            for (int k = 1; k < 3; ++k)
                QCOMPARE(placed[size_t(g.find("b" + std::to_string(i) + "_" + std::to_string(k)))],
                         placed[size_t(g.find("b" + std::to_string(i) + "_0"))]);
        QCOMPARE(placed[size_t(g.find("cat"))], 0);
        // A chain has one path: one device.
        ModelBuilder chain("chain", {64, 28, 28});
        OpId prev = chain.input();
        for (int k = 0; k < 6; ++k)
            prev = chain.conv("c" + std::to_string(k), {prev}, 64, makeWindow(3, 3, 1, 1, 1, 1));
        const Graph c = chain.finish();
        std::vector<double> chainMs(size_t(c.size()), 1.0);
        for (int d : longestPathPlacement(c, chainMs, 4, transferModelFromString("nvlink"), run_))
            QVERIFY(d <= 0);
    }

    void twoDevicesWinOnWideModelsAndLoseOverSlowLinks() {
        const Graph g = wideModel(4, 3, 256, 56);
        auto cost = makeCostModel("sim", run_);
        MultiGpuOptions o;
        o.devices = 2;
        MultiGpuResult r = multiGpuSchedule(g, *cost, o);
        validateSchedule(g, r.multiDevice);
        QVERIFY(r.usesSeveral);
        QCOMPARE(r.timeline.devices, 2);
        QVERIFY(r.multiDeviceMs < r.singleDeviceMs);
        QVERIFY(!r.timeline.transfers.empty());
        QVERIFY(r.timeline.transferMs() > 0);
        // Every copy starts after its tensor was made and lands before its reader starts.
        for (const TransferSpan& c : r.timeline.transfers) {
            QVERIFY(c.from != c.to);
            QCOMPARE(c.bytes, g.op(c.tensor).out.elements() * 4);
            QVERIFY(c.endMs > c.startMs);
        }
        // Over a link of 0.1 GB/s and a second per copy, one device is kept.
        o.link = transferModelFromString("0.1,1000000");
        r = multiGpuSchedule(g, *cost, o);
        QVERIFY(!r.usesSeveral);
        QCOMPARE(r.schedule, r.singleDevice);
        QVERIFY(r.multiDeviceMs >= r.singleDeviceMs); // the placement itself avoids such a link
        QCOMPARE(r.timeline.devices, 1);
        // Options are checked.
        o.devices = 0;
        QVERIFY(!errorOf([&] { multiGpuSchedule(g, *cost, o); }).empty());
    }

    void scheduleFilesRecordDevices() {
        const Graph g = wideModel(2, 2, 32, 8);
        auto cost = makeCostModel("sim", run_);
        MultiGpuOptions o;
        o.link = transferModelFromString("1000,0"); // copies free: the branches go to both devices
        const MultiGpuResult r = multiGpuSchedule(g, *cost, o);
        const std::string text = scheduleToJson(g, makeScheduleDocument(g, r.multiDevice));
        const ScheduleDocument back = scheduleFromJson(g, text, "two.json");
        QCOMPARE(back.schedule, r.multiDevice);
        QVERIFY(text.find("\"devices\"") != std::string::npos);
        // A single-device schedule has no "devices" (files stay as they were); absent means device 0.
        const std::string one = scheduleToJson(g, makeScheduleDocument(g, r.singleDevice));
        QVERIFY(one.find("\"devices\"") == std::string::npos);
        for (const Stage& st : scheduleFromJson(g, one, "one.json").schedule.stages)
            QVERIFY(st.devices.empty());
        // Bad devices name the stage.
        auto j = nlohmann::json::parse(text);
        size_t k = 0;
        while (k + 1 < j["stages"].size() && !j["stages"][k].contains("devices")) ++k;
        QVERIFY(j["stages"][k].contains("devices"));
        j["stages"][k]["devices"][0] = kMaxDevices;
        std::string e = errorOf([&] { scheduleFromJson(g, j.dump(), "bad.json"); });
        QVERIFY2(e.find("bad.json: stages[" + std::to_string(k) +
                        "].devices[0]: expected an integer in 0..15") == 0,
                 e.c_str());
        j["stages"][k]["devices"] = nlohmann::json::array({1, 1, 1, 1, 1, 1, 1, 1, 1});
        e = errorOf([&] { scheduleFromJson(g, j.dump(), "bad.json"); });
        QVERIFY2(e.find("bad.json: stages[" + std::to_string(k) + "].devices: has 9 entries for") == 0,
                 e.c_str());
    }

    void cpuRunOnTwoDevicesEqualsSequential() {
        // Small enough for the CPU reference; a fast link so both devices are used.
        const Graph g = wideModel(4, 2, 16, 12);
        auto cost = makeCostModel("sim", run_);
        MultiGpuOptions o;
        o.link = transferModelFromString("1000,0");
        const MultiGpuResult r = multiGpuSchedule(g, *cost, o);
        std::set<int> used;
        for (const Stage& st : r.multiDevice.stages)
            for (size_t gi = 0; gi < st.groups.size(); ++gi) used.insert(st.deviceOf(gi));
        QCOMPARE(int(used.size()), 2);
        const MultiDeviceTimeline t = predictMultiDevice(g, r.multiDevice, *cost, o.link, run_);
        const CpuExecutor cpu(g);
        const std::vector<Tensor> inputs = seededInputs(g, 2, 7);
        const CpuRunResult reference = cpu.run(sequentialSchedule(g), inputs);
        const CpuRunResult split = runOnDevices(cpu, r.multiDevice, t, inputs);
        QCOMPARE(split.outputIds, reference.outputIds);
        for (size_t i = 0; i < split.outputs.size(); ++i) {
            QCOMPARE(split.outputs[i].shape(), reference.outputs[i].shape());
            QVERIFY(maxAbsDiff(split.outputs[i], reference.outputs[i]) <= 1e-5);
        }
        // Without its copies the run cannot read across devices, and says where.
        MultiDeviceTimeline noCopies = t;
        noCopies.transfers.clear();
        const std::string e = errorOf([&] { runOnDevices(cpu, r.multiDevice, noCopies, inputs); });
        QVERIFY2(e.find("which is not on that device yet") != std::string::npos, e.c_str());
    }
};

QTEST_APPLESS_MAIN(TestMultiGpu)
#include "tst_multi_gpu.moc"
