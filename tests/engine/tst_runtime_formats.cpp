// What the GPU runtime's host side computes without a GPU: fp16/bf16 rounding (nearest even, as
// the hardware converts), the NHWC filter and depthwise tap orders, and the classes of kernel
// names that `execute --json` and the benchmark report, and which conv epilogues move into the
// depthwise convs that read them, and which squeeze-excite gates run as two kernels.
#include "exec/kernel_classes.h"
#include "exec/numeric_formats.h"
#include "exec/weight_layout.h"
#include "gpu/deferred_epilogue.h"
#include "gpu/gpu_execution.h"
#include "gpu/squeeze_excite.h"
#include "modern_test_graphs.h"

#include <QTest>

#include <array>
#include <cmath>
#include <limits>
#include <random>

using namespace ioscope;

class TestRuntimeFormats : public QObject {
    Q_OBJECT
  private slots:
    void halfKnownValues() {
        QCOMPARE(floatToHalf(1.0f), std::uint16_t(0x3C00));
        QCOMPARE(floatToHalf(-2.0f), std::uint16_t(0xC000));
        QCOMPARE(floatToHalf(65504.0f), std::uint16_t(0x7BFF));
        QCOMPARE(floatToHalf(1e6f), std::uint16_t(0x7C00));               // overflow: infinity
        QCOMPARE(floatToHalf(5.960464477539063e-08f), std::uint16_t(1));  // smallest subnormal
        QCOMPARE(floatToHalf(1.0f + 1.0f / 2048), std::uint16_t(0x3C00)); // tie: to even
        QCOMPARE(floatToHalf(1.0f + 3.0f / 2048), std::uint16_t(0x3C02)); // tie: to even (up)
        QVERIFY(std::isnan(halfToFloat(floatToHalf(std::numeric_limits<float>::quiet_NaN()))));
        QCOMPARE(floatToBf16(1.0f), std::uint16_t(0x3F80));
        QCOMPARE(bf16ToFloat(floatToBf16(3.140625f)), 3.140625f);
    }

    void roundTripsAreWithinHalfAnUlp() {
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> u(-1000, 1000);
        for (int i = 0; i < 20000; ++i) {
            const float x = u(rng) * std::pow(10.0f, float(int(rng() % 6)) - 4);
            const float h = roundToHalf(x), b = roundToBf16(x);
            if (std::fabs(x) >= 6.2e-5f && std::fabs(x) < 65000)
                QVERIFY2(std::fabs(h - x) <= std::fabs(x) * (1.0f / 2048) * 1.0001f,
                         qPrintable(QString::number(x)));
            QVERIFY2(std::fabs(b - x) <= std::fabs(x) * (1.0f / 256) * 1.0001f,
                     qPrintable(QString::number(x)));
            QCOMPARE(roundToHalf(h), h); // idempotent
            QCOMPARE(roundToBf16(b), b);
        }
    }

    void filterAndTapOrders() {
        const int k = 3, c = 4, kh = 2, kw = 3;
        std::vector<float> w(size_t(k * c * kh * kw));
        for (size_t i = 0; i < w.size(); ++i) w[i] = float(i);
        const auto nhwc = filterChannelsLast(w, k, c, kh, kw);
        for (int o = 0; o < k; ++o)
            for (int i = 0; i < c; ++i)
                for (int y = 0; y < kh; ++y)
                    for (int x = 0; x < kw; ++x)
                        QCOMPARE(nhwc[size_t(((o * kh + y) * kw + x) * c + i)],
                                 w[size_t(((o * c + i) * kh + y) * kw + x)]);
        std::vector<float> dw(size_t(c * kh * kw));
        for (size_t i = 0; i < dw.size(); ++i) dw[i] = float(i);
        const auto taps = depthwiseTaps(dw, c, kh, kw);
        for (int ch = 0; ch < c; ++ch)
            for (int t = 0; t < kh * kw; ++t)
                QCOMPARE(taps[size_t(t * c + ch)], dw[size_t(ch * kh * kw + t)]);
    }

