// Shape inference per op kind, and the errors for impossible parameters, each naming the op.
#include "graph/graph.h"
#include "graph/op_metrics.h"
#include "graph/shape_inference.h"
#include "util/errors.h"

#include <QtTest>

using namespace ioscope;

namespace {

Op make(OpKind kind, const std::string& name = "x") {
    Op op;
    op.name = name;
    op.kind = kind;
    op.inputs = {0}; // inferShape only counts inputs through the shapes it is given
    return op;
}

Op conv(int out, Window w, int groups = 1) {
    Op op = make(OpKind::Conv);
    op.outChannels = out;
    op.window = w;
    op.groups = groups;
    return op;
}

Window win(int k, int s = 1, int p = 0, int d = 1) {
    return {k, k, s, s, p, p, d, d};
}

Shape infer(Op op, const std::vector<Shape>& in) {
    inferShape(op, in, "t.json");
    return op.out;
}

// The message of the InputError that inferShape throws, or "" when it does not throw.
QString failure(Op op, const std::vector<Shape>& in) {
    try {
        inferShape(op, in, "t.json");
    } catch (const InputError& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

} // namespace

class TestShapeInference : public QObject {
    Q_OBJECT
  private slots:
    void conv2d() {
        QCOMPARE(infer(conv(32, win(3, 2)), {{3, 299, 299}}), (Shape{32, 149, 149}));
        QCOMPARE(infer(conv(64, win(3, 1, 1)), {{32, 147, 147}}), (Shape{64, 147, 147}));
        QCOMPARE(infer(conv(8, {1, 7, 1, 1, 0, 3, 1, 1}), {{4, 17, 17}}), (Shape{8, 17, 17}));
        QCOMPARE(infer(conv(8, win(3, 1, 2, 2)), {{4, 10, 10}}), (Shape{8, 10, 10})); // dilation 2
        QCOMPARE(infer(conv(8, win(3, 1, 1), 4), {{4, 10, 10}}), (Shape{8, 10, 10})); // groups
        Op summed = conv(8, win(1));
        summed.combine = Combine::Sum;
        QCOMPARE(infer(summed, {{4, 5, 5}, {4, 5, 5}}), (Shape{8, 5, 5}));
        Op joined = conv(8, win(1));
        joined.combine = Combine::Concat;
        Op j = joined;
        inferShape(j, {{4, 5, 5}, {6, 5, 5}}, "t.json");
        QCOMPARE(j.in, (Shape{10, 5, 5}));
    }

    void sepConv() {
        Op op = make(OpKind::SepConv);
        op.outChannels = 154;
        op.window = win(3, 2, 1);
        op.preRelu = true;
        QCOMPARE(infer(op, {{77, 112, 112}}), (Shape{154, 56, 56}));
    }

    void pools() {
        Op mp = make(OpKind::MaxPool);
        mp.window = win(3, 2);
        QCOMPARE(infer(mp, {{64, 147, 147}}), (Shape{64, 73, 73}));
        Op ap = make(OpKind::AvgPool);
        ap.window = win(3, 1, 1);
        QCOMPARE(infer(ap, {{192, 35, 35}}), (Shape{192, 35, 35}));
        QCOMPARE(infer(make(OpKind::GlobalAvgPool), {{2048, 8, 8}}), (Shape{2048, 1, 1}));
    }

    void elementwiseAndCombining() {
        for (OpKind k : {OpKind::Activation, OpKind::Softmax, OpKind::ScaleShift})
            QCOMPARE(infer(make(k), {{5, 6, 7}}), (Shape{5, 6, 7}));
        QCOMPARE(infer(make(OpKind::Concat), {{5, 6, 7}, {3, 6, 7}, {1, 6, 7}}), (Shape{9, 6, 7}));
        QCOMPARE(infer(make(OpKind::Add), {{5, 6, 7}, {5, 6, 7}}), (Shape{5, 6, 7}));
        QCOMPARE(infer(make(OpKind::Mul), {{5, 6, 7}, {5, 6, 7}}), (Shape{5, 6, 7}));
        Op sum = make(OpKind::Identity);
        QCOMPARE(infer(sum, {{5, 6, 7}, {5, 6, 7}, {5, 6, 7}}), (Shape{5, 6, 7}));
        Op cat = make(OpKind::Identity);
        cat.combine = Combine::Concat;
        QCOMPARE(infer(cat, {{5, 6, 7}, {2, 6, 7}}), (Shape{7, 6, 7}));
    }

    void sumTerms() {
        Op op = make(OpKind::Identity);
        op.combine = Combine::Concat;
        op.sumTerms = {2, 1, 2};
        Op t = op;
        inferShape(t, {{4, 3, 3}, {4, 3, 3}, {6, 3, 3}, {2, 3, 3}, {2, 3, 3}}, "t.json");
        QCOMPARE(t.out, (Shape{12, 3, 3}));
        QCOMPARE(t.termChannels, (std::vector<int>{4, 6, 2}));
        // Two additions per element of the summed terms: 4*9 + 2*9.
        t.inputs = {0, 1, 2, 3, 4};
        QCOMPARE(opMetrics(t).flops, 54.0);
        QVERIFY(failure(op, {{4, 3, 3}, {5, 3, 3}, {6, 3, 3}, {2, 3, 3}, {2, 3, 3}}).contains("cannot sum"));
        QVERIFY(
            failure(op, {{4, 3, 3}, {4, 3, 3}, {6, 3, 3}, {2, 3, 3}}).contains("sum terms cover 5 inputs"));
        QVERIFY(failure(op, {{4, 3, 3}, {4, 3, 3}, {6, 4, 4}, {2, 3, 3}, {2, 3, 3}}).contains("spatially"));
        Op onConcat = make(OpKind::Concat);
        onConcat.sumTerms = {1, 1};
        QVERIFY(!failure(onConcat, {{1, 2, 2}, {1, 2, 2}}).isEmpty());
    }

    void fullyConnectedAndFlatten() {
        QCOMPARE(infer(make(OpKind::Flatten), {{4, 3, 2}}), (Shape{24, 1, 1}));
        Op fc = make(OpKind::FullyConnected);
        fc.outChannels = 10;
        QCOMPARE(infer(fc, {{24, 1, 1}}), (Shape{10, 1, 1}));
    }

    void sequential() {
        Op seq = make(OpKind::Sequential);
        Op relu;
        relu.name = "r";
        relu.kind = OpKind::Activation;
        Op c = conv(16, win(1, 2));
        c.inputs.clear();
        seq.body = {relu, c};
        QCOMPARE(infer(seq, {{8, 10, 10}}), (Shape{16, 5, 5}));
        Op empty = make(OpKind::Sequential);
        QVERIFY(failure(empty, {{8, 10, 10}}).contains("empty body"));
    }

    void inputOp() {
        Op in;
        in.name = "in";
        in.kind = OpKind::Input;
        in.inputShape = {3, 224, 224};
        QCOMPARE(infer(in, {}), (Shape{3, 224, 224}));
        in.inputShape = {0, 224, 224};
        QVERIFY(failure(in, {}).contains("empty"));
        in.inputShape = {3, 1 << 17, 224};
        QVERIFY(failure(in, {}).contains("too large"));
    }

    void errorsNameTheOp() {
        struct Case {
            const char* what;
            Op op;
            std::vector<Shape> in;
            const char* expect;
        };
        std::vector<Case> cases = {
            {"groups do not divide input channels",
             conv(8, win(1), 3),
             {{4, 5, 5}},
             "not divisible by groups"},
            {"groups do not divide output channels",
             conv(6, win(1), 4),
             {{4, 5, 5}},
             "not divisible by groups"},
            {"kernel larger than padded input",
             conv(8, win(7, 1, 1)),
             {{4, 4, 4}},
             "larger than the padded input"},
            {"dilated kernel larger than input",
             conv(8, win(3, 1, 0, 3)),
             {{4, 6, 6}},
             "larger than the padded input"},
            {"zero output channels", conv(0, win(1)), {{4, 5, 5}}, "output channels must be positive"},
            {"zero kernel", conv(8, win(0)), {{4, 5, 5}}, "kernel must be positive"},
            {"zero stride", conv(8, win(1, 0)), {{4, 5, 5}}, "stride must be positive"},
            {"negative padding", conv(8, win(1, 1, -1)), {{4, 5, 5}}, "padding"},
            {"zero-size input", conv(8, win(1)), {{0, 5, 5}}, "empty"},
            {"sum of mismatched channels", make(OpKind::Add), {{4, 5, 5}, {3, 5, 5}}, "cannot sum"},
            {"sum of mismatched spatial sizes", make(OpKind::Identity), {{4, 5, 5}, {4, 6, 5}}, "spatially"},
            {"concat of mismatched spatial sizes", make(OpKind::Concat), {{4, 5, 5}, {4, 5, 6}}, "spatially"},
            {"no input", make(OpKind::Activation), {}, "no input"},
            {"huge output", conv(60000, win(1)), {{4, 60000, 60000}}, "too large"},
        };
        Op pool = make(OpKind::MaxPool);
        pool.window = win(2, 1, 2);
        cases.push_back({"pool padding over half the window", pool, {{4, 5, 5}}, "half the pooling window"});
        Op mirror = make(OpKind::Pad);
        mirror.pad = PadSpec{-1, 0, 1, 0, PadMode::Reflect, 0.0f};
        cases.push_back({"negative reflect padding", mirror, {{4, 5, 5}}, "must not be negative"});
        Op cropAll = make(OpKind::Pad);
        cropAll.pad = PadSpec{-3, 0, -2, 4, PadMode::Constant, 0.0f};
        cases.push_back(
            {"negative padding cropping every row", cropAll, {{4, 5, 5}}, "crops the whole input"});
        for (Case& c : cases) {
            c.op.name = "op_under_test";
            const QString msg = failure(c.op, c.in);
            QVERIFY2(!msg.isEmpty(), c.what);
            QVERIFY2(msg.startsWith("t.json: "), qPrintable(msg));
            QVERIFY2(msg.contains("'op_under_test'"), qPrintable(msg));
            QVERIFY2(msg.contains(c.expect), qPrintable(QString(c.what) + ": " + msg));
        }
    }

    void graphValidation() {
        auto errorOf = [](Graph g) -> QString {
            try {
                g.finalize("g.json");
            } catch (const InputError& e) {
                return e.what();
            }
            return {};
        };
        Op relu = make(OpKind::Activation, "a");
        Op in;
        in.name = "in";
        in.kind = OpKind::Input;
        in.inputShape = {2, 4, 4};
        Op b = make(OpKind::Activation, "b");
        {
            Graph g;
            relu.inputs = {2};
            b.inputs = {1};
            g.setOps({in, relu, b});
            QVERIFY(errorOf(g).contains("cycle"));
        }
        {
            Graph g;
            relu.inputs = {7};
            g.setOps({in, relu});
            QVERIFY(errorOf(g).contains("missing op"));
        }
        {
            Graph g;
            relu.inputs = {0};
            b = relu;
            g.setOps({in, relu, b});
            QVERIFY(errorOf(g).contains("used twice"));
        }
        {
            // Out of order is fine: finalize sorts topologically.
            Graph g;
            relu.inputs = {2};
            b.name = "b";
            b.inputs = {2};
            g.setOps({relu, b, in});
            QVERIFY(errorOf(g).isEmpty());
        }
    }
};

QTEST_APPLESS_MAIN(TestShapeInference)
#include "tst_shape_inference.moc"
