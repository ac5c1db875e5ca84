// GPU runtime tests of the kinds of issue #13 (skipped without a GPU): slice, pad (constant and
// reflect), resize (nearest and bilinear), channel shuffle, broadcasting add/sub/mul/div and the
// hardsigmoid/hardswish/silu activations against the CPU reference executor, in every precision
// and both layouts, under the sequential and the IOS schedule.
#include "cost/cost_factory.h"
#include "exec/cpu_executor.h"
#include "exec/gpu_execution.h"
#include "gpu_test_support.h"
#include "modern_test_graphs.h"
#include "sched/scheduler.h"

#include <QtTest>
#include <cmath>

using namespace ioscope;
using gputest::relativeError;
using gputest::toleranceFor;

namespace {

// The first element that differs, as "n,c,y,x gpu/cpu" (both tensors in NCHW order).
std::string firstDifference(const OutputTensor& gpu, const Tensor& cpu, double tol) {
    const double scale = 1 + [&] {
        double m = 0;
        for (float v : cpu.data) m = std::max(m, double(std::fabs(v)));
        return m;
    }();
    const size_t hw = size_t(cpu.h) * size_t(cpu.w), chw = hw * size_t(cpu.c);
    for (size_t i = 0; i < cpu.data.size() && i < gpu.data.size(); ++i) {
        if (std::isfinite(gpu.data[i]) && std::fabs(gpu.data[i] - cpu.data[i]) <= tol * scale) continue;
        return std::to_string(i / chw) + "," + std::to_string(i % chw / hw) + "," +
               std::to_string(i % hw / size_t(cpu.w)) + "," + std::to_string(i % size_t(cpu.w)) + " " +
               std::to_string(gpu.data[i]) + "/" + std::to_string(cpu.data[i]);
    }
    return "sizes differ";
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
    void initTestCase() { GPUTEST_REQUIRE_GPU(); }

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
            // The probes make the graph wide: a small r/s and a time limit keep the search short.
            auto cost = makeCostModel("sim:H200", RunConfig{batch, Precision(precision), Layout(layout)});
            SchedulerOptions options;
            options.maxGroupSize = 2;
            options.maxGroups = 4;
            options.timeLimitSeconds = 5;
            s = iosSchedule(g, *cost, options).schedule;
        }
        ExecutionOptions o;
        o.mode = ExecMode::Graph;
        o.run = {batch, Precision(precision), Layout(layout)};
        o.warmup = 1;
        o.runs = 2;
        o.utilization = false;
        o.keepOutputs = true;
        // The GPU run fills input k with seededInput(shape, batch, o.inputSeed + k); so does this.
        const CpuRunResult cpu = CpuExecutor(g).run(s, seededInputs(g, batch, o.inputSeed));
        const ExecutionResult gpu = executeOnGpu(gputest::gpu(), g, s, o);
        QCOMPARE(gpu.outputs.size(), cpu.outputs.size());
        // Every output is checked before failing: the failing set points at the op that is wrong
        // (its probe fails and so does everything downstream of it).
        const double tol = toleranceFor(Precision(precision));
        QStringList failures;
        for (size_t i = 0; i < cpu.outputs.size(); ++i) {
            const double err = relativeError(gpu.outputs[i], cpu.outputs[i]);
            if (!(err <= tol))
                failures << QString("%1 (%2, first difference %3)")
                                .arg(QString::fromStdString(gpu.outputs[i].name))
                                .arg(err)
                                .arg(QString::fromStdString(
                                    firstDifference(gpu.outputs[i], cpu.outputs[i], tol)));
        }
        if (!failures.isEmpty())
            QFAIL(qPrintable(QString("relative error > %1 in %2 of %3 outputs: %4")
                                 .arg(tol)
                                 .arg(failures.size())
                                 .arg(cpu.outputs.size())
                                 .arg(failures.join("; "))));
    }
};

QTEST_APPLESS_MAIN(TestGpuModernOps)
#include "tst_gpu_modern_ops.moc"