    void precisionNeedsTheHardware() {
        QVERIFY(precisionUnsupported(Precision::Bf16, 90, "H200").empty());
        QVERIFY(precisionUnsupported(Precision::Fp32, 50, "old").empty());
        const std::string why = precisionUnsupported(Precision::Bf16, 70, "Tesla V100");
        QVERIFY(why.find("bf16") != std::string::npos && why.find("8.0") != std::string::npos &&
                why.find("Tesla V100 has 7.0") != std::string::npos);
        QVERIFY(!precisionUnsupported(Precision::Tf32, 75, "T4").empty());
        QVERIFY(precisionUnsupported(Precision::Fp16, 75, "T4").empty());
    }

    void kernelNames() {
        QVERIFY(classifyKernel(
                    "void nchwToNhwcKernel<float, float, float, true, false, (cudnnKernelDataType_t)2>") ==
                KernelClass::Transpose);
        QVERIFY(classifyKernel("nhwcToNchwKernel") == KernelClass::Transpose);
        QVERIFY(classifyKernel(
                    "_ZN7ioscope3gpu12_GLOBAL__N_117elementwiseKernelI6__halfEEvNS0_15ElementwiseArgsE") ==
                KernelClass::Elementwise);
        QVERIFY(classifyKernel("_ZN7ioscope3gpu12_GLOBAL__N_115depthwiseKernelIfEEvNS0_13DepthwiseArgsE") ==
                KernelClass::Convolution);
        QVERIFY(classifyKernel(
                    "sm90_xmma_fprop_implicit_gemm_f16f16_f16f32_f32_nhwckrsc_nhwc_tilesize128x128x64") ==
                KernelClass::Convolution);
        QVERIFY(classifyKernel(
                    "_Z16nhwcSliceCKernelI6__halfS0_fLb1EL21cudnnKernelDataType_t0EEvN5cudnn15reduc") ==
                KernelClass::Elementwise);
        QVERIFY(classifyKernel("nvjet_sm90_hsh_64x8_64x16_1x4_h_bz_relubias_TNT") ==
                KernelClass::Convolution);
        // A fused convolution whose name also lists its pointwise epilogue is a convolution.
        QVERIFY(classifyKernel("sm90_xmma_fprop_implicit_gemm_bias_relu_pointwise_f16f16") ==
                KernelClass::Convolution);
        QVERIFY(classifyKernel("_ZN7ioscope3gpu12_GLOBAL__N_110poolKernelIfEEvNS0_8PoolArgsE") ==
                KernelClass::Other);
        std::vector<KernelRecord> ks{{"nchwToNhwcKernel", 0, 1, 0, 0},
                                     {"elementwiseKernel", 1, 1.5, 0, 0},
                                     {"implicit_convolve_sgemm", 1.5, 4, 0, 0}};
        const KernelClassTotals t = kernelClassTotals(ks);
        QCOMPARE(t.count[size_t(KernelClass::Transpose)], 1);
        QCOMPARE(t.share(KernelClass::Convolution), 2.5 / 4.0);
        QVERIFY(kernelClassesText(ks).find("transposes 1 (25.0%)") != std::string::npos);
    }

    void kernelTimeByOpSumsEachOpsKernels() {
        std::vector<KernelRecord> ks{{"a", 0, 1, 0, 0, 3},
                                     {"b", 1, 1.5, 0, 0, 7},
                                     {"c", 1.5, 4, 1, 0, 7},
                                     {"d", 4, 4.5, 0, 1, -1},
                                     {"e", 4.5, 5.5, 0, 1, 2}};
        const std::vector<OpKernelTime> t = kernelTimeByOp(ks);
        QCOMPARE(t.size(), size_t(3)); // the kernel of no known op is left out
        QCOMPARE(t[0].op, 7);
        QCOMPARE(t[0].ms, 3.0);
        QCOMPARE(t[0].kernels, 2);
        QCOMPARE(t[1].op, 2); // 1 ms, before op 3's 1 ms: equal times keep op order
        QCOMPARE(t[2].op, 3);
        QVERIFY(kernelTimeByOp({}).empty());
    }

