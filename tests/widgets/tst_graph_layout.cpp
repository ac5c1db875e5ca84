// Graphviz layout into plain structs, and the serialized layout worker.
#include "layout/layout_worker.h"
#include "test_graphs.h"
#include "util/errors.h"

#include <QElapsedTimer>
#include <QTest>

#include <atomic>
#include <cmath>
#include <future>
#include <mutex>

using namespace ioscope;
using namespace ioscope::layout;

class TestGraphLayout : public QObject {
    Q_OBJECT

    static void checkSane(const Graph& g, const GraphLayout& l, bool inputs) {
        const int expectedNodes = inputs ? g.size() : static_cast<int>(g.units().size());
        QCOMPARE(static_cast<int>(l.nodes.size()), expectedNodes);
        QCOMPARE(static_cast<int>(l.edges.size()), testgraphs::edgeCount(g, inputs));
        QVERIFY(l.bounds.width > 0 && l.bounds.height > 0);
        QVERIFY(l.bounds.width < 1e6 && l.bounds.height < 1e6);
        for (const auto& n : l.nodes) {
            QVERIFY(n.centre.x - n.width / 2 >= l.bounds.x - 1);
            QVERIFY(n.centre.x + n.width / 2 <= l.bounds.right() + 1);
            QVERIFY(n.centre.y - n.height / 2 >= l.bounds.y - 1);
            QVERIFY(n.centre.y + n.height / 2 <= l.bounds.bottom() + 1);
        }
        // Node boxes never overlap (so no two centres coincide).
        for (size_t i = 0; i < l.nodes.size(); ++i)
            for (size_t j = i + 1; j < l.nodes.size(); ++j) {
                const auto& a = l.nodes[i];
                const auto& b = l.nodes[j];
                const bool apart = std::abs(a.centre.x - b.centre.x) >= (a.width + b.width) / 2 - 0.5 ||
                                   std::abs(a.centre.y - b.centre.y) >= (a.height + b.height) / 2 - 0.5;
                if (!apart) QFAIL(qPrintable(QString("nodes %1 and %2 overlap").arg(a.op).arg(b.op)));
            }
        for (const auto& e : l.edges) {
            QVERIFY(e.spline.size() >= 2);
            for (const auto& p : e.spline) QVERIFY(std::isfinite(p.x) && std::isfinite(p.y));
        }
    }

  private slots:

    void smallGraphTopToBottom() {
        if (!graphvizAvailable()) QSKIP("built without Graphviz");
        const Graph g = testgraphs::diamond();
        LayoutOptions o;
        o.nodeSizes.assign(static_cast<size_t>(g.size()), Size{80, 30});
        const GraphLayout l = layoutGraph(g, o);
        checkSane(g, l, true);
        // Top to bottom: every edge goes downwards, and the input is above the head.
        auto centre = [&](OpId op) {
            for (const auto& n : l.nodes)
                if (n.op == op) return n.centre;
            return Point{};
        };
        for (const auto& e : l.edges) QVERIFY(centre(e.from).y < centre(e.to).y);
        for (const auto& e : l.edges) QVERIFY(e.hasArrow);
        QCOMPARE(l.nodes[0].width, 80.0);
    }

    void leftToRightWithoutInputsAndClusters() {
        if (!graphvizAvailable()) QSKIP("built without Graphviz");
        const Graph g = testgraphs::diamond();
        LayoutOptions o;
        o.direction = Direction::LeftToRight;
        o.includeInputs = false;
        o.clusters = {{g.find("branch_a"), g.find("branch_b"), g.find("pool"), g.find("branch_c")}};
        o.clusterLabels = {"block 1"};
        const GraphLayout l = layoutGraph(g, o);
        checkSane(g, l, false);
        for (const auto& e : l.edges) {
            const auto from =
                std::find_if(l.nodes.begin(), l.nodes.end(), [&](auto& n) { return n.op == e.from; });
            const auto to =
                std::find_if(l.nodes.begin(), l.nodes.end(), [&](auto& n) { return n.op == e.to; });
            QVERIFY(from->centre.x < to->centre.x);
        }
        QCOMPARE(l.clusters.size(), size_t(1));
        QCOMPARE(l.clusters[0].label, std::string("block 1"));
        const Rect r = l.clusters[0].rect;
        for (const auto& n : l.nodes)
            if (std::count(o.clusters[0].begin(), o.clusters[0].end(), n.op))
                QVERIFY(n.centre.x > r.x && n.centre.x < r.right() && n.centre.y > r.y &&
                        n.centre.y < r.bottom());
    }

    void clustersOfHiddenOpsAreLeftOut() {
        if (!graphvizAvailable()) QSKIP("built without Graphviz");
        const Graph g = testgraphs::diamond();
        LayoutOptions o;
        o.includeInputs = false;
        o.clusters = {{g.find("input")}, {g.find("branch_a"), g.find("branch_b")}};
        const GraphLayout l = layoutGraph(g, o);
        QCOMPARE(l.clusters.size(), size_t(1));
        QCOMPARE(l.clusters[0].index, 1);
        QVERIFY(l.clusters[0].rect.width > 0);
    }

