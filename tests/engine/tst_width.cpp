// Width (maximum antichain) against brute force: every subset of units of random small DAGs.
#include "analysis/reachability.h"
#include "analysis/width.h"
#include "engine/random_graphs.h"
#include "models/model_registry.h"

#include <QtTest>

using namespace ioscope;

namespace {

// Reachability by depth-first search, independent of the Reachability class under test.
std::vector<std::vector<bool>> closure(const Graph& g) {
    const int n = g.size();
    std::vector<std::vector<bool>> reach(size_t(n), std::vector<bool>(size_t(n), false));
    for (OpId s = 0; s < n; ++s) {
        std::vector<OpId> stack(g.successors(s).begin(), g.successors(s).end());
        while (!stack.empty()) {
            const OpId v = stack.back();
            stack.pop_back();
            if (reach[size_t(s)][size_t(v)]) continue;
            reach[size_t(s)][size_t(v)] = true;
            for (OpId w : g.successors(v)) stack.push_back(w);
        }
    }
    return reach;
}

int bruteForceWidth(const Graph& g) {
    const auto reach = closure(g);
    const std::vector<OpId>& u = g.units();
    const int n = static_cast<int>(u.size());
    int best = 0;
    for (unsigned mask = 1; mask < (1u << n); ++mask) {
        const int size = __builtin_popcount(mask);
        if (size <= best) continue;
        bool antichain = true;
        for (int a = 0; a < n && antichain; ++a)
            for (int b = a + 1; b < n && antichain; ++b)
                if ((mask >> a & 1) && (mask >> b & 1))
                    antichain = !reach[size_t(u[size_t(a)])][size_t(u[size_t(b)])] &&
                                !reach[size_t(u[size_t(b)])][size_t(u[size_t(a)])];
        if (antichain) best = size;
    }
    return best;
}

} // namespace

class TestWidth : public QObject {
    Q_OBJECT
  private slots:
    void matchesBruteForceOnRandomDags() {
        std::mt19937 rng(12345);
        int checked = 0;
        for (int trial = 0; trial < 150; ++trial) {
            testing::RandomGraphOptions o;
            o.units = std::uniform_int_distribution<int>(1, 13)(rng);
            o.inputs = std::uniform_int_distribution<int>(1, 2)(rng);
            o.maxFanIn = std::uniform_int_distribution<int>(1, 3)(rng);
            o.longEdge = std::uniform_real_distribution<double>(0, 1)(rng);
            const Graph g = testing::randomGraph(rng, o);
            const WidthResult w = maximumAntichain(g);
            const auto reach = closure(g);
            QCOMPARE(w.width, bruteForceWidth(g));
            QCOMPARE(int(w.antichain.size()), w.width);
            for (size_t a = 0; a < w.antichain.size(); ++a) {
                QVERIFY(g.isUnit(w.antichain[a]));
                for (size_t b = a + 1; b < w.antichain.size(); ++b) {
                    QVERIFY(w.antichain[a] != w.antichain[b]);
                    QVERIFY(!reach[size_t(w.antichain[a])][size_t(w.antichain[b])]);
                    QVERIFY(!reach[size_t(w.antichain[b])][size_t(w.antichain[a])]);
                }
            }
            ++checked;
        }
        QVERIFY(checked >= 100);
    }

    void reachabilityMatchesSearch() {
        std::mt19937 rng(7);
        for (int trial = 0; trial < 30; ++trial) {
            testing::RandomGraphOptions o;
            o.units = 40;
            const Graph g = testing::randomGraph(rng, o);
            const Reachability r(g);
            const auto reach = closure(g);
            for (OpId a = 0; a < g.size(); ++a)
                for (OpId b = 0; b < g.size(); ++b)
                    QCOMPARE(r.reaches(a, b), bool(reach[size_t(a)][size_t(b)]));
        }
    }

    void chainAndFan() {
        Graph chain("chain");
        OpId x = chain.addInput("in", {4, 6, 6});
        std::mt19937 chainRng(1);
        for (int i = 0; i < 5; ++i)
            x = chain.addOp(testing::randomOp(chainRng, "c" + std::to_string(i), {x}));
        chain.finalize();
        QCOMPARE(maximumAntichain(chain).width, 1);

        Graph fan("fan");
        const OpId in = fan.addInput("in", {4, 6, 6});
        std::vector<OpId> leaves;
        std::mt19937 rng(3);
        for (int i = 0; i < 7; ++i)
            leaves.push_back(fan.addOp(testing::randomOp(rng, "leaf" + std::to_string(i), {in})));
        Op join;
        join.name = "join";
        join.kind = OpKind::Identity;
        join.inputs = leaves;
        fan.addOp(join);
        fan.finalize();
        QCOMPARE(maximumAntichain(fan).width, 7);
    }

    void bundledWidths() {
        QCOMPARE(maximumAntichain(buildInceptionV3()).width, 6);
        QCOMPARE(maximumAntichain(buildSqueezeNet()).width, 3);
        QCOMPARE(maximumAntichain(buildNasNet()).width, 15);
    }
};

QTEST_APPLESS_MAIN(TestWidth)
#include "tst_width.moc"
