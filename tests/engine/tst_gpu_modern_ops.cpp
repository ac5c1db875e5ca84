// GPU runtime tests of the kinds of issue #13 (skipped without a GPU): slice, pad (constant and
// reflect), resize (nearest and bilinear), channel shuffle, broadcasting add/sub/mul/div and the
// hardsigmoid/hardswish/silu activations against the CPU reference executor, in every precision
// and both layouts, under the sequential and the IOS schedule.
#include "cost/cost_factory.h"
#include "exec/cpu_executor.h"
#include "exec/kernel_classes.h"
#include "gpu/gpu_execution.h"
#include "gpu/squeeze_excite.h"
#include "gpu_test_support.h"
#include "modern_test_graphs.h"
#include "sched/scheduler.h"

#include <QtTest>
#include <cmath>
#include <functional>

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

const std::vector<Precision> kAllPrecisions = {Precision::Fp32, Precision::Tf32, Precision::Fp16,
                                               Precision::Bf16};

// Runs `s` on the GPU at each batch, layout and precision, checks every output against the CPU
// reference at the precision's tolerance, and hands each GPU result to `inspect` (for checks of
// the kernels that ran). Stops at the first failure. Runs in `context`, or the test's shared one.
void compareWithCpu(const Graph& g, const Schedule& s, std::initializer_list<int> batches,
                    const std::vector<Precision>& precisions,
                    const std::function<void(const ExecutionResult&, Precision, Layout, int)>& inspect = {},
                    GpuContext* context = nullptr) {
    for (int batch : batches) {
        const CpuRunResult cpu = CpuExecutor(g).run(s, seededInputs(g, batch, 20210401));
        for (Layout layout : {Layout::Nhwc, Layout::Nchw})
            for (Precision p : precisions) {
                const ExecutionResult gpu = executeOnGpu(context ? *context : gputest::gpu(), g, s,
                                                         gputest::checkedRun(batch, p, layout));
                QCOMPARE(gpu.outputs.size(), cpu.outputs.size());
                for (size_t i = 0; i < cpu.outputs.size(); ++i) {
                    const double err = relativeError(gpu.outputs[i], cpu.outputs[i]);
                    QVERIFY2(err <= toleranceFor(p),
                             qPrintable(QString("%1 of %2, %3 %4 batch %5: relative error %6")
                                            .arg(QString::fromStdString(gpu.outputs[i].name))
                                            .arg(QString::fromStdString(g.name()))
                                            .arg(toString(p).data())
                                            .arg(toString(layout).data())
                                            .arg(batch)
                                            .arg(err)));
                }
                if (inspect) inspect(gpu, p, layout, batch);
                if (QTest::currentTestFailed()) return;
            }
    }
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
        ExecutionOptions o = gputest::checkedRun(batch, Precision(precision), Layout(layout));
        o.utilization = false;
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

    // Squeeze-excite blocks at the sizes of EfficientNet's first and last stages (a 56x56x96 map:
    // the whole-map pool split over a cluster of blocks, three channel tiles; 7x7x1152 to 48: 36
    // tiles whose partial reductions the last to arrive adds up) run as two kernels, the pool with
    // the reduction conv and the multiply with the expansion conv (gpu/squeeze_excite.h); then a
    // fully connected head. A gate wider than kMaxSqueezeChannels (mobilenet_v3's 960 to 240)
    // keeps its four kernels. Every precision and layout, batches 1 and 3, and a second run of the
    // same program (the arrival counters reset themselves).
    void squeezeExciteMatchesCpu_data() {
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("hidden");
        QTest::newRow("56x56x96 to 4") << 96 << 56 << 4;
        QTest::newRow("7x7x1152 to 48") << 1152 << 7 << 48;
        QTest::newRow("14x14x960 to 240 (four kernels)") << 960 << 14 << 240;
    }
    void squeezeExciteMatchesCpu() {
        QFETCH(int, channels);
        QFETCH(int, size);
        QFETCH(int, hidden);
        Graph g("squeeze_excite");
        const OpId x = g.addInput("input", {channels, size, size});
        const OpId pool = g.addOp(moderntest::op("pool", OpKind::GlobalAvgPool, {x}));
        const OpId reduce = g.addOp(moderntest::conv("reduce", pool, hidden, 1, 1, 0, Activation::Silu));
        const OpId expand =
            g.addOp(moderntest::conv("expand", reduce, channels, 1, 1, 0, Activation::Sigmoid));
        Op mul = moderntest::op("scale", OpKind::Binary, {x, expand});
        mul.binary = BinaryFn::Mul;
        const OpId scaled = g.addOp(mul);
        const OpId head = g.addOp(moderntest::op("head_pool", OpKind::GlobalAvgPool, {scaled}));
        Op fc = moderntest::op("fc", OpKind::FullyConnected, {head});
        fc.outChannels = 40;
        fc.activation = Activation::Relu;
        g.addOp(fc);
        g.finalize();
        compareWithCpu(g, sequentialSchedule(g), {1, 3}, kAllPrecisions,
                       [&](const ExecutionResult& gpu, Precision p, Layout layout, int batch) {
                           if (batch == 1 && p == Precision::Tf32 && layout == Layout::Nhwc)
                               qInfo("kernels: %s", kernelClassesText(gpu.kernels).c_str());
                           int excites = 0;
                           for (const KernelRecord& k : gpu.kernels) {
                               if (hidden <= gpu::kMaxSqueezeChannels)
                                   QVERIFY2(k.op != reduce && k.op != expand, k.name.c_str());
                               excites += k.name.find("exciteKernel") != std::string::npos;
                           }
                           QCOMPARE(excites, hidden <= gpu::kMaxSqueezeChannels ? 1 : 0);
                       });
    }

    // Depthwise convolutions as mobile networks use them (3x3 to 9x9 windows, strides 1 and
    // 2, channel counts that are and are not a multiple of a 16-byte pack: 20 packs in fp32 only, 42
    // in none) with bias, activation and a residual, against the CPU reference in every precision
    // and layout, batches 1 and 2: in ioscope's row kernel (one output column a thread, or four),
    // its staged tile, cuDNN's and as timed. Channels-last runs take the row kernel whatever the
    // channel count (vectors of 2 or 4 channels where 16-byte packs do not fit: 42 and 20 in fp16),
    // never the generic kernels; the tile where packs fit; with cuDNN's, none of ioscope's runs.
    void depthwiseConvsMatchCpu_data() {
        QTest::addColumn<int>("kernel");
        QTest::addColumn<int>("columns");
        QTest::addColumn<bool>("reducedReduction");
        QTest::addColumn<int>("vector");
        QTest::addColumn<bool>("typedWeights");
        QTest::newRow("row") << int(GpuOptions::DepthwiseKernel::Row) << 1 << false << 0 << false;
        // fp16/bf16 weights in the row kernel (GpuOptions::depthwiseTypedWeights).
        QTest::newRow("row, weights in the run's type")
            << int(GpuOptions::DepthwiseKernel::Row) << 1 << false << 0 << true;
        QTest::newRow("row, four columns")
            << int(GpuOptions::DepthwiseKernel::Row) << 4 << false << 0 << false;
        // Two channels a thread however many fit (GpuOptions::depthwiseVector).
        QTest::newRow("row, two channels a thread")
            << int(GpuOptions::DepthwiseKernel::Row) << 1 << false << 2 << false;
        QTest::newRow("tile") << int(GpuOptions::DepthwiseKernel::Tile) << 1 << false << 0 << false;
        QTest::newRow("cudnn") << int(GpuOptions::DepthwiseKernel::Library) << 1 << false << 0 << false;
        // cuDNN's engines that reduce in fp16/bf16 allowed: still within the 16-bit tolerances.
        QTest::newRow("cudnn, reduced-precision reductions")
            << int(GpuOptions::DepthwiseKernel::Library) << 1 << true << 0 << false;
        QTest::newRow("timed") << int(GpuOptions::DepthwiseKernel::Fastest) << 1 << false << 0 << false;
        QTest::newRow("ioscope's or cuDNN's, timed")
            << int(GpuOptions::DepthwiseKernel::Timed) << 1 << false << 0 << false;
    }
    void depthwiseConvsMatchCpu() {
        QFETCH(int, kernel);
        QFETCH(int, columns);
        QFETCH(bool, reducedReduction);
        QFETCH(int, vector);
        QFETCH(bool, typedWeights);
        const auto choice = GpuOptions::DepthwiseKernel(kernel);
        GpuOptions options = gpuOptionsFromEnvironment();
        options.depthwiseKernel = choice;
        options.depthwiseColumns = columns;
        options.reducedPrecisionReduction = reducedReduction;
        options.depthwiseVector = vector;
        options.depthwiseTypedWeights = typedWeights;
        GpuContext context(options);
        for (int channels : {48, 20, 42}) {
            Graph g("depthwise_" + std::to_string(channels) + "_channels");
            const OpId x = g.addInput("input", {channels, 19, 21});
            std::vector<OpId> outs;
            for (int k : {3, 5, 7, 9})
                for (int stride : {1, 2}) {
                    Op dw = moderntest::conv("dw" + std::to_string(k) + "s" + std::to_string(stride), x,
                                             channels, k, stride, k / 2, Activation::Silu);
                    dw.groups = channels;
                    outs.push_back(g.addOp(dw));
                }
            Op sum = moderntest::op("residual", OpKind::Binary, {outs[0], x});
            sum.binary = BinaryFn::Add;
            g.addOp(sum);
            g.finalize();
            compareWithCpu(
                g, sequentialSchedule(g), {1, 2}, {Precision::Fp32, Precision::Fp16, Precision::Bf16},
                [choice, channels, columns, vector, typedWeights](const ExecutionResult& gpu,
                                                                  Precision precision, Layout layout, int) {
                    int own = 0, rows = 0, tiles = 0, columnKernels = 0, narrow = 0, typed = 0;
                    // fp16 vectors: 42 channels in twos, 20 in fours (the row kernels' second argument);
                    // every count in twos where two is the cap.
                    const std::string narrowName = channels == 42 || vector == 2 ? "__halfLi2E"
                                                   : channels == 20              ? "__halfLi4E"
                                                                                 : "none";
                    for (const KernelRecord& k : gpu.kernels) {
                        own += k.name.find("depthwise") != std::string::npos &&
                               k.name.find("ioscope") != std::string::npos;
                        rows += k.name.find("depthwiseRowKernelI") != std::string::npos;
                        columnKernels += k.name.find("depthwiseColumnsKernelI") != std::string::npos;
                        tiles += k.name.find("depthwiseTileKernelI") != std::string::npos;
                        typed += k.name.find("depthwiseRowKernelI") != std::string::npos &&
                                 k.name.find("Lb1E") != std::string::npos; // TW = true
                        narrow += k.name.find("depthwise") != std::string::npos &&
                                  k.name.find(narrowName) != std::string::npos;
                    }
                    if (choice == GpuOptions::DepthwiseKernel::Library) QCOMPARE(own, 0);
                    // Four columns: windows 3 to 7 in fp32 and fp16 (9x9 and bf16 stay one column).
                    const int columnsTaken = columns == 4 && precision != Precision::Bf16 ? 6 : 0;
                    if (choice == GpuOptions::DepthwiseKernel::Row && layout == Layout::Nhwc) {
                        QCOMPARE(rows, 8 - columnsTaken);
                        QCOMPARE(columnKernels, columnsTaken);
                        if (precision == Precision::Fp16 && narrowName != "none") QCOMPARE(narrow, 8);
                    }
                    // 16-bit weights at whole packs: all 8 convs at 48 channels.
                    if (typedWeights && layout == Layout::Nhwc && precision == Precision::Fp16 &&
                        channels == 48)
                        QCOMPARE(typed, 8);
                    // The tile takes strides 1 and 2 in 16-byte packs: all 8 convs at 48 channels.
                    if (choice == GpuOptions::DepthwiseKernel::Tile && layout == Layout::Nhwc &&
                        channels == 48)
                        QCOMPARE(tiles, 8);
                },
                &context);
            if (QTest::currentTestFailed()) return;
        }
    }

    // Mobile blocks: 1x1 expansions and a strided stem conv whose SiLU / hard-swish cuDNN cannot
    // fuse feed depthwise convs only, so the depthwise kernel applies their bias and activation
    // on load and no element-wise pass runs; a conv that also feeds something else keeps its
    // epilogue. Against the CPU reference in every precision and layout, batches 1 and 2.
    void convEpiloguesMoveIntoDepthwise() {
        Graph g("mobile_blocks");
        const OpId x = g.addInput("input", {16, 30, 30});
        const OpId stem = g.addOp(moderntest::conv("stem", x, 32, 3, 2, 1, Activation::HardSwish));
        Op dw0 = moderntest::conv("dw0", stem, 32, 3, 1, 1, Activation::Relu);
        dw0.groups = 32;
        const OpId d0 = g.addOp(dw0);
        const OpId expand = g.addOp(moderntest::conv("expand", d0, 96, 1, 1, 0, Activation::Silu));
        // SiLU goes to the staged-tile kernel: 3x3 at stride 2 here, 5x5 at stride 1 below.
        Op dw1 = moderntest::conv("dw1", expand, 96, 3, 2, 1, Activation::Silu);
        dw1.groups = 96;
        const OpId d1 = g.addOp(dw1);
        const OpId expand2 = g.addOp(moderntest::conv("expand2", d1, 40, 1, 1, 0, Activation::Silu));
        Op dw5 = moderntest::conv("dw5", expand2, 40, 5, 1, 2, Activation::Silu);
        dw5.groups = 40; // 40 channels: the last tile's chunk of packs is partly empty
        const OpId d5 = g.addOp(dw5);
        Op projectOp = moderntest::conv("project", d5, 24, 1, 1, 0);
        projectOp.bias = false; // no epilogue at all, so it adds no element-wise pass either
        const OpId project = g.addOp(projectOp);
        // Two consumers, one not a depthwise conv: the epilogue stays with the conv.
        const OpId shared = g.addOp(moderntest::conv("shared", project, 24, 1, 1, 0, Activation::Silu));
        Op dw2 = moderntest::conv("dw2", shared, 24, 3, 1, 1, Activation::None);
        dw2.groups = 24;
        const OpId d2 = g.addOp(dw2);
        Op sum = moderntest::op("sum", OpKind::Binary, {d2, shared});
        sum.binary = BinaryFn::Add;
        g.addOp(sum);
        g.finalize();
        compareWithCpu(
            g, sequentialSchedule(g), {1, 2}, kAllPrecisions,
            [](const ExecutionResult& gpu, Precision, Layout layout, int) {
                // Only "shared" (two consumers) may run an epilogue pass; "stem",
                // "expand" and "expand2" would add one each if theirs were not deferred. NHWC keeps
                // cuDNN's layout, so no other element-wise kernel runs there.
                if (layout != Layout::Nhwc) return;
                int passes = 0, tiles = 0;
                for (const KernelRecord& k : gpu.kernels) {
                    passes += k.name.find("elementwise") != std::string::npos;
                    tiles += k.name.find("depthwiseTileKernel") != std::string::npos &&
                             k.name.find("Li7EE") != std::string::npos; // PRE = kActSilu
                }
                QVERIFY2(passes <= 1, qPrintable(QString("%1 element-wise kernels, %2")
                                                     .arg(passes)
                                                     .arg(kernelClassesText(gpu.kernels).c_str())));
                QVERIFY2(tiles == 2, qPrintable(QString("%1 staged-tile depthwise kernels").arg(tiles)));
            });
    }

    // A ReLU op whose every reader is a depthwise conv (NASNet's separable branches: the cell input
    // stays un-activated for its pools and sums) runs no kernel: the depthwise kernels apply it on
    // load (packs, and 4-channel vectors at 20 channels in 16-bit types); a ReLU that also feeds a 1x1 conv
    // keeps its kernel. Against the CPU reference in every precision and layout, batches 1 and 2;
    // also where each depthwise conv is timed against cuDNN's (which then runs after an element-wise
    // pass of its own, attributed to the conv).
    void reluOpsMoveIntoDepthwise_data() {
        QTest::addColumn<int>("kernel");
        QTest::newRow("ioscope's kernels") << int(GpuOptions::DepthwiseKernel::Fastest);
        QTest::newRow("ioscope's or cuDNN's, timed") << int(GpuOptions::DepthwiseKernel::Timed);
    }
    void reluOpsMoveIntoDepthwise() {
        QFETCH(int, kernel);
        GpuOptions options = gpuOptionsFromEnvironment();
        options.depthwiseKernel = GpuOptions::DepthwiseKernel(kernel);
        GpuContext context(options);
        Graph g("relu_into_depthwise");
        const OpId x = g.addInput("input", {32, 17, 19});
        const OpId stem = g.addOp(moderntest::conv("stem", x, 32, 3));
        auto depthwise = [&](const std::string& name, OpId in, int channels, int k, int stride) {
            Op dw = moderntest::conv(name, in, channels, k, stride, k / 2);
            dw.groups = channels;
            return g.addOp(dw);
        };
        const OpId relu = g.addOp(moderntest::activation("relu", stem, Activation::Relu));
        const OpId d3 = depthwise("dw3", relu, 32, 3, 1);
        depthwise("dw5", relu, 32, 5, 2);
        Op pool = moderntest::op("pool", OpKind::MaxPool, {stem});
        pool.window = Window{3, 3, 1, 1, 1, 1, 1, 1};
        Op sum = moderntest::op("sum", OpKind::Binary, {d3, g.addOp(pool)});
        sum.binary = BinaryFn::Add;
        g.addOp(sum);
        const OpId narrow = g.addOp(moderntest::conv("narrow", x, 20, 1, 1, 0));
        const OpId reluNarrow = g.addOp(moderntest::activation("relu_narrow", narrow, Activation::Relu));
        depthwise("dw_narrow", reluNarrow, 20, 3, 1);
        const OpId kept = g.addOp(moderntest::activation("relu_kept", stem, Activation::Relu));
        depthwise("dw_kept", kept, 32, 3, 2);
        g.addOp(moderntest::conv("mix", kept, 16, 1, 1, 0));
        g.finalize();
        compareWithCpu(
            g, sequentialSchedule(g), {1, 2}, kAllPrecisions,
            [&](const ExecutionResult& gpu, Precision, Layout, int) {
                int deferred = 0, own = 0;
                for (const KernelRecord& k : gpu.kernels) {
                    deferred += k.op == relu || k.op == reluNarrow;
                    own += k.op == kept;
                }
                QVERIFY2(deferred == 0 && own >= 1,
                         qPrintable(QString("%1 kernels of the deferred ReLUs, %2 of the kept one")
                                        .arg(deferred)
                                        .arg(own)));
            },
            &context);
    }

    // A Split's parts (channel slices, a slice of a slice) are views of their input: no gather
    // kernel runs, and the convolutions reading them compute what the CPU reference computes.
    void channelSlicesAreViews() {
        Graph g("split_views");
        const OpId x = g.addInput("input", {32, 9, 11});
        const OpId stem = g.addOp(moderntest::conv("stem", x, 32, 3, 1, 1, Activation::Relu));
        auto slice = [&](const std::string& name, OpId in, int c0, int c) {
            Op s = moderntest::op(name, OpKind::Slice, {in});
            s.slice = SliceBox{c0, 0, 0, c, 9, 11, 1, 1};
            return g.addOp(s);
        };
        const OpId a = slice("part_a", stem, 0, 12), b = slice("part_b", stem, 12, 20);
        const OpId inner = slice("part_b_inner", b, 4, 8);
        const OpId ca = g.addOp(moderntest::conv("conv_a", a, 8, 3));
        const OpId cb = g.addOp(moderntest::conv("conv_b", b, 8, 5));
        const OpId ci = g.addOp(moderntest::conv("conv_inner", inner, 8, 1));
        g.addOp(moderntest::op("concat", OpKind::Concat, {ca, cb, ci}));
        g.finalize();
        compareWithCpu(g, sequentialSchedule(g), {2}, {Precision::Fp32, Precision::Fp16},
                       [](const ExecutionResult& gpu, Precision, Layout, int) {
                           for (const KernelRecord& k : gpu.kernels)
                               QVERIFY2(k.name.find("gatherKernel") == std::string::npos, k.name.c_str());
                       });
    }

    // Pads (TF "same" zeros, NASNet's one-pixel shift with signed sides, reflect), a crop, a channel slice
    // starting on a pack and resizes (nearest, bilinear) move whole 16-byte packs of channels in
    // channels-last runs: only the pack kernel runs there; a slice starting mid-pack takes the
    // element kernel. Against the CPU reference in every precision and layout, batches 1 and 2.
    void gathersMoveWholePacks() {
        Graph g("packed_gathers");
        const OpId x = g.addInput("input", {16, 9, 11});
        const OpId stem = g.addOp(moderntest::conv("stem", x, 32, 3, 1, 1, Activation::Relu));
        auto add = [&](Op o) { return g.addOp(std::move(o)); };
        Op pad = moderntest::op("same_pad", OpKind::Pad, {stem});
        pad.pad = PadSpec{0, 0, 1, 1, PadMode::Constant, 0.0f};
        const OpId padded = add(pad);
        Op crop = moderntest::op("crop", OpKind::Slice, {padded});
        crop.slice = SliceBox{0, 1, 1, 32, 9, 11, 1, 1};
        add(crop);
        Op shift = moderntest::op("shift", OpKind::Pad, {stem}); // NASNet's ZeroPad2d((-1, 1, -1, 1))
        shift.pad = PadSpec{-1, -1, 1, 1, PadMode::Constant, 0.0f};
        add(shift);
        Op reflect = moderntest::op("reflect_pad", OpKind::Pad, {stem});
        reflect.pad = PadSpec{2, 1, 1, 2, PadMode::Reflect, 0.0f};
        add(reflect);
        Op strided = moderntest::op("strided_slice", OpKind::Slice, {stem});
        strided.slice = SliceBox{8, 1, 0, 16, 4, 6, 2, 2};
        add(strided);
        Op midPack = moderntest::op("mid_pack_slice", OpKind::Slice, {stem});
        midPack.slice = SliceBox{2, 0, 1, 16, 9, 10, 1, 1};
        add(midPack);
        Op nearest = moderntest::op("nearest", OpKind::Resize, {stem});
        nearest.resize =
            ResizeSpec{ResizeMode::Nearest, ResizeCoord::Asymmetric, NearestRound::Floor, 18, 22};
        add(nearest);
        Op linear = moderntest::op("bilinear", OpKind::Resize, {stem});
        linear.resize = ResizeSpec{ResizeMode::Linear, ResizeCoord::HalfPixel, NearestRound::Floor, 14, 17};
        add(linear);
        g.finalize();
        compareWithCpu(g, sequentialSchedule(g), {1, 2}, kAllPrecisions,
                       [](const ExecutionResult& gpu, Precision, Layout layout, int) {
                           if (layout != Layout::Nhwc) return;
                           int packs = 0, elements = 0;
                           for (const KernelRecord& k : gpu.kernels) {
                               packs += k.name.find("gatherPackKernel") != std::string::npos;
                               elements += k.name.find("gatherKernel") != std::string::npos;
                           }
                           QVERIFY2(packs == 7 && elements == 1,
                                    qPrintable(QString("%1 pack and %2 element gather kernels, %3")
                                                   .arg(packs)
                                                   .arg(elements)
                                                   .arg(kernelClassesText(gpu.kernels).c_str())));
                       });
    }
};

QTEST_APPLESS_MAIN(TestGpuModernOps)
#include "tst_gpu_modern_ops.moc"