    void badOptionsAreInputErrors() {
        const Graph g = testgraphs::diamond();
        LayoutOptions o;
        o.nodeSizes.resize(2);
        QVERIFY_THROWS_EXCEPTION(InputError, layoutGraph(g, o));
        LayoutOptions twice;
        twice.clusters = {{1, 2}, {2, 3}};
        QVERIFY_THROWS_EXCEPTION(InputError, layoutGraph(g, twice));
    }

    void generated300NodeDag() {
        if (!graphvizAvailable()) QSKIP("built without Graphviz");
        const Graph g = testgraphs::randomDag(300, 7);
        QElapsedTimer timer;
        timer.start();
        const GraphLayout l = layoutGraph(g, {});
        qInfo("300-unit DAG (%d edges): %.2f s", testgraphs::edgeCount(g), l.seconds);
        checkSane(g, l, true);
        QVERIFY(timer.elapsed() < 30000);
    }

    void layeredFallback() {
        const Graph small = testgraphs::diamond();
        for (Direction d : {Direction::TopToBottom, Direction::LeftToRight}) {
            LayoutOptions o;
            o.direction = d;
            o.clusters = {{small.find("branch_a"), small.find("branch_b")}};
            const GraphLayout l = layeredLayout(small, o);
            checkSane(small, l, true);
            QCOMPARE(l.clusters.size(), size_t(1));
            for (const auto& e : l.edges) {
                const Point a = e.spline.front(), tip = e.arrowTip;
                QVERIFY(d == Direction::TopToBottom ? tip.y > a.y
                                                    : tip.x > a.x); // edges follow the direction
            }
        }
        const Graph big = testgraphs::randomDag(300, 11);
        checkSane(big, layeredLayout(big, {}), true);
    }

    void workerDeliversOnlyTheNewestGeneration() {
        LayoutWorker worker;
        auto big = std::make_shared<const Graph>(testgraphs::randomDag(150, 3));
        auto small = std::make_shared<const Graph>(testgraphs::diamond());
        std::mutex m;
        std::vector<std::uint64_t> delivered;
        std::atomic<int> calls{0};
        auto cb = [&](std::uint64_t gen, std::shared_ptr<const GraphLayout> layout, std::string error) {
            QVERIFY2(layout, error.c_str());
            std::lock_guard lock(m);
            delivered.push_back(gen);
            ++calls;
        };
        const int channel = 0, gateChannel = 0;
        // A request on another channel holds the worker until all five are queued, so the first four
        // are stale when it reaches them however the threads are scheduled (a loaded machine or
        // ThreadSanitizer could otherwise let it finish one before the next is submitted).
        std::promise<void> submitted;
        std::shared_future<void> gate = submitted.get_future().share();
        worker.submit(
            small, {}, [gate](auto, auto, auto) { gate.wait(); }, &gateChannel);
        std::uint64_t last = 0;
        for (int i = 0; i < 5; ++i) last = worker.submit(i % 2 ? small : big, {}, cb, &channel);
        submitted.set_value();
        QCOMPARE(worker.latestGeneration(&channel), last);
        QTRY_COMPARE_WITH_TIMEOUT(calls.load(), 1, 30000);
        QTest::qWait(100);
        std::lock_guard lock(m);
        QCOMPARE(delivered, std::vector<std::uint64_t>{last});
        QVERIFY(worker.skippedCount() >= 4);
    }

    void workerChannelsAreIndependentAndCancellable() {
        LayoutWorker worker;
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        std::atomic<int> a{0}, b{0};
        const int chanA = 0, chanB = 0;
        worker.submit(
            g, {}, [&](auto, auto layout, auto) { a += layout ? 1 : 100; }, &chanA);
        worker.submit(
            g, {}, [&](auto, auto layout, auto) { b += layout ? 1 : 100; }, &chanB);
        QTRY_COMPARE_WITH_TIMEOUT(a.load() + b.load(), 2, 10000);
        QCOMPARE(a.load(), 1);
        worker.cancel(&chanA);
        worker.submit(
            std::make_shared<const Graph>(testgraphs::randomDag(200, 1)), {}, [&](auto, auto, auto) { ++a; },
            &chanA);
        worker.cancel(&chanA);
        QTest::qWait(50);
        // The cancelled request never calls back (it may have run, but its result is stale).
        QTRY_VERIFY_WITH_TIMEOUT(worker.computedCount() + worker.skippedCount() >= 3, 20000);
        QTest::qWait(50);
        QCOMPARE(a.load(), 1);
    }

    void errorsReachTheCallback() {
        LayoutWorker worker;
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        LayoutOptions bad;
        bad.nodeSizes.resize(1);
        std::atomic<bool> gotError{false};
        worker.submit(g, bad, [&](auto, auto layout, std::string error) {
            gotError = !layout && error.find("node sizes") != std::string::npos;
        });
        QTRY_VERIFY_WITH_TIMEOUT(gotError.load(), 10000);
    }
};

QTEST_GUILESS_MAIN(TestGraphLayout)
#include "tst_graph_layout.moc"
