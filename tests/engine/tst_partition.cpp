// Block partition invariants on random DAGs and the bundled networks: every unit exactly once,
// topological order, parts within the limit, blocks single-entry/single-exit, and the cut points
// found by brute force (removal disconnects inputs from outputs).
#include "analysis/partition.h"
#include "engine/random_graphs.h"
#include "models/model_registry.h"
#include "util/errors.h"

#include <QtTest>

#include <set>

using namespace ioscope;

namespace {

// True when every path from an input to an output passes through `cut`.
bool bruteForceCut(const Graph& g, OpId cut) {
    std::vector<bool> seen(size_t(g.size()), false);
    std::vector<OpId> stack;
    for (OpId i = 0; i < g.size(); ++i)
        if (g.op(i).kind == OpKind::Input && i != cut) stack.push_back(i);
    while (!stack.empty()) {
        const OpId v = stack.back();
        stack.pop_back();
        if (seen[size_t(v)]) continue;
        seen[size_t(v)] = true;
        if (g.successors(v).empty()) return false; // reached an output around `cut`
        for (OpId w : g.successors(v))
            if (w != cut) stack.push_back(w);
    }
    return true;
}

void checkPartition(const Graph& g, int maxPart) {
    const std::vector<Block> blocks = partitionBlocks(g, maxPart);
    std::vector<int> blockOf(size_t(g.size()), -1);
    std::vector<OpId> flat;
    for (size_t b = 0; b < blocks.size(); ++b) {
        QVERIFY(!blocks[b].ops.empty());
        std::vector<OpId> fromParts;
        for (const auto& part : blocks[b].parts) {
            QVERIFY(!part.empty());
            QVERIFY(int(part.size()) <= maxPart);
            fromParts.insert(fromParts.end(), part.begin(), part.end());
        }
        QCOMPARE(fromParts, blocks[b].ops);
        for (OpId u : blocks[b].ops) {
            QCOMPARE(blockOf[size_t(u)], -1); // at most once
            blockOf[size_t(u)] = int(b);
            flat.push_back(u);
        }
    }
    QCOMPARE(flat, g.units()); // exactly once, in topological order

    std::set<OpId> cuts;
    for (OpId u : g.units())
        if (bruteForceCut(g, u)) cuts.insert(u);
    bool previousWasChain = false;
    for (size_t b = 0; b < blocks.size(); ++b) {
        const Block& blk = blocks[b];
        const OpId exit = blk.ops.back();
        const bool last = b + 1 == blocks.size();
        // Single exit: only the exit is read outside the block, and only by the next block.
        for (OpId u : blk.ops)
            for (OpId s : g.successors(u))
                if (blockOf[size_t(s)] != int(b)) {
                    QCOMPARE(u, exit);
                    QCOMPARE(blockOf[size_t(s)], int(b) + 1);
                }
        // Single entry: producers outside the block are the previous block's exit (or inputs).
        for (OpId u : blk.ops)
            for (OpId p : g.predecessors(u))
                if (blockOf[size_t(p)] != int(b)) {
                    if (b == 0)
                        QVERIFY(g.op(p).kind == OpKind::Input);
                    else
                        QCOMPARE(p, blocks[b - 1].ops.back());
                }
        if (!last) QVERIFY2(cuts.count(exit), g.op(exit).name.c_str());
        // Inside a block with branches no unit but the exit is a cut point; a chain block
        // (merged one-op blocks) consists of cut points only.
        const bool chain =
            std::all_of(blk.ops.begin(), blk.ops.end(), [&](OpId u) { return cuts.count(u) > 0; });
        if (!chain)
            for (size_t i = 0; i + 1 < blk.ops.size(); ++i) QVERIFY(!cuts.count(blk.ops[i]));
        // Two chain blocks never follow each other: they would have merged.
        QVERIFY(!(chain && previousWasChain));
        previousWasChain = chain;
    }
}

int blockCount(const Graph& g) {
    return int(partitionBlocks(g).size());
}

} // namespace

