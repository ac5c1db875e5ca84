// The bundled networks: unit and kind counts, width, blocks, output shapes, determinism, and the
// committed models/*.json files equal to what the generators write today.
#include "analysis/partition.h"
#include "analysis/width.h"
#include "graph/op_metrics.h"
#include "io/model_json.h"
#include "models/model_registry.h"

#include <QtTest>

#include <fstream>
#include <map>
#include <sstream>

using namespace ioscope;

namespace {

struct Counts {
    int units = 0, edges = 0;
    std::map<OpKind, int> kinds;
    double flops = 0;
};

Counts count(const Graph& g) {
    Counts c;
    for (OpId u : g.units()) {
        ++c.units;
        ++c.kinds[g.op(u).kind];
        c.flops += opMetrics(g.op(u)).flops;
        for (OpId p : g.predecessors(u)) c.edges += g.isUnit(p);
    }
    return c;
}

const Op& lastUnit(const Graph& g) {
    return g.op(g.units().back());
}

} // namespace

class TestModels : public QObject {
    Q_OBJECT
  private slots:
    void inceptionV3() {
        const Graph g = buildInceptionV3();
        Counts c = count(g);
        QCOMPARE(c.units, 119);
        QCOMPARE(c.kinds[OpKind::Conv], 94);
        QCOMPARE(c.kinds[OpKind::MaxPool] + c.kinds[OpKind::AvgPool] + c.kinds[OpKind::GlobalAvgPool], 14);
        QCOMPARE(c.kinds[OpKind::Concat], 11);
        QCOMPARE(c.edges, 153);
        QCOMPARE(maximumAntichain(g).width, 6);
        QCOMPARE(int(partitionBlocks(g).size()), 13);
        QCOMPARE(lastUnit(g).out, (Shape{2048, 1, 1}));
        QCOMPARE(g.op(g.find("pool2")).out, (Shape{192, 35, 35}));
        QCOMPARE(g.op(g.find("mixed_6a/concat")).out, (Shape{768, 17, 17}));
        QVERIFY(c.flops > 11.4e9 && c.flops < 11.5e9); // 5.7 G multiply-adds
    }

    void squeezeNet() {
        const Graph g = buildSqueezeNet();
        Counts c = count(g);
        QCOMPARE(c.units, 50);
        QCOMPARE(c.kinds[OpKind::Conv], 30); // 8 fires x 3 + 4 bypass convs + conv1 + conv10
        QCOMPARE(c.kinds[OpKind::Concat], 8);
        QCOMPARE(c.kinds[OpKind::Identity], 8);
        QCOMPARE(c.kinds[OpKind::MaxPool], 3);
        QCOMPARE(c.edges, 65);
        QCOMPARE(maximumAntichain(g).width, 3);
        QCOMPARE(int(partitionBlocks(g).size()), 12);
        QCOMPARE(lastUnit(g).out, (Shape{1000, 1, 1}));
        // Bypass convs exactly where the channel count changes.
        for (const char* fire : {"fire2", "fire4", "fire6", "fire8"})
            QVERIFY(g.find(std::string(fire) + "/bypass1x1") >= 0);
        for (const char* fire : {"fire3", "fire5", "fire7", "fire9"})
            QCOMPARE(g.find(std::string(fire) + "/bypass1x1"), -1);
    }

    void randWire() {
        const Graph g = buildRandWire();
        Counts c = count(g);
        QCOMPARE(c.units, 120);
        QCOMPARE(c.kinds[OpKind::SepConv], 16 + 32 * 3);
        QCOMPARE(c.kinds[OpKind::Identity], 4);
        QCOMPARE(c.kinds[OpKind::Conv], 2);
        QCOMPARE(c.kinds[OpKind::Add], 0); // sums are the nodes' own input combination
        QCOMPARE(int(partitionBlocks(g).size()), 6);
        QCOMPARE(lastUnit(g).out, (Shape{1280, 1, 1}));
        QCOMPARE(g.op(g.find("stage1/output")).out, (Shape{154, 56, 56}));
        QCOMPARE(g.op(g.find("stage4/output")).out, (Shape{1232, 7, 7}));
        for (OpId u : g.units()) {
            const Op& op = g.op(u);
            if (op.kind != OpKind::SepConv) continue;
            QVERIFY(op.preRelu);
            QCOMPARE(op.window.kh, 3);
            // Stride 2 exactly for the nodes that read the stage input (no predecessor in the stage).
            const bool readsStageInput = g.op(op.inputs.front()).kind != OpKind::SepConv;
            QCOMPARE(op.window.sh, readsStageInput ? 2 : 1);
            if (readsStageInput) QCOMPARE(int(op.inputs.size()), 1);
        }
        QCOMPARE(buildRandWire().contentHash(), g.contentHash()); // deterministic
        QCOMPARE(maximumAntichain(g).width, 9);
        QCOMPARE(c.edges, 268);
    }

    void nasNet() {
        const Graph g = buildNasNet();
        Counts c = count(g);
        QCOMPARE(c.units, 374);
        QCOMPARE(c.kinds[OpKind::SepConv], 220);
        QCOMPARE(c.kinds[OpKind::Sequential], 47);
        QCOMPARE(c.kinds[OpKind::AvgPool] + c.kinds[OpKind::MaxPool], 70);
        QCOMPARE(c.kinds[OpKind::Identity] + c.kinds[OpKind::Concat], 34);
        QCOMPARE(maximumAntichain(g).width, 15);
        QCOMPARE(lastUnit(g).out, (Shape{3360, 1, 1}));
        QCOMPARE(g.op(g.find("stem1/output")).out, (Shape{336, 42, 42}));
        QCOMPARE(g.op(g.find("cell07/output")).out, (Shape{1344, 21, 21})); // first reduction
        int cells = 0;
        for (OpId u : g.units()) {
            const std::string& n = g.op(u).name;
            if (n.rfind("cell", 0) == 0 && n.size() > 6 && n.substr(6) == "/output") ++cells;
        }
        QCOMPARE(cells, 20);
    }

    void committedJsonMatchesGenerators() {
        for (const std::string& name : bundledModelNames()) {
            const std::string path = std::string(IOSCOPE_SOURCE_DIR) + "/models/" + name + ".json";
            std::ifstream in(path, std::ios::binary);
            QVERIFY2(in.good(), path.c_str());
            std::stringstream text;
            text << in.rdbuf();
            QVERIFY2(
                text.str() == modelToJson(*buildBundledModel(name)),
                (path + " differs from the generator: run ioscope-cli export-model " + name + " -o " + path)
                    .c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestModels)
#include "tst_models.moc"
