// The ONNX path end to end on the GPU (skipped without a GPU or without the fixtures):
// torchvision's squeezenet1_1 with its own weights, imported, scheduled by IOS and run by the
// cuDNN runtime in graph mode, gives the CPU reference executor's output; so does every network
// of the zoo (tests/data/zoo) in every precision.
#include "cost/cost_factory.h"
#include "exec/cpu_executor.h"
#include "gpu/gpu_execution.h"
#include "gpu_test_support.h"
#include "models/model_registry.h"
#include "sched/scheduler.h"

#include <QDir>
#include <QElapsedTimer>
#include <QtTest>
#include <cmath>
#include <cstring>
#include <future>

using namespace ioscope;

class TestGpuOnnx : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
#ifndef IOSCOPE_HAVE_ONNX
        QSKIP("built without ONNX import");
#endif
        const GpuStatus status = gputest::gpu().status();
        if (!status.available) QSKIP(qPrintable("no GPU runtime: " + QString::fromStdString(status.reason)));
    }

    void squeezenetWithWeightsMatchesCpu() {
        if (!QFile::exists(model())) QSKIP(qPrintable("fixtures absent: " + model()));
        const Graph g = loadModel(model().toStdString());
        const RunConfig run{1, Precision::Fp32};
        auto cost = makeCostModel("sim:H100", run);
        SchedulerOptions options;
        options.run = run;
        const Schedule ios = iosSchedule(g, *cost, options).schedule;

        const CpuExecutor cpu(g);
        const CpuRunResult reference = cpu.run(sequentialSchedule(g), seededInputs(g, 1, 20210401));
        for (const ExecMode mode : {ExecMode::Graph, ExecMode::Stages}) {
            ExecutionOptions o = outputsKept(run);
            o.mode = mode;
            const ExecutionResult r = executeOnGpu(gputest::gpu(), g, ios, o);
            QCOMPARE(r.outputs.size(), reference.outputs.size());
            const Tensor& want = reference.outputs.front();
            const std::vector<float>& got = r.outputs.front().data;
            QCOMPARE(got.size(), want.data.size());
            double diff = 0, scale = 0;
            for (size_t i = 0; i < got.size(); ++i) {
                QVERIFY(std::isfinite(got[i]));
                diff = std::max(diff, double(std::fabs(got[i] - want.data[i])));
                scale = std::max(scale, double(std::fabs(want.data[i])));
            }
            qInfo("%s mode: max |gpu - cpu| = %.3g (max |cpu| %.3g)", std::string(toString(mode)).c_str(),
                  diff, scale);
            QVERIFY(diff / (1 + scale) < 1e-4); // strict fp32: only the summation order differs
        }
    }

    // Networks with their weights, against onnxruntime's output on the same input: a folder
    // (IOSCOPE_ORT_DIR, made on the GPU machine by bench/ort_reference.py) holds NAME.with-weights.onnx,
    // NAME.input.bin and NAME.ort.bin (raw little-endian float32, NCHW). Each is imported, scheduled
    // by IOS and run in strict fp32, sequential and IOS.
    void weightedNetworksMatchOnnxRuntime() {
        const QString dir = qEnvironmentVariable("IOSCOPE_ORT_DIR");
        if (dir.isEmpty()) QSKIP("IOSCOPE_ORT_DIR is not set (bench/ort_reference.py makes it)");
        const QStringList files = QDir(dir).entryList({"*.with-weights.onnx"}, QDir::Files, QDir::Name);
        QVERIFY2(!files.isEmpty(), qPrintable("no *.with-weights.onnx in " + dir));
        for (const QString& file : files) {
            const QString stem = dir + "/" + file.chopped(int(qstrlen(".with-weights.onnx")));
            const std::vector<float> input = readFloats(stem + ".input.bin");
            const std::vector<float> want = readFloats(stem + ".ort.bin");
            QVERIFY2(!input.empty() && !want.empty(), qPrintable("missing .input.bin/.ort.bin for " + file));
            const Graph g = loadModel((dir + "/" + file).toStdString());
            const RunConfig run{1, Precision::Fp32};
            auto cost = makeCostModel("sim:H200", run);
            SchedulerOptions options;
            options.run = run;
            options.timeLimitSeconds = 10;
            const Schedule ios = iosSchedule(g, *cost, options).schedule;
            const std::pair<const char*, Schedule> schedules[] = {{"sequential", sequentialSchedule(g)},
                                                                  {"IOS", ios}};
            for (const auto& [label, s] : schedules) {
                ExecutionOptions o = outputsKept(run);
                o.inputData = {input};
                const ExecutionResult r = executeOnGpu(gputest::gpu(), g, s, o);
                QCOMPARE(r.outputs.size(), size_t(1));
                const std::vector<float>& got = r.outputs.front().data;
                QCOMPARE(got.size(), want.size());
                double diff = 0, scale = 0;
                size_t argGot = 0, argWant = 0;
                for (size_t i = 0; i < got.size(); ++i) {
                    QVERIFY(std::isfinite(got[i]));
                    diff = std::max(diff, double(std::fabs(got[i] - want[i])));
                    scale = std::max(scale, double(std::fabs(want[i])));
                    if (got[i] > got[argGot]) argGot = i;
                    if (want[i] > want[argWant]) argWant = i;
                }
                // Seeded random weights leave some outputs tiny (efficientnet_b0's are about 1e-14),
                // so the error is relative to the largest output, not to 1 + it.
                qInfo("%s, %s: max |ioscope - onnxruntime| = %.3g (max |onnxruntime| %.3g, relative %.2g), "
                      "argmax %s",
                      qPrintable(file), label, diff, scale, diff / scale,
                      argGot == argWant ? "equal" : "differs");
                QVERIFY2(scale > 0 && diff <= 1e-4 * scale, qPrintable(file)); // fp32: summation order only
                QCOMPARE(argGot, argWant);
            }
        }
    }

    // Every zoo network (structure only, seeded weights), after the runtime's fusion rewrite and
    // scheduled by IOS (sim model, short limit), run on the GPU in each precision (NHWC, graph
    // mode) against the CPU reference of the network as written, at the precision's tolerance
    // (gpu_test_support.h). The CPU references run on all cores at once: the slowest
    // (nasnetalarge) takes about a minute on one. IOSCOPE_ZOO_ONLY=NAME narrows it.
    void zooNetworksMatchCpu() {
        const QDir zoo = zooDir();
        QStringList files;
        for (const QString& f : zoo.entryList({"*.onnx"}, QDir::Files, QDir::Name))
            if (!f.contains(".with-weights.") && f.contains(qEnvironmentVariable("IOSCOPE_ZOO_ONLY")))
                files << f;
        if (files.isEmpty()) QSKIP(qPrintable("no zoo networks in " + zoo.path()));
        QElapsedTimer timer;
        timer.start();
        // Seeded weights are not trained ones: through long residual chains some networks' finite
        // values outgrow fp16 (inception_resnet_v2: 2.2e5 > 65504), which no runtime can store.
        // Those are not compared in fp16, and say so.
        struct Reference {
            std::vector<Tensor> outputs;
            double largest = 0; // |value| over every op's output
        };
        std::vector<std::future<Reference>> references;
        for (const QString& f : files)
            references.push_back(std::async(std::launch::async, [path = zoo.filePath(f).toStdString()] {
                ModelLoadOptions asWritten;
                asWritten.fuse = false;
                const Graph g = loadModel(path, asWritten);
                CpuRunResult all =
                    CpuExecutor(g).run(sequentialSchedule(g), seededInputs(g, 1, 20210401), true);
                Reference ref{std::move(all.outputs), 0};
                for (const Tensor& t : all.allByOp)
                    for (float v : t.data) // infinities are max-pool padding, fp16 has them too
                        if (std::isfinite(v)) ref.largest = std::max(ref.largest, double(std::fabs(v)));
                return ref;
            }));
        for (qsizetype n = 0; n < files.size(); ++n) {
            const QString& f = files[n];
            const Graph g = loadModel(zoo.filePath(f).toStdString());
            auto cost = makeCostModel("sim:H200", RunConfig{});
            SchedulerOptions options;
            options.timeLimitSeconds = 3;
            const Schedule ios = iosSchedule(g, *cost, options).schedule;
            const Reference reference = references[size_t(n)].get();
            const std::vector<Tensor>& want = reference.outputs;
            QString line;
            for (const Precision p : {Precision::Fp32, Precision::Tf32, Precision::Fp16, Precision::Bf16}) {
                if (p == Precision::Fp16 && reference.largest > kFp16Max) {
                    line += QStringLiteral(" fp16 n/a (values reach %1)").arg(reference.largest, 0, 'g', 2);
                    continue;
                }
                const ExecutionResult r =
                    executeOnGpu(gputest::gpu(), g, ios, outputsKept({1, p, Layout::Nhwc}));
                QCOMPARE(r.outputs.size(), want.size());
                double worst = 0;
                for (size_t i = 0; i < want.size(); ++i)
                    worst = std::max(worst, gputest::relativeError(r.outputs[i], want[i]));
                line += QStringLiteral(" %1 %2").arg(toString(p).data()).arg(worst, 0, 'g', 2);
                QVERIFY2(
                    worst <= gputest::toleranceFor(p),
                    qPrintable(
                        QStringLiteral("%1 in %2: relative error %3").arg(f, toString(p).data()).arg(worst)));
            }
            double scale = 0;
            for (const Tensor& t : want)
                for (float v : t.data) scale = std::max(scale, double(std::fabs(v)));
            qInfo("%s: %zu units, %zu stages; max |cpu| %.3g; relative error%s", qPrintable(f),
                  g.units().size(), ios.stages.size(), scale, qPrintable(line));
        }
        qInfo("%lld networks in %.1f s", qlonglong(files.size()), double(timer.elapsed()) / 1000.0);
    }

  private:
    static constexpr double kFp16Max = 65504; // the largest finite fp16 value
    // A short run (graph mode) that copies its outputs back; inputs seeded as the CPU reference's.
    static ExecutionOptions outputsKept(const RunConfig& run) {
        ExecutionOptions o;
        o.run = run;
        o.warmup = 1;
        o.runs = 2;
        o.utilization = false;
        o.keepOutputs = true;
        o.inputSeed = 20210401;
        return o;
    }
    // IOSCOPE_ZOO_DIR, else tests/data/zoo under the working folder (the GPU machine runs the
    // tests from a copy of the repository), else the source tree's.
    static QDir zooDir() {
        if (const QString dir = qEnvironmentVariable("IOSCOPE_ZOO_DIR"); !dir.isEmpty()) return QDir(dir);
        if (QDir here(QStringLiteral("tests/data/zoo")); here.exists()) return here;
        return QDir(QStringLiteral(IOSCOPE_SOURCE_DIR "/tests/data/zoo"));
    }
    static std::vector<float> readFloats(const QString& path) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) return {};
        const QByteArray bytes = f.readAll();
        std::vector<float> v(size_t(bytes.size()) / sizeof(float));
        std::memcpy(v.data(), bytes.constData(), v.size() * sizeof(float));
        return v;
    }
    // IOSCOPE_SHARED_DIR in the environment (the GPU machine's unpacked bundle) wins over the
    // checkout's ../shared.
    static QString model() {
        return qEnvironmentVariable("IOSCOPE_SHARED_DIR", QStringLiteral(IOSCOPE_SHARED_DIR)) +
               QStringLiteral("/fixtures/onnx/squeezenet1_1.with-weights.onnx");
    }
};

QTEST_GUILESS_MAIN(TestGpuOnnx)
#include "tst_gpu_onnx.moc"
