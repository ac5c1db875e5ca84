// The ONNX path end to end on the GPU (skipped without a GPU or without the fixtures):
// torchvision's squeezenet1_1 with its own weights, imported, scheduled by IOS and run by the
// cuDNN runtime in graph mode, gives the CPU reference executor's output.
#include "cost/cost_factory.h"
#include "exec/cpu_executor.h"
#include "gpu/gpu_execution.h"
#include "gpu_test_support.h"
#include "models/model_registry.h"
#include "sched/scheduler.h"

#include <QtTest>
#include <cmath>

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
        if (!QFile::exists(model())) QSKIP(qPrintable("fixtures absent: " + model()));
    }

    void squeezenetWithWeightsMatchesCpu() {
        const Graph g = loadModel(model().toStdString());
        const RunConfig run{1, Precision::Fp32};
        auto cost = makeCostModel("sim:H100", run);
        SchedulerOptions options;
        options.run = run;
        const Schedule ios = iosSchedule(g, *cost, options).schedule;

        const CpuExecutor cpu(g);
        const CpuRunResult reference = cpu.run(sequentialSchedule(g), seededInputs(g, 1, 20210401));
        for (const ExecMode mode : {ExecMode::Graph, ExecMode::Stages}) {
            ExecutionOptions o;
            o.mode = mode;
            o.run = run;
            o.warmup = 2;
            o.runs = 3;
            o.utilization = false;
            o.keepOutputs = true;
            o.inputSeed = 20210401;
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

  private:
    // IOSCOPE_SHARED_DIR in the environment (the GPU machine's unpacked bundle) wins over the
    // checkout's ../shared.
    static QString model() {
        return qEnvironmentVariable("IOSCOPE_SHARED_DIR", QStringLiteral(IOSCOPE_SHARED_DIR)) +
               QStringLiteral("/fixtures/onnx/squeezenet1_1.with-weights.onnx");
    }
};

QTEST_GUILESS_MAIN(TestGpuOnnx)
#include "tst_gpu_onnx.moc"
