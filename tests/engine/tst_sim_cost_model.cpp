// The simulated GPU cost model: the concurrency effect IOS exploits (small kernels gain from
// running side by side, large ones do not), monotonicity, precision, merge stages, stage
// boundaries, presets, user device files and the cost factory. A calibration check against the
// shared H200 microbenchmark runs when the shared folder is present.
#include "cost/cost_factory.h"
#include "cost/sim_calibration.h"
#include "cost/sim_cost_model.h"
#include "cost/sim_device.h"
#include "cost/sim_timeline.h"
#include "gpu/gpu_context.h"
#include "models/model_registry.h"
#include "util/atomic_file.h"
#include "util/errors.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <filesystem>
#include <random>

using namespace ioscope;

namespace {

// `n` equal convolutions reading one input: the branches of an inception block.
struct Branches {
    Graph g{"branches"};
    std::vector<OpId> convs;
};

Branches branches(int n, int channels, int hw, int k, int outChannels = 0) {
    Branches b;
    const OpId in = b.g.addInput("x", {channels, hw, hw});
    for (int i = 0; i < n; ++i) {
        Op op;
        op.name = "conv" + std::to_string(i);
        op.kind = OpKind::Conv;
        op.inputs = {in};
        op.window = {k, k, 1, 1, k / 2, k / 2, 1, 1};
        op.outChannels = outChannels ? outChannels : channels;
        op.activation = Activation::Relu;
        b.convs.push_back(b.g.addOp(op));
    }
    b.g.finalize();
    return b;
}

Stage single(OpId id) {
    return Stage{Strategy::Concurrent, {{id}}};
}

Stage sideBySide(const std::vector<OpId>& ops) {
    Stage s{Strategy::Concurrent, {}};
    for (OpId id : ops) s.groups.push_back({id});
    return s;
}

double sequentialMs(CostModel& m, const Branches& b, const RunConfig& run) {
    double sum = 0;
    for (OpId id : b.convs) sum += m.stageLatencyMs(b.g, single(id), run);
    return sum;
}

// Sum of the ops alone over the stage running them side by side.
double concurrencySpeedup(CostModel& m, const Branches& b, const RunConfig& run) {
    return sequentialMs(m, b, run) / m.stageLatencyMs(b.g, sideBySide(b.convs), run);
}

std::unique_ptr<CostModel> sim(const std::string& device = "H100") {
    return makeCostModel("sim:" + device, {});
}

} // namespace

class TestSimCostModel : public QObject {
    Q_OBJECT

  private slots:
    void smallKernelsGainSideBySideLargeOnesDoNot() {
        for (const char* device : {"V100", "A100", "H100", "H200"}) {
            auto m = sim(device);
            // Four 1x1 convs on an 8x8 map: a handful of thread blocks each, the GPU mostly idle.
            const Branches small = branches(4, 64, 8, 1);
            // Four 3x3 convs with 256 channels on 56x56 at batch 8: several full waves each.
            const Branches large = branches(4, 256, 56, 3);
            const double smallGain = concurrencySpeedup(*m, small, {1, Precision::Fp32});
            const double largeGain = concurrencySpeedup(*m, large, {8, Precision::Fp32});
            QVERIFY2(smallGain > 1.3, qPrintable(QString("%1: small gain %2").arg(device).arg(smallGain)));
            QVERIFY2(largeGain < 1.1, qPrintable(QString("%1: large gain %2").arg(device).arg(largeGain)));
            // At batch 1 the large convs still gain less than the small ones.
            QVERIFY(concurrencySpeedup(*m, large, {1, Precision::Fp32}) < smallGain);
        }
    }

