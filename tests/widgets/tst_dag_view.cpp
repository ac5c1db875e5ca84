// The DAG view: scene item counts (built code graphs and the bundled networks), find, running
// ops, selection sync with the timeline, and exports.
#include "analysis/partition.h"
#include "analysis/width.h"
#include "dag_items.h"
#include "dag_view.h"
#include "find_bar.h"
#include "layout/layout_worker.h"
#include "models/model_registry.h"
#include "models/model_spec.h"
#include "sched/scheduler.h"
#include "selection_model.h"
#include "test_graphs.h"
#include "timeline_view.h"

#include <QApplication>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QXmlStreamReader>

using namespace ioscope;
using namespace ioscope::widgets;

namespace {

std::shared_ptr<const Graph> bundled(const char* name) {
    try {
        return std::make_shared<const Graph>(loadModel(name));
    } catch (const std::exception& e) {
        qWarning("%s: %s", name, e.what());
        return nullptr;
    }
}

// Saves a screenshot for a human to look at when IOSCOPE_SCREENSHOT_DIR is set.
void screenshot(QWidget* w, const QString& name) {
    const QByteArray dir = qgetenv("IOSCOPE_SCREENSHOT_DIR");
    if (dir.isEmpty()) return;
    w->grab().save(QString::fromLocal8Bit(dir) + "/" + name + ".png");
}

// The blocks the explorer outlines (app/gui/loaded_model.cpp): those of two ops or more. The view
// draws what it is given and computes no analysis itself.
std::vector<std::vector<OpId>> outlinedBlocks(const Graph& g) {
    std::vector<std::vector<OpId>> blocks;
    for (const Block& b : partitionBlocks(g))
        if (b.ops.size() >= 2) blocks.push_back(b.ops);
    return blocks;
}

int blocksWithSeveralOps(const Graph& g) {
    return static_cast<int>(outlinedBlocks(g).size());
}

} // namespace

