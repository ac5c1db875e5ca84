// The live profiler's and the runtime's switches as front ends read them from the environment
// (gpuOptionsFromEnvironment): the replay rule, the flush size and the forced convolution path,
// with unreadable or out-of-range values keeping the defaults. CPU only: reading the switches opens no
// device.
#include "gpu/gpu_context.h"

#include <QTest>

using namespace ioscope;

class TestProfilerSwitches : public QObject {
    Q_OBJECT
  private slots:
    void cleanup() {
        qunsetenv("IOSCOPE_PROFILER_REPLAYS");
        qunsetenv("IOSCOPE_PROFILER_FLUSH_L2");
        qunsetenv("IOSCOPE_CONV_PATH");
        qunsetenv("IOSCOPE_POOL_KERNEL");
        qunsetenv("IOSCOPE_DEPTHWISE_KERNEL");
        qunsetenv("IOSCOPE_CUDNN_REDUCED_PRECISION");
        qunsetenv("IOSCOPE_DEPTHWISE_VECTOR");
        qunsetenv("IOSCOPE_DEPTHWISE_WEIGHTS");
        qunsetenv("IOSCOPE_PROLOGUE_TILE");
        qunsetenv("IOSCOPE_GEMM_EPILOGUE");
    }

    void defaultsAreTheRule() {
        const ProfilerOptions o = gpuOptionsFromEnvironment().profiler;
        QCOMPARE(o.minReplays, ReplaySampling{}.minSamples);
        QCOMPARE(o.maxReplays, ReplaySampling{}.maxSamples);
        QCOMPARE(o.flushL2Multiple, 2.0);
    }