    void monotonicInWorkAndBatch() {
        auto m = sim();
        double previous = 0;
        for (int oc : {16, 64, 256, 1024}) {
            const Branches b = branches(1, 128, 28, 3, oc);
            const double ms = m->stageLatencyMs(b.g, single(b.convs[0]), {});
            QVERIFY2(ms >= previous,
                     qPrintable(QString("oc %1: %2 ms < %3 ms").arg(oc).arg(ms).arg(previous)));
            previous = ms;
        }
        const Branches b = branches(1, 256, 56, 3);
        previous = 0;
        for (int batch : {1, 2, 4, 8, 16, 32}) {
            const double ms = m->stageLatencyMs(b.g, single(b.convs[0]), {batch, Precision::Fp32});
            QVERIFY(ms >= previous);
            previous = ms;
        }
        // A big conv's work dominates: batch 32 costs far more than batch 1.
        QVERIFY(previous > 10 * m->stageLatencyMs(b.g, single(b.convs[0]), {1, Precision::Fp32}));
    }

    void tf32FasterOnABigConv() {
        for (const char* device : {"A100", "H100", "H200"}) {
            auto m = sim(device);
            const Branches b = branches(1, 256, 56, 3);
            const double fp32 = m->stageLatencyMs(b.g, single(b.convs[0]), {1, Precision::Fp32});
            const double tf32 = m->stageLatencyMs(b.g, single(b.convs[0]), {1, Precision::Tf32});
            QVERIFY2(tf32 < 0.7 * fp32,
                     qPrintable(QString("%1: tf32 %2 fp32 %3").arg(device).arg(tf32).arg(fp32)));
        }
        // V100 has no TF32 tensor cores.
        auto v100 = sim("V100");
        const Branches b = branches(1, 256, 56, 3);
        QCOMPARE(v100->stageLatencyMs(b.g, single(b.convs[0]), {1, Precision::Tf32}),
                 v100->stageLatencyMs(b.g, single(b.convs[0]), {1, Precision::Fp32}));
    }

    void mergeOfSmallConvsBeatsRunningThemInTurn() {
        auto m = sim();
        const Branches b = branches(2, 64, 8, 1);
        const Stage merged{Strategy::Merge, {b.convs}};
        QVERIFY(m->stageLatencyMs(b.g, merged, {}) < sequentialMs(*m, b, {}));
        // Merging kernels of different sizes still runs one convolution.
        auto* simModel = dynamic_cast<SimCostModel*>(m.get());
        QVERIFY(simModel);
        QCOMPARE(simModel->stageStreams(b.g, merged, {}).size(), size_t(1));
    }

    void everyStagePaysItsBoundary() {
        auto m = sim();
        Graph g("chain");
        Op a;
        a.name = "a", a.kind = OpKind::Conv, a.outChannels = 32, a.inputs = {g.addInput("x", {32, 8, 8})};
        const OpId ida = g.addOp(a);
        Op c = a;
        c.name = "b", c.inputs = {ida};
        const OpId idb = g.addOp(c);
        g.finalize();
        const double one = m->stageLatencyMs(g, single(ida), {});
        const double twoStages = one + m->stageLatencyMs(g, single(idb), {});
        const double chain = m->stageLatencyMs(g, Stage{Strategy::Concurrent, {{ida, idb}}}, {});
        SimDevice h100;
        QVERIFY(simDevicePreset("H100", h100));
        QVERIFY(one >= (h100.stageBaseUs + h100.launchUs + h100.kernelTailUs) / 1000.0);
        QVERIFY(chain < twoStages); // a chain in one stage saves one boundary
        QVERIFY(std::abs(twoStages - chain - h100.stageBaseUs / 1000.0) < 1e-9);
    }