class TestPartition : public QObject {
    Q_OBJECT
  private slots:
    void randomDags() {
        std::mt19937 rng(99);
        int severalBlocks = 0, branchedBlocks = 0;
        for (int trial = 0; trial < 200; ++trial) {
            testing::RandomGraphOptions o;
            o.units = std::uniform_int_distribution<int>(1, 40)(rng);
            o.inputs = std::uniform_int_distribution<int>(1, 2)(rng);
            o.maxFanIn = std::uniform_int_distribution<int>(1, 3)(rng);
            o.longEdge = std::uniform_real_distribution<double>(0, 0.3)(rng);
            o.chainOfBlocks = trial % 2 == 0;
            const Graph g = testing::randomGraph(rng, o);
            checkPartition(g, std::uniform_int_distribution<int>(1, 8)(rng));
            const auto blocks = partitionBlocks(g);
            severalBlocks += blocks.size() >= 3;
            for (const Block& b : blocks) branchedBlocks += b.ops.size() >= 3;
            if (QTest::currentTestFailed()) {
                qWarning("trial %d failed", trial);
                return;
            }
        }
        // The generator must exercise the interesting cases, not only one-block graphs.
        qInfo("random DAGs with >= 3 blocks: %d, blocks of >= 3 units: %d", severalBlocks, branchedBlocks);
        QVERIFY(severalBlocks >= 30);
        QVERIFY(branchedBlocks > 100);
    }

    void bundledNetworks() {
        for (const std::string& name : bundledModelNames()) {
            const Graph g = *buildBundledModel(name);
            checkPartition(g, kDefaultMaxPartSize);
            checkPartition(g, 7);
        }
        QCOMPARE(blockCount(buildInceptionV3()), 13);
        QCOMPARE(blockCount(buildSqueezeNet()), 12);
        QCOMPARE(blockCount(buildRandWire()), 6);
        QCOMPARE(blockCount(buildNasNet()), 3);
    }

    void inceptionBlocksEndAtConcats() {
        const Graph g = buildInceptionV3();
        const auto blocks = partitionBlocks(g);
        QCOMPARE(int(blocks.front().ops.size()), 7); // the stem chain is one block
        for (size_t b = 1; b + 1 < blocks.size(); ++b)
            QVERIFY(g.op(blocks[b].ops.back()).kind == OpKind::Concat);
        QVERIFY(g.op(blocks.back().ops.back()).kind == OpKind::GlobalAvgPool);
    }

    void partsAreConsecutiveSlices() {
        const Graph g = buildNasNet();
        const auto blocks = partitionBlocks(g, 50);
        QCOMPARE(int(blocks[1].ops.size()), 371);
        // Cuts fall where the fewest tensors cross: NasNet's cells each read the two previous
        // cell outputs, so one part per cell (22 cells after the stem conv), and no cut lets
        // more than those two tensors cross.
        QCOMPARE(int(blocks[1].parts.size()), 22);
        std::vector<int> pos(size_t(g.size()), -1);
        for (size_t k = 0; k < blocks[1].ops.size(); ++k) pos[size_t(blocks[1].ops[k])] = int(k);
        int end = 0;
        for (size_t p = 0; p + 1 < blocks[1].parts.size(); ++p) {
            end += int(blocks[1].parts[p].size());
            std::set<OpId> crossing;
            for (int k = 0; k < end; ++k)
                for (OpId s : g.successors(blocks[1].ops[size_t(k)]))
                    if (pos[size_t(s)] >= end) crossing.insert(blocks[1].ops[size_t(k)]);
            QVERIFY2(crossing.size() <= 2,
                     qPrintable(QString("cut after %1 lets %2 cross").arg(end).arg(crossing.size())));
        }
        // A block within the limit is never cut.
        for (const Block& b : partitionBlocks(buildInceptionV3(), 50)) QCOMPARE(int(b.parts.size()), 1);
    }

    void rejectsBadPartSize() { QVERIFY_THROWS_EXCEPTION(InputError, partitionBlocks(buildSqueezeNet(), 0)); }
};

QTEST_APPLESS_MAIN(TestPartition)
#include "tst_partition.moc"
