// The kinds of issue #13 (slice, pad, resize, channel shuffle, broadcasting binary ops and the
// hardsigmoid/hardswish/silu activations): shape inference and the CPU reference against values
// worked out by hand, metrics, JSON round trip, and the schedulers (IOS DP, partitioner, sim cost)
// on a graph that uses all of them.
#include "analysis/partition.h"
#include "cost/cost_factory.h"
#include "exec/cpu_executor.h"
#include "exec/cpu_ops.h"
#include "exec/cpu_ops_shape.h"
#include "graph/op_metrics.h"
#include "graph/shape_inference.h"
#include "io/model_json.h"
#include "modern_test_graphs.h"
#include "sched/scheduler.h"
#include "schedule/schedule.h"
#include "util/errors.h"

#include <QtTest>
#include <cmath>

using namespace ioscope;

namespace {

// 1 x c x h x w with value 100*c + 10*y + x (readable positions).
Tensor positions(int c, int h, int w) {
    Tensor t(1, {c, h, w});
    for (int k = 0; k < c; ++k)
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) t.at(0, k, y, x) = float(100 * k + 10 * y + x);
    return t;
}

Op single(OpKind kind) {
    Op o;
    o.name = "op";
    o.kind = kind;
    o.inputs = {0};
    return o;
}

} // namespace

class TestModernOps : public QObject {
    Q_OBJECT
  private slots:
    void sliceShapeAndValues() {
        Op o = single(OpKind::Slice);
        o.slice = SliceBox{1, 1, 0, 2, 2, 2, 2, 3};
        inferShape(o, {{4, 5, 6}}, "");
        QCOMPARE(o.out, (Shape{2, 2, 2}));
        const Tensor y = sliceBox(positions(4, 5, 6), o.slice);
        // channels 1 and 2, rows 1 and 3, columns 0 and 3
        QCOMPARE(y.at(0, 0, 0, 0), 110.0f);
        QCOMPARE(y.at(0, 0, 0, 1), 113.0f);
        QCOMPARE(y.at(0, 0, 1, 0), 130.0f);
        QCOMPARE(y.at(0, 1, 1, 1), 233.0f);
        o.slice = SliceBox{3, 0, 0, 2, 1, 1, 1, 1}; // channels 3..4 of 4
        QVERIFY_THROWS_EXCEPTION(InputError, inferShape(o, {{4, 5, 6}}, ""));
        // Slices read only their box: the metric's bytes are input box + output.
        o.slice = SliceBox{0, 0, 0, 2, 5, 6, 1, 1};
        inferShape(o, {{4, 5, 6}}, "");
        QCOMPARE(opMetrics(o).bytes, 4.0 * (60 + 60));
    }

    void padConstantAndReflect() {
        Op o = single(OpKind::Pad);
        o.pad = PadSpec{1, 0, 0, 2, PadMode::Constant, -1.0f};
        inferShape(o, {{1, 2, 3}}, "");
        QCOMPARE(o.out, (Shape{1, 3, 5}));
        const Tensor x = positions(1, 2, 3); // rows [0 1 2], [10 11 12]
        const Tensor c = pad(x, o.pad);
        const float wantC[3][5] = {{-1, -1, -1, -1, -1}, {0, 1, 2, -1, -1}, {10, 11, 12, -1, -1}};
        for (int y = 0; y < 3; ++y)
            for (int i = 0; i < 5; ++i) QCOMPARE(c.at(0, 0, y, i), wantC[y][i]);
        // Reflect (no edge repeat): columns -2..4 of [0 1 2] read 2 1 0 1 2 1 0.
        const Tensor r = pad(x, PadSpec{1, 2, 1, 2, PadMode::Reflect, 0.0f});
        QCOMPARE(r.shape(), (Shape{1, 4, 7}));
        const float rowTop[7] = {12, 11, 10, 11, 12, 11, 10}; // row -1 reflects row 1
        const float rowMid[7] = {2, 1, 0, 1, 2, 1, 0};
        for (int i = 0; i < 7; ++i) {
            QCOMPARE(r.at(0, 0, 0, i), rowTop[i]);
            QCOMPARE(r.at(0, 0, 1, i), rowMid[i]);
            QCOMPARE(r.at(0, 0, 3, i), rowMid[i]); // row 2 reflects row 0
        }
        o.pad = PadSpec{0, 0, 2, 0, PadMode::Reflect, 0.0f}; // reflecting 2 rows of a 2-row input
        QVERIFY_THROWS_EXCEPTION(InputError, inferShape(o, {{1, 2, 3}}, ""));
    }