    // The chain floor (a concurrent stage lasts at least its floor plus its longest group's chain
    // floors) holds for random stages of Inception V3's ops, small and large, on two devices and
    // batches; and an op alone costs at least its floor plus its chain floor.
    void chainFloorBoundsEveryStage() {
        const Graph g = buildInceptionV3();
        std::mt19937 rng(5);
        int checked = 0;
        for (const char* device : {"V100", "H200"})
            for (int batch : {1, 16}) {
                const RunConfig run{batch, Precision::Tf32};
                const std::unique_ptr<CostModel> m = makeCostModel(std::string("sim:") + device, run);
                std::vector<OpId> ops;
                for (OpId u : g.units())
                    if (m->opChainFloorMs(g, u, run) > 0) ops.push_back(u);
                QVERIFY(ops.size() > 50);
                for (OpId u : ops)
                    QVERIFY(m->stageLatencyMs(g, single(u), run) >=
                            m->stageFloorMs(1) + m->opChainFloorMs(g, u, run));
                for (int trial = 0; trial < 400; ++trial) {
                    std::shuffle(ops.begin(), ops.end(), rng);
                    const int groups = 1 + int(rng() % 6);
                    Stage st{Strategy::Concurrent, {}};
                    double longest = 0;
                    size_t next = 0;
                    for (int k = 0; k < groups; ++k) {
                        std::vector<OpId> group(ops.begin() + long(next),
                                                ops.begin() + long(next + 1 + rng() % 3));
                        next += group.size();
                        std::sort(group.begin(), group.end());
                        double chain = 0;
                        for (OpId u : group) chain += m->opChainFloorMs(g, u, run);
                        longest = std::max(longest, chain);
                        st.groups.push_back(std::move(group));
                    }
                    const double ms = m->stageLatencyMs(g, st, run);
                    QVERIFY2(
                        ms >= (m->stageFloorMs(groups) + longest) * (1 - 1e-9),
                        qPrintable(
                            QString("%1 ms < %2 + %3").arg(ms).arg(m->stageFloorMs(groups)).arg(longest)));
                    ++checked;
                }
            }
        QCOMPARE(checked, 1600);
    }

    void opKindsLowerToTheirKernels() {
        Graph g("kinds");
        const OpId x = g.addInput("x", {64, 16, 16});
        Op sep;
        sep.name = "sep", sep.kind = OpKind::SepConv, sep.inputs = {x}, sep.outChannels = 64;
        sep.window = {3, 3, 1, 1, 1, 1, 1, 1};
        const OpId idSep = g.addOp(sep);
        Op pool;
        pool.name = "pool", pool.kind = OpKind::MaxPool, pool.inputs = {x},
        pool.window = {3, 3, 1, 1, 1, 1, 1, 1};
        const OpId idPool = g.addOp(pool);
        Op cat;
        cat.name = "cat", cat.kind = OpKind::Concat, cat.inputs = {idSep, idPool};
        const OpId idCat = g.addOp(cat);
        Op seq;
        seq.name = "seq", seq.kind = OpKind::Sequential, seq.inputs = {idCat};
        Op relu;
        relu.name = "relu", relu.kind = OpKind::Activation, relu.activation = Activation::Relu;
        Op conv;
        conv.name = "conv", conv.kind = OpKind::Conv, conv.outChannels = 32;
        seq.body = {relu, conv};
        const OpId idSeq = g.addOp(seq);
        g.finalize();
        auto m = makeCostModel("sim", {});
        auto* simModel = dynamic_cast<SimCostModel*>(m.get());
        QVERIFY(simModel);
        const auto kernels = [&](OpId id) {
            return simModel->stageStreams(g, single(id), {}).front().size();
        };
        QVERIFY(kernels(idSep) >= 2); // depthwise + pointwise
        QCOMPARE(kernels(idPool), size_t(1));
        QCOMPARE(kernels(idCat), size_t(0)); // producers write their slices
        QCOMPARE(kernels(idSeq), size_t(2)); // the body's kernels in order
        QCOMPARE(m->stageLatencyMs(g, single(idCat), {}), 0.0);
    }

    void simulationIsDeterministicAndBounded() {
        // Many streams of many kernels finish, and identical inputs give identical times.
        SimDevice d;
        QVERIFY(simDevicePreset("H200", d));
        std::vector<std::vector<SimKernel>> streams(8);
        for (int s = 0; s < 8; ++s)
            for (int k = 0; k < 20; ++k)
                streams[size_t(s)].push_back(streamingKernel(d, "ew", 1e5 * (1 + s), 8e5 * (1 + k), 1e5));
        const SimTimeline a = simulateStreams(d, streams), b = simulateStreams(d, streams);
        QCOMPARE(a.makespanUs, b.makespanUs);
        QCOMPARE(a.kernels.size(), size_t(160));
        for (const SimKernelSpan& k : a.kernels) QVERIFY(k.launchUs <= k.startUs && k.startUs < k.endUs);
    }

