// GPU runtime tests of the kinds of issue #13 (skipped without a GPU): slice, pad (constant and
// reflect), resize (nearest and bilinear), channel shuffle, broadcasting add/sub/mul/div and the
// hardsigmoid/hardswish/silu activations against the CPU reference executor, in every precision
// and both layouts, under the sequential and the IOS schedule.
#include "cost/cost_factory.h"
#include "exec/cpu_executor.h"
#include "exec/gpu_execution.h"
#include "modern_test_graphs.h"
#include "sched/scheduler.h"

#include <QtTest>
#include <cmath>

using namespace ioscope;

namespace {

// The tolerances of tst_gpu_executor.cpp (relative to 1 + max |cpu|).
double toleranceFor(Precision p) {
    switch (p) {
    case Precision::Fp32:
        return 1e-4;
    case Precision::Tf32:
    case Precision::Fp16:
        return 2e-2;
    case Precision::Bf16:
        return 8e-2;
    }
    return 0;
}

double relativeError(const OutputTensor& gpu, const Tensor& cpu) {
    if (gpu.data.size() != cpu.data.size()) return INFINITY;
    double diff = 0, scale = 0;
    for (size_t i = 0; i < cpu.data.size(); ++i) {
        if (!std::isfinite(gpu.data[i])) return INFINITY;
        diff = std::max(diff, double(std::fabs(gpu.data[i] - cpu.data[i])));
        scale = std::max(scale, double(std::fabs(cpu.data[i])));
    }
    return diff / (1 + scale);
}

// Every op of the graph as an output of its own: each kind is compared on its own.
Graph everyOpAnOutput() {
    const Graph g = moderntest::modernKindsGraph();
    std::vector<Op> ops = g.ops();
    for (OpId id = 0; id < g.size(); ++id) {
        if (g.op(id).kind == OpKind::Input || !g.successors(id).size()) continue;
        Op probe;
        probe.name = "probe_" + g.op(id).name;
        probe.kind = OpKind::Identity;
        probe.inputs = {id};
        ops.push_back(probe);
    }
    Graph out("modern_probes");
    out.setOps(std::move(ops));
    out.finalize();
    return out;
}

} // namespace

class TestGpuModernOps : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        const GpuStatus status = gpuRuntimeStatus();
        if (!status.available) QSKIP(qPrintable("no GPU runtime: " + QString::fromStdString(status.reason)));
        qInfo("GPU: %s (%s)", status.device.c_str(), status.versions.c_str());
    }

    void matchesCpu_data() {
        QTest::addColumn<int>("precision");
        QTest::addColumn<int>("layout");
        QTest::addColumn<bool>("ios");
        for (Layout l : {Layout::Nhwc, Layout::Nchw})
            for (Precision p : {Precision::Fp32, Precision::Tf32, Precision::Fp16, Precision::Bf16})
                for (bool ios : {false, true}) {
                    const std::string name = std::string(toString(p)) + " " + std::string(toString(l)) +
                                             (ios ? " ios" : " sequential");
                    QTest::newRow(name.c_str()) << int(p) << int(l) << ios;
                }
    }
    void matchesCpu() {
        QFETCH(int, precision);
        QFETCH(int, layout);
        QFETCH(bool, ios);
        const Graph g = everyOpAnOutput();
        const int batch = 2;
        Schedule s = sequentialSchedule(g);
        if (ios) {
            auto cost = makeCostModel("sim:H200", RunConfig{batch, Precision(precision), Layout(layout)});
            s = iosSchedule(g, *cost, SchedulerOptions{}).schedule;
        }
        const CpuRunResult cpu = CpuExecutor(g).run(s, seededInputs(g, batch, 20261203));
        ExecutionOptions o;
        o.mode = ExecMode::Graph;
        o.run = {batch, Precision(precision), Layout(layout)};
        o.warmup = 1;
        o.runs = 2;
        o.utilization = false;
        o.keepOutputs = true;
        const ExecutionResult gpu = executeOnGpu(g, s, o);
        QCOMPARE(gpu.outputs.size(), cpu.outputs.size());
        const double tol = toleranceFor(Precision(precision));
        for (size_t i = 0; i < cpu.outputs.size(); ++i) {
            const double err = relativeError(gpu.outputs[i], cpu.outputs[i]);
            if (!(err <= tol))
                QFAIL(qPrintable(QString("output %1: relative error %2 > %3")
                                     .arg(QString::fromStdString(gpu.outputs[i].name))
                                     .arg(err)
                                     .arg(tol)));
        }
    }
};

QTEST_APPLESS_MAIN(TestGpuModernOps)
#include "tst_gpu_modern_ops.moc"