    void replays_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("min");
        QTest::addColumn<int>("max");
        const int dmin = ReplaySampling{}.minSamples, dmax = ReplaySampling{}.maxSamples;
        QTest::newRow("fixed") << QByteArray("3") << 3 << 3;
        QTest::newRow("range") << QByteArray("2-6") << 2 << 6;
        QTest::newRow("upside down keeps the minimum") << QByteArray("6-2") << 6 << 6;
        QTest::newRow("zero") << QByteArray("0") << dmin << dmax;
        QTest::newRow("words") << QByteArray("many") << dmin << dmax;
        QTest::newRow("too many") << QByteArray("500") << dmin << dmax;
    }
    void replays() {
        QFETCH(QByteArray, text);
        QFETCH(int, min);
        QFETCH(int, max);
        qputenv("IOSCOPE_PROFILER_REPLAYS", text);
        const ProfilerOptions o = gpuOptionsFromEnvironment().profiler;
        QCOMPARE(o.minReplays, min);
        QCOMPARE(o.maxReplays, max);
    }

    void flushSize_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<double>("multiple");
        QTest::newRow("one L2") << QByteArray("1") << 1.0;
        QTest::newRow("one and a half") << QByteArray("1.5") << 1.5;
        QTest::newRow("too small") << QByteArray("0.1") << 2.0;
        QTest::newRow("too large") << QByteArray("100") << 2.0;
        QTest::newRow("words") << QByteArray("half") << 2.0;
    }
    void flushSize() {
        QFETCH(QByteArray, text);
        QFETCH(double, multiple);
        qputenv("IOSCOPE_PROFILER_FLUSH_L2", text);
        QCOMPARE(gpuOptionsFromEnvironment().profiler.flushL2Multiple, multiple);
    }

    // IOSCOPE_CONV_PATH names one convolution path to keep; anything else keeps the fastest.
    void convPath() {
        QCOMPARE(gpuOptionsFromEnvironment().convPath, ConvPath::Fastest);
        qputenv("IOSCOPE_CONV_PATH", "gemm");
        QCOMPARE(gpuOptionsFromEnvironment().convPath, ConvPath::Gemm);
        qputenv("IOSCOPE_CONV_PATH", "graph");
        QCOMPARE(gpuOptionsFromEnvironment().convPath, ConvPath::Graph);
        qputenv("IOSCOPE_CONV_PATH", "GEMM please");
        QCOMPARE(gpuOptionsFromEnvironment().convPath, ConvPath::Fastest);
        QVERIFY(!convPathFromString(""));
        QCOMPARE(*convPathFromString("dense"), ConvPath::Dense);
        QCOMPARE(*convPathFromString("prologue-graph"), ConvPath::PrologueGraph);
        QVERIFY(gpuOptionsFromEnvironment().gemmEpilogues);
        qputenv("IOSCOPE_GEMM_EPILOGUE", "0");
        QVERIFY(!gpuOptionsFromEnvironment().gemmEpilogues);
    }

    // IOSCOPE_POOL_KERNEL keeps one of the two 3-row pool kernels; anything else times both.
    void poolKernel() {
        QCOMPARE(gpuOptionsFromEnvironment().poolKernel, GpuOptions::PoolKernel::Fastest);
        qputenv("IOSCOPE_POOL_KERNEL", "slide");
        QCOMPARE(gpuOptionsFromEnvironment().poolKernel, GpuOptions::PoolKernel::Slide);
        qputenv("IOSCOPE_POOL_KERNEL", "tile");
        QCOMPARE(gpuOptionsFromEnvironment().poolKernel, GpuOptions::PoolKernel::Tile);
        qputenv("IOSCOPE_POOL_KERNEL", "sliding");
        QCOMPARE(gpuOptionsFromEnvironment().poolKernel, GpuOptions::PoolKernel::Fastest);
    }

    // IOSCOPE_DEPTHWISE_KERNEL keeps ioscope's row or staged-tile depthwise kernel, runs cuDNN's, or
    // times ioscope's against cuDNN's; anything else times ioscope's two.
    void depthwiseKernel() {
        QCOMPARE(gpuOptionsFromEnvironment().depthwiseKernel, GpuOptions::DepthwiseKernel::Fastest);
        qputenv("IOSCOPE_DEPTHWISE_KERNEL", "row");
        QCOMPARE(gpuOptionsFromEnvironment().depthwiseKernel, GpuOptions::DepthwiseKernel::Row);
        qputenv("IOSCOPE_DEPTHWISE_KERNEL", "tile");
        QCOMPARE(gpuOptionsFromEnvironment().depthwiseKernel, GpuOptions::DepthwiseKernel::Tile);
        qputenv("IOSCOPE_DEPTHWISE_KERNEL", "cudnn");
        QCOMPARE(gpuOptionsFromEnvironment().depthwiseKernel, GpuOptions::DepthwiseKernel::Library);
        qputenv("IOSCOPE_DEPTHWISE_KERNEL", "timed");
        QCOMPARE(gpuOptionsFromEnvironment().depthwiseKernel, GpuOptions::DepthwiseKernel::Timed);
        QVERIFY(gpuOptionsFromEnvironment().ownDepthwiseKernels()); // epilogues may still be deferred
        qputenv("IOSCOPE_DEPTHWISE_KERNEL", "cuDNN please");
        QCOMPARE(gpuOptionsFromEnvironment().depthwiseKernel, GpuOptions::DepthwiseKernel::Fastest);
    }

    // IOSCOPE_DEPTHWISE_VECTOR caps the row kernel's channels per thread (1, 2, 4 or 8; else timed);
    // IOSCOPE_DEPTHWISE_WEIGHTS=typed gives it weights in the run's type.
    void depthwiseVectorAndWeights() {
        QCOMPARE(gpuOptionsFromEnvironment().depthwiseVector, 0);
        QVERIFY(!gpuOptionsFromEnvironment().depthwiseTypedWeights);
        qputenv("IOSCOPE_DEPTHWISE_VECTOR", "2");
        QCOMPARE(gpuOptionsFromEnvironment().depthwiseVector, 2);
        qputenv("IOSCOPE_DEPTHWISE_VECTOR", "3");
        QCOMPARE(gpuOptionsFromEnvironment().depthwiseVector, 0);
        qputenv("IOSCOPE_DEPTHWISE_WEIGHTS", "typed");
        QVERIFY(gpuOptionsFromEnvironment().depthwiseTypedWeights);
        qputenv("IOSCOPE_DEPTHWISE_WEIGHTS", "fp16");
        QVERIFY(!gpuOptionsFromEnvironment().depthwiseTypedWeights);
    }

    // IOSCOPE_CUDNN_REDUCED_PRECISION=1 lets cuDNN engines that reduce in half precision compete;
    // anything else keeps fp32 accumulation.
    void reducedPrecisionReduction() {
        QVERIFY(!gpuOptionsFromEnvironment().reducedPrecisionReduction);
        qputenv("IOSCOPE_CUDNN_REDUCED_PRECISION", "1");
        QVERIFY(gpuOptionsFromEnvironment().reducedPrecisionReduction);
        qputenv("IOSCOPE_CUDNN_REDUCED_PRECISION", "yes");
        QVERIFY(!gpuOptionsFromEnvironment().reducedPrecisionReduction);
    }

    // IOSCOPE_PROLOGUE_TILE keeps one block shape of the prologue GEMM kernel; unset, all are timed.
    void prologueTile() {
        QCOMPARE(gpuOptionsFromEnvironment().prologueTile, -1);
        qputenv("IOSCOPE_PROLOGUE_TILE", "3");
        QCOMPARE(gpuOptionsFromEnvironment().prologueTile, 3);
        qputenv("IOSCOPE_PROLOGUE_TILE", "x");
        QCOMPARE(gpuOptionsFromEnvironment().prologueTile, -1);
        qunsetenv("IOSCOPE_PROLOGUE_TILE");
    }
};

QTEST_GUILESS_MAIN(TestProfilerSwitches)
#include "tst_profiler_switches.moc"