    void resizeNearestAndBilinear() {
        Tensor x(1, {1, 1, 2});
        x.at(0, 0, 0, 0) = 0.0f, x.at(0, 0, 0, 1) = 1.0f;
        // Bilinear half_pixel, 2 -> 4: sources -0.25, 0.25, 0.75, 1.25 clamp to 0, .25, .75, 1.
        const Tensor hp =
            resize(x, ResizeSpec{ResizeMode::Linear, ResizeCoord::HalfPixel, NearestRound::Floor, 1, 4});
        const float wantHp[4] = {0.0f, 0.25f, 0.75f, 1.0f};
        for (int i = 0; i < 4; ++i) QCOMPARE(hp.at(0, 0, 0, i), wantHp[i]);
        // align_corners, 2 -> 3: 0, 0.5, 1.
        const Tensor ac =
            resize(x, ResizeSpec{ResizeMode::Linear, ResizeCoord::AlignCorners, NearestRound::Floor, 1, 3});
        QCOMPARE(ac.at(0, 0, 0, 1), 0.5f);
        QCOMPARE(ac.at(0, 0, 0, 2), 1.0f);
        // Nearest asymmetric floor (PyTorch's nearest), 3 -> 6: 0 0 1 1 2 2.
        const Tensor p = positions(1, 1, 3);
        const Tensor nn =
            resize(p, ResizeSpec{ResizeMode::Nearest, ResizeCoord::Asymmetric, NearestRound::Floor, 1, 6});
        const float wantNn[6] = {0, 0, 1, 1, 2, 2};
        for (int i = 0; i < 6; ++i) QCOMPARE(nn.at(0, 0, 0, i), wantNn[i]);
        // round_prefer_floor on half_pixel 3 -> 2: sources 0.25 and 1.75 round to 0 and 2.
        const Tensor rf = resize(
            p, ResizeSpec{ResizeMode::Nearest, ResizeCoord::HalfPixel, NearestRound::RoundPreferFloor, 1, 2});
        QCOMPARE(rf.at(0, 0, 0, 0), 0.0f);
        QCOMPARE(rf.at(0, 0, 0, 1), 2.0f);
        QCOMPARE(nearestIndex(0.5f, 4, NearestRound::RoundPreferFloor), 0);
        QCOMPARE(nearestIndex(0.5f, 4, NearestRound::RoundPreferCeil), 1);
        Op o = single(OpKind::Resize);
        o.resize = ResizeSpec{ResizeMode::Linear, ResizeCoord::HalfPixel, NearestRound::Floor, 7, 9};
        inferShape(o, {{3, 2, 2}}, "");
        QCOMPARE(o.out, (Shape{3, 7, 9}));
        QCOMPARE(opMetrics(o).flops, 6.0 * 3 * 7 * 9);
    }

    void channelShuffle() {
        Op o = single(OpKind::ChannelShuffle);
        o.groups = 2;
        inferShape(o, {{6, 1, 1}}, "");
        QCOMPARE(o.out, (Shape{6, 1, 1}));
        // (g=2, 3 per group) -> transpose: output channel k*2+g is input g*3+k: 0 3 1 4 2 5.
        const Tensor y = ioscope::channelShuffle(positions(6, 1, 1), 2);
        const float want[6] = {0, 300, 100, 400, 200, 500};
        for (int c = 0; c < 6; ++c) QCOMPARE(y.at(0, c, 0, 0), want[c]);
        o.groups = 4;
        QVERIFY_THROWS_EXCEPTION(InputError, inferShape(o, {{6, 1, 1}}, ""));
    }

    void binaryBroadcasting() {
        Op o = single(OpKind::Binary);
        o.inputs = {0, 1};
        o.binary = BinaryFn::Mul;
        inferShape(o, {{2, 3, 4}, {2, 1, 1}}, ""); // the squeeze-excite gate
        QCOMPARE(o.out, (Shape{2, 3, 4}));
        QCOMPARE(opMetrics(o).bytes, 4.0 * (24 + 2 + 24));
        inferShape(o, {{1, 1, 1}, {2, 3, 4}}, ""); // a scalar map first
        QCOMPARE(o.out, (Shape{2, 3, 4}));
        QVERIFY_THROWS_EXCEPTION(InputError, inferShape(o, {{2, 3, 4}, {3, 1, 1}}, ""));
        QVERIFY_THROWS_EXCEPTION(InputError, inferShape(o, {{2, 3, 4}}, ""));
        const Tensor x = positions(2, 1, 2); // [[0 1]], [[100 101]]
        Tensor gate(1, {2, 1, 1});
        gate.at(0, 0, 0, 0) = 2.0f, gate.at(0, 1, 0, 0) = 4.0f;
        const Tensor m = binary(x, gate, BinaryFn::Mul);
        QCOMPARE(m.at(0, 1, 0, 1), 404.0f);
        QCOMPARE(binary(x, gate, BinaryFn::Sub).at(0, 1, 0, 0), 96.0f);
        QCOMPARE(binary(gate, x, BinaryFn::Sub).at(0, 0, 0, 1), 1.0f);
        QCOMPARE(binary(x, gate, BinaryFn::Div).at(0, 1, 0, 1), 25.25f);
        QCOMPARE(binary(x, gate, BinaryFn::Add).at(0, 0, 0, 1), 3.0f);
        // computeOp applies the op's activation after the broadcast.
        o.activation = Activation::Relu;
        o.binary = BinaryFn::Sub;
        inferShape(o, {{2, 1, 2}, {2, 1, 1}}, "");
        const Tensor r = computeOp(o, {&gate, &x}, {}); // gate - x: 2-0, 2-1, 4-100, 4-101
        QCOMPARE(r.shape(), (Shape{2, 1, 2}));
        QCOMPARE(r.at(0, 0, 0, 1), 1.0f);
        QCOMPARE(r.at(0, 1, 0, 0), 0.0f);
    }