    void singleStreamFastPathMatchesTheSimulation() {
        SimDevice d;
        QVERIFY(simDevicePreset("A100", d));
        std::vector<SimKernel> stream = gemmKernels(d, Precision::Tf32, 3136, 256, 2304, 1, 4e6);
        stream.push_back(streamingKernel(d, "ew", 8e5, 6.4e6, 8e5));
        for (const SimKernel& k : gemmKernels(d, Precision::Fp32, 64, 320, 2048, 1, 3e6)) stream.push_back(k);
        const double simulated = d.stageBaseUs + simulateStreams(d, {stream}).makespanUs;
        QVERIFY(std::abs(stageLatencyUs(d, {stream}) - simulated) < 1e-6 * simulated);
    }

    void factorySpecs() {
        auto def = makeCostModel("sim", {});
        QCOMPARE(def->name(), std::string("sim:H100"));
        QVERIFY(def->device().find("H100") != std::string::npos);
        QCOMPARE(makeCostModel("sim:h200", {})->name(), std::string("sim:H200"));
        QCOMPARE(makeCostModel("SIM:v100", {})->name(), std::string("sim:V100"));
        QVERIFY(makeCostModel("sim:A100", {})->device().find("A100") != std::string::npos);
        for (const char* bad : {"", "simulated", "sim:", "sim:B200", "gpu:0", "h100"}) {
            try {
                makeCostModel(bad, {});
                QFAIL(qPrintable(QString("no error for '%1'").arg(bad)));
            } catch (const InputError& e) {
                if (std::string(bad).rfind("sim:", 0) != 0 || std::string(bad) == "sim:")
                    QVERIFY2(std::string(e.what()).find("sim:H100") != std::string::npos, e.what());
            }
        }
        // Without the GPU runtime (or without a GPU) "gpu" fails as a runtime failure.
        try {
            GpuContext context;
            auto gpu = makeCostModel("gpu", {}, &context);
            QVERIFY(!gpu->name().empty());
        } catch (const RuntimeFailure&) {
        }
        // A profile cache that does not exist is an error, never a crash.
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, makeCostModel("cache:/nonexistent/profiles.json", {}));
    }

    // The live search's estimates come from the preset of the GPU that measures.
    void presetForARealGpu() {
        QCOMPARE(simPresetForDevice("NVIDIA H200"), std::string("H200"));
        QCOMPARE(simPresetForDevice("NVIDIA GH200 480GB"), std::string("H200"));
        QCOMPARE(simPresetForDevice("NVIDIA H100 80GB HBM3"), std::string("H100"));
        QCOMPARE(simPresetForDevice("NVIDIA A100-SXM4-80GB"), std::string("A100"));
        QCOMPARE(simPresetForDevice("Tesla V100-SXM2-16GB"), std::string("V100"));
        QCOMPARE(simPresetForDevice("NVIDIA GeForce RTX 4090"), std::string("H200")); // none: the fitted one
    }

    void userDeviceFile() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("mygpu.json").toStdString();
        writeFileAtomically(path, R"({"name": "Lab GPU", "sms": 40, "clock_ghz": 1.5, "fp32_tflops": 10,
                                      "tf32_tflops": 80, "mem_gbs": 1000, "launch_us": 2.0})");
        auto m = makeCostModel("sim:" + path, {});
        QCOMPARE(m->name(), "sim:" + path);
        QCOMPARE(m->device(), std::string("Lab GPU"));
        auto* simModel = dynamic_cast<SimCostModel*>(m.get());
        QCOMPARE(simModel->simDevice().sms, 40);
        QCOMPARE(simModel->simDevice().launchUs, 2.0);
        // Fewer, slower SMs than an H100: a big conv takes longer.
        const Branches b = branches(1, 256, 56, 3);
        QVERIFY(m->stageLatencyMs(b.g, single(b.convs[0]), {}) >
                sim()->stageLatencyMs(b.g, single(b.convs[0]), {}));
        // A file based on a preset needs only its name.
        writeFileAtomically(path, R"({"name": "H100 with slow memory", "base": "H100", "mem_gbs": 500})");
        const SimDevice based = loadSimDevice(path);
        QCOMPARE(based.sms, 132);
        QCOMPARE(based.memGBs, 500.0);
    }

    void userDeviceFileErrors_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("malformed") << R"({"name": "x", )"
                                   << "malformed JSON";
        QTest::newRow("not an object") << R"([1, 2])"
                                       << "expected an object";
        QTest::newRow("missing sms") << R"({"name": "x", "clock_ghz": 1, "fp32_tflops": 1, "mem_gbs": 1})"
                                     << "sms";
        QTest::newRow("missing bandwidth") << R"({"name": "x", "sms": 4, "clock_ghz": 1, "fp32_tflops": 1})"
                                           << "mem_gbs";
        QTest::newRow("negative")
            << R"({"name": "x", "sms": 4, "clock_ghz": -1, "fp32_tflops": 1, "mem_gbs": 1})"
            << "clock_ghz";
        QTest::newRow("wrong type")
            << R"({"name": "x", "sms": "many", "clock_ghz": 1, "fp32_tflops": 1, "mem_gbs": 1})"
            << "sms";
        QTest::newRow("zero sms")
            << R"({"name": "x", "sms": 0, "clock_ghz": 1, "fp32_tflops": 1, "mem_gbs": 1})"
            << "sms";
        QTest::newRow("fraction > 1") << R"({"name": "x", "base": "H100", "mem_eff": 3})"
                                      << "mem_eff";
        QTest::newRow("unknown key") << R"({"name": "x", "base": "H100", "smz": 3})"
                                     << "smz";
        QTest::newRow("unknown base") << R"({"name": "x", "base": "B200"})"
                                      << "base";
        QTest::newRow("empty name") << R"({"name": "", "base": "H100"})"
                                    << "name";
    }

    void userDeviceFileErrors() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const std::string path = dir.filePath("bad.json").toStdString();
        writeFileAtomically(path, text.toStdString());
        try {
            makeCostModel("sim:" + path, {});
            QFAIL("no error");
        } catch (const InputError& e) {
            const std::string what = e.what();
            QVERIFY2(what.find(path) != std::string::npos, e.what());
            QVERIFY2(what.find(expected.toStdString()) != std::string::npos, e.what());
        }
        // A missing file names itself too.
        QVERIFY_THROWS_EXCEPTION(InputError, loadSimDevice(dir.filePath("absent.json").toStdString()));
    }

    // The baked H200 constants reproduce the real microbenchmark they were fitted to. The fit is
    // joint with ioscope's own runtime stages (docs/cost-model.md), which weigh more since the
    // runtime re-times its conv algorithms: layers alone measured 13% median error at the refit.
    void calibrationAgainstTheH200Microbenchmark() {
        const std::filesystem::path file =
            std::filesystem::path(IOSCOPE_SHARED_DIR) / "benchmarks" / "h200_layer_microbench.json";
        if (!std::filesystem::exists(file)) QSKIP("shared H200 microbenchmark not present");
        const CalibrationData data = loadCalibrationData(file.string());
        SimDevice h200;
        QVERIFY(simDevicePreset("H200", h200));
        const CalibrationEvaluation e = evaluateCalibration(h200, data);
        QVERIFY2(quantile(e.aloneErr[0], 0.5) < 0.15, "fp32 median error of layers alone");
        QVERIFY2(quantile(e.aloneErr[1], 0.5) < 0.20, "tf32 median error of layers alone");
        QVERIFY2(quantile(e.speedupErr, 0.5) < 0.15, "median error of concurrent speedups");
    }
};

QTEST_GUILESS_MAIN(TestSimCostModel)
#include "tst_sim_cost_model.moc"
