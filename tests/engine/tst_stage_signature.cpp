// Stage signatures: identical stages anywhere share one key (the profile cache's), different
// shapes never do; the live search's table of them (StageSignatures) gives the same text.
#include "cost/stage_signature.h"

#include <QTest>

using namespace ioscope;

namespace {

Op conv(const std::string& name, OpId input, int outChannels, int k) {
    Op op;
    op.name = name;
    op.kind = OpKind::Conv;
    op.inputs = {input};
    op.outChannels = outChannels;
    op.window = {k, k, 1, 1, k / 2, k / 2, 1, 1};
    op.activation = Activation::Relu;
    return op;
}

// Two inception-like blocks in a row: block 2 repeats block 1's branches on an equal-shaped input.
struct TwoBlocks {
    Graph g{"two blocks"};
    OpId a1, b1, c1, a2, b2, c2, wide;
};

TwoBlocks twoBlocks() {
    TwoBlocks t;
    const OpId x = t.g.addInput("x", {64, 16, 16});
    t.a1 = t.g.addOp(conv("block1_a", x, 32, 1));
    t.b1 = t.g.addOp(conv("block1_b", x, 32, 3));
    t.c1 = t.g.addOp(conv("block1_c", x, 32, 5));
    Op cat;
    cat.name = "block1_cat", cat.kind = OpKind::Concat, cat.inputs = {t.a1, t.b1};
    const OpId cat1 = t.g.addOp(cat); // 64 channels again
    t.a2 = t.g.addOp(conv("block2_a", cat1, 32, 1));
    t.b2 = t.g.addOp(conv("block2_b", cat1, 32, 3));
    t.c2 = t.g.addOp(conv("block2_c", cat1, 32, 5));
    t.wide = t.g.addOp(conv("block2_wide", cat1, 48, 3));
    t.g.finalize();
    return t;
}

Stage par(std::vector<std::vector<OpId>> groups) {
    return Stage{Strategy::Concurrent, std::move(groups)};
}

} // namespace

class TestStageSignature : public QObject {
    Q_OBJECT

  private slots:
    void identicalStagesShareASignature() {
        const TwoBlocks t = twoBlocks();
        const RunConfig run;
        QCOMPARE(stageSignature(t.g, par({{t.a1}}), run), stageSignature(t.g, par({{t.a2}}), run));
        QCOMPARE(stageSignature(t.g, par({{t.a1}, {t.b1}}), run),
                 stageSignature(t.g, par({{t.a2}, {t.b2}}), run));
        // Groups in any order.
        QCOMPARE(stageSignature(t.g, par({{t.a1}, {t.b1}, {t.c1}}), run),
                 stageSignature(t.g, par({{t.c2}, {t.a2}, {t.b2}}), run));
        const Stage m1{Strategy::Merge, {{t.a1, t.b1}}}, m2{Strategy::Merge, {{t.b2, t.a2}}};
        QCOMPARE(stageSignature(t.g, m1, run), stageSignature(t.g, m2, run));
        // Names never appear.
        QVERIFY(stageSignature(t.g, par({{t.a1}}), run).find("block1") == std::string::npos);
    }

    void differentStagesDiffer() {
        const TwoBlocks t = twoBlocks();
        const RunConfig run;
        const std::string base = stageSignature(t.g, par({{t.b2}}), run);
        QVERIFY(base != stageSignature(t.g, par({{t.wide}}), run));                // output channels
        QVERIFY(base != stageSignature(t.g, par({{t.c2}}), run));                  // kernel
        QVERIFY(base != stageSignature(t.g, par({{t.b2}}), {2, Precision::Fp32})); // batch
        QVERIFY(base != stageSignature(t.g, par({{t.b2}}), {1, Precision::Tf32})); // precision
        // Strategy and grouping matter: side by side is not a chain, not a merge.
        QVERIFY(stageSignature(t.g, par({{t.a2}, {t.b2}}), run) !=
                stageSignature(t.g, Stage{Strategy::Merge, {{t.a2, t.b2}}}, run));
        QVERIFY(stageSignature(t.g, par({{t.a2}, {t.b2}}), run) !=
                stageSignature(t.g, par({{t.a2, t.b2}}), run));
        // The same conv on a differently shaped input differs.
        Graph other("other");
        const OpId x = other.addInput("x", {64, 32, 32});
        const OpId a = other.addOp(conv("a", x, 32, 1));
        other.finalize();
        QVERIFY(stageSignature(t.g, par({{t.a1}}), run) != stageSignature(other, par({{a}}), run));
    }

    // The live search's table gives stageSignature's text, and follows the graph it is asked
    // about: another graph, or the same object rebuilt, is never answered from stale op texts.
    void tableMatchesAndFollowsItsGraph() {
        const TwoBlocks t = twoBlocks();
        const std::vector<Stage> stages = {
            par({{t.a1}}),
            par({{t.a1}, {t.b1}, {t.c1}}),
            par({{t.c2}, {t.a2, t.wide}}),
            Stage{Strategy::Merge, {{t.a2, t.b2, t.wide}}},
        };
        StageSignatures table;
        for (const RunConfig& run : {RunConfig{}, RunConfig{16, Precision::Fp16}})
            for (const Stage& st : stages) QCOMPARE(table.of(t.g, st, run), stageSignature(t.g, st, run));

        Graph g("rebuilt");
        const OpId x = g.addInput("x", {64, 32, 32});
        const OpId a = g.addOp(conv("a", x, 32, 1));
        g.finalize();
        const std::string before = table.of(g, par({{a}}), {});
        QCOMPARE(before, stageSignature(g, par({{a}}), {}));
        // The same object, now holding a different graph (as a reloaded model can be).
        g = Graph("rebuilt");
        const OpId y = g.addInput("x", {64, 8, 8});
        g.addOp(conv("a", y, 16, 3));
        g.finalize();
        QVERIFY(table.of(g, par({{a}}), {}) != before);
        QCOMPARE(table.of(g, par({{a}}), {}), stageSignature(g, par({{a}}), {}));
        // A copy keeps its original's revision and text.
        const Graph copy = g;
        QCOMPARE(copy.revision(), g.revision());
        QCOMPARE(table.of(copy, par({{a}}), {}), table.of(g, par({{a}}), {}));
    }
};

QTEST_GUILESS_MAIN(TestStageSignature)
#include "tst_stage_signature.moc"