    // An epilogue cuDNN cannot fuse (SiLU, hard-swish, ReLU6) moves into its consumers when each is
    // a depthwise conv a kernel applies it in: any square window at strides 1 and 2 for SiLU (the
    // staged-tile kernel), never a dilated one, one with another consumer, or a merged conv.
    void deferredEpiloguesFollowTheirKernels() {
        using moderntest::conv;
        Graph g("deferral");
        const OpId x = g.addInput("input", {16, 30, 30});
        auto depthwise = [&](const std::string& name, OpId in, int c, int k, int stride, int dilation = 1) {
            Op dw = conv(name, in, c, k, stride, k / 2 * dilation, Activation::Relu);
            dw.groups = c;
            dw.window.dh = dw.window.dw = dilation;
            return g.addOp(dw);
        };
        const OpId stem = g.addOp(conv("stem", x, 32, 3, 2, 1, Activation::HardSwish));
        const OpId d0 = depthwise("dw0", stem, 32, 3, 1);
        const OpId silu5 = g.addOp(conv("silu5", d0, 32, 1, 1, 0, Activation::Silu));
        const OpId d5 = depthwise("dw5s1", silu5, 32, 5, 1);
        const OpId dilatedIn = g.addOp(conv("dilated_in", d5, 32, 1, 1, 0, Activation::Silu));
        const OpId dd = depthwise("dw_dilated", dilatedIn, 32, 3, 1, 2);
        const OpId shared = g.addOp(conv("shared", dd, 32, 1, 1, 0, Activation::Silu));
        const OpId d2 = depthwise("dw2", shared, 32, 3, 1);
        Op sum = moderntest::op("sum", OpKind::Binary, {d2, shared});
        sum.binary = BinaryFn::Add;
        const OpId s = g.addOp(sum);
        const OpId merged = g.addOp(conv("merged", s, 32, 1, 1, 0, Activation::Silu));
        depthwise("dw_after_merged", merged, 32, 7, 2);
        g.finalize();
        std::vector<bool> mergeMembers(size_t(g.size()), false);
        mergeMembers[size_t(merged)] = true;
        const gpu::DeferredEpilogues d = gpu::deferredEpilogues(g, mergeMembers);
        QVERIFY(d.deferred[size_t(stem)]);
        QCOMPARE(d.from[size_t(d0)], stem);
        QVERIFY(d.deferred[size_t(silu5)]); // 5x5 at stride 1: each value is taken 25 times
        QCOMPARE(d.from[size_t(d5)], silu5);
        QVERIFY(!d.deferred[size_t(dilatedIn)]);
        QVERIFY(!d.deferred[size_t(shared)]);
        QCOMPARE(d.from[size_t(d2)], OpId(-1));
        QVERIFY(!d.deferred[size_t(merged)]);
        QVERIFY(!d.deferred[size_t(d0)]); // its ReLU is cuDNN's or the depthwise kernel's own
    }

    // A ReLU op read only by depthwise convs is left to them (its output aliases its input); not one
    // that is a graph output, that another kind of op reads, or whose reader is dilated or merged.
    void reluOpsDeferToDepthwiseReaders() {
        using moderntest::conv;
        Graph g("relu_deferral");
        const OpId x = g.addInput("input", {16, 30, 30});
        auto depthwise = [&](const std::string& name, OpId in, int k, int dilation = 1) {
            Op dw = conv(name, in, 16, k, 1, k / 2 * dilation);
            dw.groups = 16;
            dw.window.dh = dw.window.dw = dilation;
            return g.addOp(dw);
        };
        auto relu = [&](const std::string& name, OpId in) {
            return g.addOp(moderntest::activation(name, in, Activation::Relu));
        };
        const OpId stem = g.addOp(conv("stem", x, 16, 3));
        const OpId both = relu("relu_both", stem);
        const OpId a = depthwise("dw_a", both, 3), b = depthwise("dw_b", both, 5);
        const OpId mixed = relu("relu_mixed", stem);
        depthwise("dw_mixed", mixed, 3);
        g.addOp(conv("pointwise", mixed, 8, 1, 1, 0));
        const OpId dilated = relu("relu_dilated", stem);
        depthwise("dw_dilated", dilated, 3, 2);
        const OpId forMerged = relu("relu_merged", stem);
        const OpId merged = depthwise("dw_merged", forMerged, 3);
        relu("relu_output", stem);
        Op sum = moderntest::op("sum", OpKind::Binary, {a, b});
        sum.binary = BinaryFn::Add;
        g.addOp(sum);
        g.finalize();
        std::vector<bool> mergeMembers(size_t(g.size()), false);
        mergeMembers[size_t(merged)] = true;
        const gpu::DeferredEpilogues d = gpu::deferredEpilogues(g, mergeMembers);
        QVERIFY(d.deferred[size_t(both)] && d.aliasInput[size_t(both)]);
        QCOMPARE(d.from[size_t(a)], both);
        QCOMPARE(d.from[size_t(b)], both);
        for (const char* name : {"relu_mixed", "relu_dilated", "relu_merged", "relu_output", "stem"}) {
            const OpId id = g.find(name);
            QVERIFY2(!d.deferred[size_t(id)] && !d.aliasInput[size_t(id)], name);
        }
        // With cuDNN running the depthwise convs (it applies nothing on load) nothing is left to them.
        const gpu::DeferredEpilogues none = gpu::deferredEpilogues(g, mergeMembers, false);
        for (OpId id = 0; id < g.size(); ++id)
            QVERIFY(!none.deferred[size_t(id)] && !none.aliasInput[size_t(id)] &&
                    none.from[size_t(id)] == -1);
    }