    void newActivations() {
        Tensor t(1, {1, 1, 5});
        const float in[5] = {-4.0f, -3.0f, 0.0f, 1.0f, 3.0f};
        for (int i = 0; i < 5; ++i) t.at(0, 0, 0, i) = in[i];
        Tensor hs = t, hw = t, si = t, lr = t;
        applyActivation(lr, Activation::LeakyRelu);
        applyActivation(hs, Activation::HardSigmoid);
        applyActivation(hw, Activation::HardSwish);
        applyActivation(si, Activation::Silu);
        const float wantHs[5] = {0.0f, 0.0f, 0.5f, 1.0f / 6.0f + 0.5f, 1.0f};
        for (int i = 0; i < 5; ++i) {
            QVERIFY(std::fabs(hs.at(0, 0, 0, i) - wantHs[i]) < 1e-6f);
            QVERIFY(std::fabs(hw.at(0, 0, 0, i) - in[i] * wantHs[i]) < 1e-6f);
            QVERIFY(std::fabs(si.at(0, 0, 0, i) - in[i] / (1.0f + std::exp(-in[i]))) < 1e-6f);
            QCOMPARE(lr.at(0, 0, 0, i), in[i] > 0 ? in[i] : 0.01f * in[i]);
        }
        QCOMPARE(activationFromString("leaky_relu"), std::optional<Activation>(Activation::LeakyRelu));
        QCOMPARE(si.at(0, 0, 0, 2), 0.0f);
        QVERIFY(std::fabs(si.at(0, 0, 0, 3) - 0.7310586f) < 1e-6f);
        QCOMPARE(activationFromString("hardswish"), std::optional<Activation>(Activation::HardSwish));
    }

    void jsonRoundTripKeepsParameters() {
        Graph g = moderntest::modernKindsGraph();
        const std::string text = modelToJson(g);
        const Graph back = modelFromJson(text, "modern.json");
        QCOMPARE(back.contentHash(), g.contentHash());
        QCOMPARE(back.size(), g.size());
        const Op& pad = back.op(back.find("same_pad"));
        QCOMPARE(pad.pad, (PadSpec{0, 0, 1, 1, PadMode::Constant, 0.0f}));
        QVERIFY(back.op(back.find("upsample")).resize.coord == ResizeCoord::HalfPixel);
        QCOMPARE(back.op(back.find("strided_slice")).slice, (SliceBox{2, 1, 1, 12, 6, 7, 2, 2}));
        QVERIFY(back.op(back.find("div")).binary == BinaryFn::Div);
        QCOMPARE(back.op(back.find("shuffle")).groups, 2);
    }

    void graphRunsAndSchedules() {
        const Graph g = moderntest::modernKindsGraph();
        QCOMPARE(g.outputs().size(), size_t(1));
        QCOMPARE(g.op(g.outputs().front()).out, (Shape{12, 12, 14}));
        // The IOS DP, wavefront and sequential schedules all run and agree on the CPU reference.
        auto cost = makeCostModel("sim:H200", RunConfig{1, Precision::Fp32, Layout::Nhwc});
        SchedulerOptions o;
        const ScheduleResult ios = iosSchedule(g, *cost, o);
        validateSchedule(g, ios.schedule, "ios");
        const double seq = predictLatencyMs(g, sequentialSchedule(g), *cost, o.run);
        QVERIFY(ios.latencyMs > 0 && ios.latencyMs <= seq + 1e-9);
        QVERIFY(!partitionBlocks(g).empty());
        const auto inputs = seededInputs(g, 2, 7);
        const CpuRunResult a = CpuExecutor(g).run(sequentialSchedule(g), inputs);
        const CpuRunResult b = CpuExecutor(g).run(ios.schedule, inputs);
        const CpuRunResult c = CpuExecutor(g).run(wavefrontSchedule(g), inputs);
        QCOMPARE(maxAbsDiff(a.outputs[0], b.outputs[0]), 0.0);
        QCOMPARE(maxAbsDiff(a.outputs[0], c.outputs[0]), 0.0);
        double sum = 0;
        for (float v : a.outputs[0].data) sum += std::fabs(v);
        QVERIFY(std::isfinite(sum) && sum > 0);
    }
};

QTEST_APPLESS_MAIN(TestModernOps)
#include "tst_modern_ops.moc"