class TestDagView : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        if (!layout::graphvizAvailable()) QSKIP("built without Graphviz");
    }

    void smallGraphItemCounts() {
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        DagView view;
        view.resize(600, 500);
        QSignalSpy finished(&view, &DagView::layoutFinished);
        view.setGraph(g, outlinedBlocks(*g));
        QVERIFY(!view.hasLayout());
        QVERIFY(view.waitForLayout());
        QCOMPARE(finished.count(), 1);
        QCOMPARE(view.nodeItemCount(), g->size()); // units + the input
        QCOMPARE(view.edgeItemCount(), testgraphs::edgeCount(*g));
        QCOMPARE(view.blockItemCount(), blocksWithSeveralOps(*g));
        for (OpId v = 0; v < g->size(); ++v) QVERIFY(view.nodeItem(v));

        view.setInputsVisible(false);
        QVERIFY(view.waitForLayout());
        QCOMPARE(view.nodeItemCount(), static_cast<int>(g->units().size()));
        QCOMPARE(view.edgeItemCount(), testgraphs::edgeCount(*g, false));
        QVERIFY(!view.nodeItem(g->find("input")));

        view.setBlocksVisible(false);
        view.setDirection(layout::Direction::LeftToRight);
        QVERIFY(view.waitForLayout());
        QCOMPARE(view.blockItemCount(), 0);
        QVERIFY(view.currentLayout().bounds.width > view.currentLayout().bounds.height);
    }

    // The window's worker, passed in, lays out; the blocks drawn are the ones given.
    void givenWorkerAndBlocks() {
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        auto worker = std::make_shared<layout::LayoutWorker>();
        DagView view(worker);
        std::vector<std::vector<OpId>> blocks;
        for (const Block& b : partitionBlocks(*g))
            if (b.ops.size() >= 2) blocks.push_back(b.ops);
        QVERIFY(!blocks.empty());
        view.setGraph(g, {blocks.front()});
        QVERIFY(view.waitForLayout());
        QCOMPARE(worker->computedCount(), 1);
        QCOMPARE(view.blockItemCount(), 1);
        view.setGraph(g, {});
        QVERIFY(view.waitForLayout());
        QCOMPARE(worker->computedCount(), 2);
        QCOMPARE(view.blockItemCount(), 0);
    }

    // An ensemble is outlined per member network, each outline named after it: its blocks were one
    // "block 1 (100 ops)" box around every member (seen under Xvfb). Node titles drop the member.
    void ensembleOutlinesItsMembers() {
        for (const char* spec : {"squeezenet+squeezenet", "shared:squeezenet+squeezenet"}) {
            auto g = std::make_shared<const Graph>(loadModelSpec(spec));
            QCOMPARE(g->members().size(), size_t(2));
            DagView view;
            view.resize(800, 600);
            view.setGraph(g, outlinedBlocks(*g)); // the view outlines the members instead
            QVERIFY(view.waitForLayout());
            QCOMPARE(view.blockItemCount(), 2);
            QStringList labels;
            for (QGraphicsItem* item : view.scene()->items())
                if (auto* outline = qgraphicsitem_cast<DagBlockItem*>(item)) {
                    QVERIFY(outline->emphasised());
                    labels << outline->label();
                }
            labels.sort();
            QCOMPARE(labels, QStringList({"squeezenet (50 ops)", "squeezenet#2 (50 ops)"}));
            // Each outline holds its member's ops, and only those.
            for (const auto& cluster : view.currentLayout().clusters) {
                const int member = cluster.label.rfind("squeezenet#2", 0) == 0 ? 1 : 0;
                const QRectF box(cluster.rect.x, cluster.rect.y, cluster.rect.width, cluster.rect.height);
                for (const auto& n : view.currentLayout().nodes) {
                    if (g->op(n.op).member < 0) continue; // the shared input
                    QCOMPARE(box.contains(QPointF(n.centre.x, n.centre.y)), g->op(n.op).member == member);
                }
            }
            const OpId sum = g->find("squeezenet#2/fire8/sum");
            QVERIFY(sum >= 0 && view.nodeItem(sum));
            QVERIFY2(!view.nodeItem(sum)->title().contains("squeezenet"),
                     qPrintable(view.nodeItem(sum)->title()));
            view.setBlocksVisible(false);
            QVERIFY(view.waitForLayout());
            QCOMPARE(view.blockItemCount(), 0);
        }
    }

    void relayoutKeepsTheDrawingAndFollowsTheFont() {
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        DagView view;
        view.setGraph(g);
        QVERIFY(view.waitForLayout());
        const double width = view.currentLayout().nodes[1].width;
        view.setDirection(layout::Direction::LeftToRight);
        QCOMPARE(view.nodeItemCount(), g->size()); // the old drawing stays until the new one lands
        QVERIFY(view.waitForLayout());
        QFont big = view.font();
        big.setPointSizeF(big.pointSizeF() * 2);
        view.setFont(big); // presentation mode: bigger labels need bigger nodes
        QVERIFY(view.waitForLayout());
        QVERIFY(view.currentLayout().nodes[1].width > width * 1.4);
        view.resize(900, 500);
        view.fitToWindow();
        screenshot(&view, "dag_big_font");
    }

    void newerGraphWins() {
        auto big = std::make_shared<const Graph>(testgraphs::randomDag(200, 5));
        auto small = std::make_shared<const Graph>(testgraphs::diamond());
        DagView view;
        QSignalSpy finished(&view, &DagView::layoutFinished);
        view.setGraph(big);
        view.setGraph(small); // the big layout becomes stale and is never shown
        QVERIFY(view.waitForLayout());
        QTest::qWait(200);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(view.nodeItemCount(), small->size());
    }

    void bundledNetworks_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("inception_v3") << "inception_v3";
        QTest::newRow("nasnet") << "nasnet";
    }

    void bundledNetworks() {
        QFETCH(QString, name);
        auto g = bundled(qPrintable(name));
        if (!g) QSKIP("the bundled network cannot be built yet");
        DagView view;
        view.resize(1000, 800);
        view.show();
        view.setGraph(g, outlinedBlocks(*g));
        QVERIFY(view.waitForLayout(60000));
        qInfo("%s: %d ops, %d edges, layout %.2f s", qPrintable(name), g->size(), testgraphs::edgeCount(*g),
              view.currentLayout().seconds);
        QCOMPARE(view.nodeItemCount(), g->size());
        QCOMPARE(view.edgeItemCount(), testgraphs::edgeCount(*g));
        QCOMPARE(view.blockItemCount(), blocksWithSeveralOps(*g));
        view.setAntichainVisible(true);
        QVERIFY(view.antichain().isEmpty()); // none given: the view does not compute one
        view.setAntichain(maximumAntichain(*g).antichain);
        int marked = 0;
        for (OpId v = 0; v < g->size(); ++v)
            if (auto* item = view.nodeItem(v); item && item->state().antichain) ++marked;
        QCOMPARE(marked, static_cast<int>(view.antichain().size()));
        QVERIFY(marked > 1);
        view.centerOnOp(*view.antichain().begin());
        screenshot(&view, "dag_" + name);
    }

    void navigation() {
        auto g = std::make_shared<const Graph>(testgraphs::randomDag(120, 9));
        DagView view;
        view.resize(500, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setGraph(g);
        QVERIFY(view.waitForLayout());
        view.setTransform(QTransform::fromScale(1, 1));
        view.centerOnOp(g->units()[60]);
        const auto* overview = view.findChild<QGraphicsView*>();
        QVERIFY(overview && overview != &view);
        view.zoomBy(1.0); // placement refresh
        // The graph is larger than the view, but a view this small starts with the overview as a
        // tab (it would cover too much); expanding it shows the overview, collapsing hides it.
        QVERIFY(!overview->isVisible());
        QVERIFY(!view.overviewTabRect().isEmpty());
        view.setOverviewCollapsed(false);
        QVERIFY(overview->isVisible());
        QVERIFY(view.overviewTabRect().isEmpty());
        const int y = view.verticalScrollBar()->value(), x = view.horizontalScrollBar()->value();
        QTest::keyClick(&view, Qt::Key_S);
        QVERIFY(view.verticalScrollBar()->value() > y);
        QTest::keyClick(&view, Qt::Key_W);
        QTest::keyClick(&view, Qt::Key_Up);
        QVERIFY(view.verticalScrollBar()->value() < y);
        QTest::keyClick(&view, Qt::Key_Right);
        QVERIFY(view.horizontalScrollBar()->value() >= x);
        QSignalSpy zoom(&view, &DagView::zoomChanged);
        QWheelEvent wheel(QPointF(200, 200), view.mapToGlobal(QPointF(200, 200)), QPoint(), QPoint(0, 240),
                          Qt::NoButton, Qt::ControlModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view.viewport(), &wheel);
        QCOMPARE(zoom.count(), 1);
        QVERIFY(view.transform().m11() > 1.3);
        QTest::keyClick(&view, Qt::Key_F); // fit: the whole scene is visible
        QTest::qWait(50);                  // the scroll bars go away on the next layout pass
        QVERIFY(view.mapToScene(view.viewport()->rect())
                    .boundingRect()
                    .adjusted(-2, -2, 2, 2)
                    .contains(view.scene()->sceneRect()));
        QVERIFY(!overview->isVisible());
    }

    void findHighlightsAllMatches() {
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        DagView view;
        view.setGraph(g);
        QVERIFY(view.waitForLayout());
        FindBar bar;
        bar.attach(&view);
        QSignalSpy results(&view, &DagView::findResultChanged);
        QCOMPARE(view.find("BRANCH"), 3);
        QCOMPARE(results.count(), 1);
        QVERIFY(view.nodeItem(g->find("branch_a"))->state().match);
        QVERIFY(!view.nodeItem(g->find("head"))->state().match);
        QCOMPARE(view.find("maxpool"), 1); // by kind
        QCOMPARE(view.find("conv"), 4);    // kind conv: branch_a, branch_b, branch_c, head
        view.findNext();
        QCOMPARE(view.currentFindIndex(), 0);
        QCOMPARE(view.selectionModel()->currentOp(), view.findMatches()[0]);
        view.findPrevious();
        QCOMPARE(view.currentFindIndex(), 3); // wraps
        QCOMPARE(view.find("nothing like this"), 0);
        // Through the bar: typing finds.
        bar.findChild<QLineEdit*>()->setText("concat");
        QCOMPARE(view.findMatches().size(), 1);
        bar.show();
        QTest::keyClick(bar.findChild<QLineEdit*>(), Qt::Key_Return);
        QCOMPARE(view.currentFindIndex(), 0);
        QTest::keyClick(bar.findChild<QLineEdit*>(), Qt::Key_Escape); // closes and clears the find
        QVERIFY(bar.isHidden());
        QCOMPARE(view.findMatches().size(), 0);
    }

    void selectionSyncsWithTimeline() {
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        SelectionModel selection;
        DagView dag;
        dag.setSelectionModel(&selection);
        dag.resize(500, 400);
        dag.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dag));
        dag.setGraph(g);
        QVERIFY(dag.waitForLayout());
        TimelineView timeline;
        timeline.setSelectionModel(&selection);
        timeline.setGraph(g);
        timeline.addScheduleLane("sequential", sequentialSchedule(*g),
                                 std::vector<double>(g->units().size(), 0.1));

        QSignalSpy changed(&selection, &SelectionModel::selectionChanged);
        const OpId target = g->find("branch_b");
        DagNodeItem* item = dag.nodeItem(target);
        const QPoint at = dag.mapFromScene(item->scenePos());
        QTest::mouseClick(dag.viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(selection.currentOp(), target);
        QVERIFY(item->state().selected);
        QCOMPARE(timeline.highlightedOps(), QList<OpId>{target});

        // And back: selecting in the timeline model state shows in the DAG.
        selection.selectOps({g->find("head"), g->find("pool")});
        QCOMPARE(changed.count(), 2);
        QVERIFY(!item->state().selected);
        QVERIFY(dag.nodeItem(g->find("head"))->state().selected);
        QCOMPARE(timeline.highlightedOps().size(), 2);

        // A click on the background clears.
        QTest::mouseClick(dag.viewport(), Qt::LeftButton, {}, QPoint(2, 2));
        QCOMPARE(selection.selectedOps().size(), 0);
    }

    void runningOpsLightNodes() {
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        DagView dag;
        dag.setGraph(g);
        QVERIFY(dag.waitForLayout());
        TimelineView timeline;
        timeline.setGraph(g);
        connect(&timeline, &TimelineView::runningOpsChanged, &dag, &DagView::setRunningOps);
        Schedule s;
        s.stages.push_back(
            {Strategy::Concurrent,
             {{g->find("branch_a")}, {g->find("branch_b")}, {g->find("pool"), g->find("branch_c")}}});
        s.stages.push_back({Strategy::Concurrent, {{g->find("concat")}}});
        s.stages.push_back({Strategy::Concurrent, {{g->find("head")}}});
        timeline.addScheduleLane("IOS", s, {0.3, 0.05, 0.1});
        timeline.setPlayheadMs(0.01);
        QVERIFY(dag.nodeItem(g->find("branch_a"))->state().running);
        QVERIFY(dag.nodeItem(g->find("branch_b"))->state().running);
        QVERIFY(!dag.nodeItem(g->find("head"))->state().running);
        timeline.stepNextStage();
        QCOMPARE(dag.runningOps(), QSet<OpId>{g->find("concat")});
    }

    void showcaseStates() {
        auto g = bundled("inception_v3");
        if (!g) QSKIP("the bundled network cannot be built yet");
        QWidget host;
        auto* layout = new QVBoxLayout(&host);
        auto* bar = new FindBar(&host);
        auto* view = new DagView(&host);
        layout->addWidget(bar);
        layout->addWidget(view);
        bar->attach(view);
        host.resize(1100, 750);
        host.show();
        QVERIFY(QTest::qWaitForWindowExposed(&host));
        view->setGraph(g);
        QVERIFY(view->waitForLayout());
        view->setAntichain(maximumAntichain(*g).antichain);
        view->setAntichainVisible(true);
        bar->activate();
        bar->findChild<QLineEdit*>()->setText("5b/pool");
        // mixed_5b/pool_proj, whose unit runs the pool after the conv (graph/fusion.h)
        QCOMPARE(view->findMatches().size(), 1);
        QList<OpId> running;
        for (const char* name :
             {"mixed_5b/1x1", "mixed_5b/5x5_reduce", "mixed_5b/3x3dbl_reduce", "mixed_5b/pool_proj"})
            if (g->find(name) >= 0) running << g->find(name);
        view->setRunningOps(running);
        view->selectionModel()->setHoveredOp(g->find("mixed_5b/concat"));
        view->findNext();
        QCOMPARE(bar->findChild<QLabel*>(QString(), Qt::FindDirectChildrenOnly) != nullptr, true);
        int lit = 0;
        for (OpId op : running) lit += view->nodeItem(op)->state().running ? 1 : 0;
        QCOMPARE(lit, static_cast<int>(running.size()));
        // Following the playhead scrolls the lit ops into view.
        view->setFollowRunningOps(true);
        view->setRunningOps({g->units().back()});
        QVERIFY(view->mapToScene(view->viewport()->rect())
                    .boundingRect()
                    .contains(view->nodeItem(g->units().back())->sceneBoundingRect()));
        view->setRunningOps(running);
        QVERIFY(view->mapToScene(view->viewport()->rect())
                    .boundingRect()
                    .intersects(view->nodeItem(running[0])->sceneBoundingRect()));
        screenshot(&host, "dag_states");
    }

    void exportsAreValid() {
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        DagView view;
        view.setGraph(g);
        QVERIFY(view.waitForLayout());
        QTemporaryDir dir;
        const QString svg = dir.filePath("dag.svg"), png = dir.filePath("dag.png");
        QString error;
        QVERIFY2(view.exportSvg(svg, &error), qPrintable(error));
        QVERIFY2(view.exportPng(png, 2.0, &error), qPrintable(error));
        QSvgRenderer renderer(svg);
        QVERIFY(renderer.isValid());
        QFile file(svg);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&file);
        int elements = 0;
        while (!xml.atEnd())
            if (xml.readNext() == QXmlStreamReader::StartElement) ++elements;
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(elements > 10);
        QImage image(png);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= view.currentLayout().bounds.width);
        // A failed write leaves nothing behind and says why.
        QVERIFY(!view.exportPng(dir.filePath("missing/dir/x.png"), 1.0, &error));
        QVERIFY(error.contains("x.png"));
    }
};

QTEST_MAIN(TestDagView)
#include "tst_dag_view.moc"