    // A squeeze-excite gate (global pool, 1x1 reduction, 1x1 expansion, broadcast multiply) is one
    // chain; a pool with a second reader, a reduction wider than the kernel's limit, an expansion
    // that does not give back the pooled channels, or a merged conv is not.
    void squeezeExciteChainsAreFound() {
        using moderntest::conv;
        using moderntest::op;
        Graph g("squeeze-excite");
        const OpId x = g.addInput("input", {24, 14, 14});
        auto gate = [&](const std::string& name, OpId map, int channels, int hidden, OpId extraReader = -1) {
            const OpId pool = g.addOp(op(name + "_pool", OpKind::GlobalAvgPool, {map}));
            const OpId reduce = g.addOp(conv(name + "_reduce", pool, hidden, 1, 1, 0, Activation::Silu));
            const OpId expand =
                g.addOp(conv(name + "_expand", reduce, channels, 1, 1, 0, Activation::Sigmoid));
            Op mul = op(name + "_scale", OpKind::Binary, {map, expand});
            mul.binary = BinaryFn::Mul;
            const OpId scale = g.addOp(mul);
            if (extraReader >= 0) g.addOp(op(name + "_also", OpKind::Flatten, {pool}));
            return std::array<OpId, 4>{pool, reduce, expand, scale};
        };
        const OpId c1 = g.addOp(conv("c1", x, 32, 3));
        const auto good = gate("good", c1, 32, 8);
        const auto shared = gate("shared", good[3], 32, 8, 1);
        const auto wide = gate("wide", shared[3], 32, gpu::kMaxSqueezeChannels + 1);
        const OpId c2 = g.addOp(conv("c2", wide[3], 48, 1));
        // Pools a 48-channel map but gates a 24-channel one.
        const OpId pool = g.addOp(op("odd_pool", OpKind::GlobalAvgPool, {c2}));
        const OpId reduce = g.addOp(conv("odd_reduce", pool, 8, 1, 1, 0, Activation::Relu));
        const OpId expand = g.addOp(conv("odd_expand", reduce, 24, 1, 1, 0, Activation::Sigmoid));
        const OpId c3 = g.addOp(conv("c3", c2, 24, 1));
        Op mul = op("odd_scale", OpKind::Binary, {expand, c3});
        mul.binary = BinaryFn::Mul;
        const OpId oddScale = g.addOp(mul);
        const auto merged = gate("merged", oddScale, 24, 6);
        g.finalize();
        std::vector<bool> mergeMembers(size_t(g.size()), false);
        mergeMembers[size_t(merged[1])] = true;
        const gpu::SqueezeExciteChains s = gpu::squeezeExciteChains(g, mergeMembers);
        QCOMPARE(s.chains.size(), size_t(1));
        const gpu::SqueezeExcite* se = s.of(good[2]);
        QVERIFY(se);
        QCOMPARE(se->pool, good[0]);
        QCOMPARE(se->reduce, good[1]);
        QCOMPARE(se->expand, good[2]);
        QCOMPARE(se->scale, good[3]);
        QCOMPARE(s.of(good[3]), se);
        for (OpId id : {shared[0], wide[1], expand, oddScale, merged[0], c1})
            QVERIFY2(!s.of(id), g.op(id).name.c_str());
    }
};

QTEST_APPLESS_MAIN(TestRuntimeFormats)
#include "tst_runtime_formats.moc"
