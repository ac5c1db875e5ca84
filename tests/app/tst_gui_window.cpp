// The main window, offscreen, on a real network: views filled, one selection shared by the
// schedule table and the other views, bad files give an error and leave the window usable,
// every export writes a valid file.
#include "dag_items.h"
#include "dag_view.h"
#include "document.h"
#include "exporter.h"
#include "main_window.h"
#include "models/model_registry.h"
#include "op_properties_model.h"
#include "report_writer.h"
#include "schedule_tree_model.h"
#include "search_job.h"
#include "selection_model.h"
#include "timeline_painter.h"
#include "timeline_view.h"

#include <QDockWidget>
#include <QImage>
#include <QJsonDocument>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <QToolBar>
#include <QTreeView>
#include <QXmlStreamReader>
#include <QtTest>

using namespace ioscope;
using namespace ioscope::app;

class TestGuiWindow : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void opensAndSearches();
    void tableSelectionReachesSelectionModel();
    void selectionModelReachesTable();
    void badFileShowsErrorAndStaysUsable();
    void exportsAreValid();
    void reportDrawsTallDagLegibly();
    void timelineShowsEveryLane();
    void presentationModeEnlargesAndRestores();
    void toolbarActionsHaveIconsAndShortcutTips();
    void cleanupTestCase();

  private:
    std::unique_ptr<MainWindow> window_;
};

void TestGuiWindow::initTestCase() {
    QStandardPaths::setTestModeEnabled(true); // keep the user's settings out of it
    window_ = std::make_unique<MainWindow>();
    window_->setQuietErrors(true);
    window_->resize(1400, 900);
    window_->show();
}

void TestGuiWindow::opensAndSearches() {
    QSignalSpy opened(window_.get(), &MainWindow::modelOpened);
    QSignalSpy searched(window_.get(), &MainWindow::searchFinished);
    window_->openModel(QStringLiteral("squeezenet"));
    QVERIFY(window_->waitUntilIdle(120000));
    QCOMPARE(opened.size(), 1);
    QCOMPARE(searched.size(), 1);
    const Graph* g = window_->document()->graph();
    QVERIFY(g);
    QVERIFY(window_->dagView()->hasLayout());
    QCOMPARE(window_->dagView()->nodeItemCount(), g->size());
    QCOMPARE(window_->document()->runs().size(), size_t(3)); // IOS, wavefront, sequential
    QCOMPARE(window_->timeline()->lanes().size(), size_t(3));
    QVERIFY(window_->document()->currentRun());
    QCOMPARE(window_->scheduleModel()->rowCount(),
             int(window_->document()->currentRun()->schedule.stages.size()));
}

void TestGuiWindow::tableSelectionReachesSelectionModel() {
    auto* selection = window_->selection();
    QSignalSpy changed(selection, &widgets::SelectionModel::selectionChanged);
    const OpId op = window_->document()->graph()->units().at(5);
    const QModelIndex i = window_->scheduleModel()->indexOfOp(op);
    QVERIFY(i.isValid());
    window_->scheduleView()->selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect |
                                                                      QItemSelectionModel::Rows);
    QVERIFY(changed.size() >= 1);
    QCOMPARE(selection->selectedList(), QList<OpId>{op});
    QCOMPARE(selection->currentOp(), op);
    QVERIFY(window_->propertiesModel()->rowCount() > 0);
}

void TestGuiWindow::selectionModelReachesTable() {
    auto* selection = window_->selection();
    const auto& units = window_->document()->graph()->units();
    const QList<OpId> ops{units.at(10), units.at(11)};
    QSignalSpy tableChanged(window_->scheduleView()->selectionModel(),
                            &QItemSelectionModel::selectionChanged);
    QSignalSpy changed(selection, &widgets::SelectionModel::selectionChanged);
    selection->selectOps(ops, ops.front());
    QCOMPARE(changed.size(), 1); // no echo back from the table
    QVERIFY(tableChanged.size() >= 1);
    QList<OpId> inTable;
    for (const QModelIndex& i : window_->scheduleView()->selectionModel()->selectedRows())
        inTable << window_->scheduleModel()->opAt(i);
    std::sort(inTable.begin(), inTable.end());
    QCOMPARE(inTable, ops);
    QCOMPARE(window_->propertiesModel()->op(), ops.front());
}

void TestGuiWindow::badFileShowsErrorAndStaysUsable() {
    QTemporaryDir dir;
    const QString bad = dir.filePath(QStringLiteral("cyclic.json"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{ this is not json");
    f.close();
    QSignalSpy errors(window_.get(), &MainWindow::errorShown);
    window_->openModel(bad);
    QVERIFY(window_->waitUntilIdle(30000));
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.front().front().toString().contains(QStringLiteral("cyclic.json")),
             qPrintable(errors.front().front().toString()));
    // The previous model is still there and the window still works.
    QCOMPARE(window_->document()->model().source, QStringLiteral("squeezenet"));
    window_->openModel(QStringLiteral("no_such_network"));
    QVERIFY(window_->waitUntilIdle(30000));
    QCOMPARE(errors.size(), 2);
    QSignalSpy searched(window_.get(), &MainWindow::searchFinished);
    window_->startSearch();
    QVERIFY(window_->waitUntilIdle(60000));
    QCOMPARE(searched.size(), 1);
}

void TestGuiWindow::exportsAreValid() {
    QTemporaryDir dir;
    Exporter exporter(window_->document(), window_->dagView(), window_->timeline());
    for (const ExportKind& kind : exportKinds()) {
        const QString path = dir.filePath(QStringLiteral("out") + kind.suffix);
        QString error;
        const bool ok = exporter.write(kind.id, path, &error);
        if (!ok && error.contains(QStringLiteral("not available in this build"))) {
            qWarning("%s: %s", qPrintable(kind.id), qPrintable(error));
            continue;
        }
        QVERIFY2(ok, qPrintable(kind.id + QStringLiteral(": ") + error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        QVERIFY2(bytes.size() > 100, qPrintable(kind.id));
        if (path.endsWith(QLatin1String(".svg"))) {
            QXmlStreamReader xml(bytes);
            while (!xml.atEnd()) xml.readNext();
            QVERIFY2(!xml.hasError(), qPrintable(kind.id + xml.errorString()));
            QVERIFY(QSvgRenderer(bytes).isValid());
        } else if (path.endsWith(QLatin1String(".png"))) {
            QImage image;
            QVERIFY2(image.loadFromData(bytes, "PNG"), qPrintable(kind.id));
            QVERIFY(image.width() > 200 && image.height() > 100);
        } else if (path.endsWith(QLatin1String(".json"))) {
            QJsonParseError e;
            QJsonDocument::fromJson(bytes, &e);
            QVERIFY2(e.error == QJsonParseError::NoError, qPrintable(kind.id + e.errorString()));
        } else if (path.endsWith(QLatin1String(".pdf"))) {
            QVERIFY(bytes.startsWith("%PDF"));
        }
    }
    // A failed export leaves nothing behind and says why.
    QString error;
    QVERIFY(!exporter.write(QStringLiteral("report-png"), dir.filePath(QStringLiteral("missing/dir/r.png")),
                            &error));
    QVERIFY(!error.isEmpty());
}

// Inception V3 is seven times taller than wide: fitted into the report's width in one column its
// labels were 2 px tall. The report folds it into columns, cut between rows of nodes, at a scale
// where labels read; and the timeline's lane headers get the room their captions need.
void TestGuiWindow::reportDrawsTallDagLegibly() {
    widgets::DagView dag;
    dag.resize(800, 600);
    dag.setGraph(std::make_shared<const Graph>(loadModel("inception_v3")));
    QVERIFY(dag.waitForLayout());
    const QRectF all = dag.documentRect();
    QVERIFY(all.height() > 3 * all.width());
    const ReportWriter writer(window_->document(), &dag, window_->timeline());
    const double width = 1520; // the PNG report's section width
    const ReportWriter::DagFolding f = writer.foldDag(width, 3200, 0.85);
    QVERIFY(f.sources.size() >= 2);
    QVERIFY(f.sideBySide);
    // Labels stay legible (about 9 px or more at 0.75). The layout's extent differs a little between
    // builds: the TSan build folded Inception V3 at 0.789, the others above 0.8.
    QVERIFY2(f.scale >= 0.75, qPrintable(QString::number(f.scale)));
    // The old report: one column in a 900-unit section.
    QVERIFY(f.scale > 3 * std::min(width / all.width(), 900 / all.height()));
    QVERIFY(f.size.width() <= width + 0.5 && f.size.height() <= 3200 + 0.5);
    // The pieces cover the drawing and no cut crosses a node.
    QCOMPARE(f.sources.front().top(), all.top());
    QCOMPARE(f.sources.back().bottom(), all.bottom());
    for (size_t i = 1; i < f.sources.size(); ++i) {
        const double cut = f.sources[i].top();
        QCOMPARE(cut, f.sources[i - 1].bottom());
        for (OpId op = 0; op < dag.graph()->size(); ++op)
            if (const auto* item = dag.nodeItem(op)) {
                const QRectF r = item->sceneBoundingRect();
                QVERIFY2(r.bottom() <= cut || r.top() >= cut, qPrintable(QString::number(op)));
            }
    }
    // The report's PNG section is as tall as that folding needs.
    QVERIFY(writer.dagSectionHeight(width, 0.85, 3200) <= 3200);

    // Exported timelines give lane headers the room their captions need (the window caps them).
    const auto& lanes = window_->timeline()->lanes();
    QVERIFY(!lanes.empty());
    QFont small = QApplication::font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    const double header = widgets::timelineHeaderWidth(lanes, QApplication::font(), nullptr, 1600 * 0.3);
    for (const auto& lane : lanes) QVERIFY(QFontMetricsF(small).horizontalAdvance(lane.detail) + 8 <= header);
}

void TestGuiWindow::timelineShowsEveryLane() {
    // The timeline sits in a scroll area that can reach every lane: the widget is at least as
    // tall as its lanes need, and the scroll range covers the rest.
    widgets::TimelineView* timeline = window_->timeline();
    QVERIFY(!timeline->lanes().empty());
    auto* scroll = window_->findChild<QScrollArea*>(QStringLiteral("timelineScroll"));
    QVERIFY(scroll);
    QCOMPARE(scroll->widget(), timeline);
    QApplication::processEvents();
    QVERIFY(timeline->height() >= timeline->minimumHeight());
    const widgets::TimelineGeometry geo = timeline->laneGeometry();
    QVERIFY(geo.lanes.back().bottom() <= timeline->height() + 0.5);
    QVERIFY(scroll->verticalScrollBar()->maximum() + scroll->viewport()->height() >= timeline->height() - 1);
}

void TestGuiWindow::presentationModeEnlargesAndRestores() {
    const qreal normal = QApplication::font().pointSizeF();
    auto* widthDock = window_->findChild<QDockWidget*>(QStringLiteral("widthDock"));
    auto* timelineDock = window_->findChild<QDockWidget*>(QStringLiteral("timelineDock"));
    QVERIFY(widthDock && timelineDock && widthDock->isVisible());
    window_->setPresentationMode(true);
    QApplication::processEvents();
    // The search column can shrink to what presentation mode asks (a fifth of the screen, at
    // least 280 px): no panel tabbed with it needs more (the Compare dock's check box needed 512 px).
    for (const char* name : {"searchDock", "executionDock", "compareDock"}) {
        auto* dock = window_->findChild<QDockWidget*>(QLatin1String(name));
        QVERIFY(dock);
        QVERIFY2(dock->minimumSizeHint().width() <= 360,
                 qPrintable(QStringLiteral("%1 needs %2 px").arg(name).arg(dock->minimumSizeHint().width())));
    }
    QVERIFY(window_->presentationMode());
    QVERIFY(QApplication::font().pointSizeF() > normal * 1.5);
    QVERIFY(!widthDock->isVisible());
    QVERIFY(timelineDock->isVisible());
    window_->setPresentationMode(false);
    QApplication::processEvents();
    QCOMPARE(QApplication::font().pointSizeF(), normal);
    QVERIFY(widthDock->isVisible());
}

void TestGuiWindow::toolbarActionsHaveIconsAndShortcutTips() {
    auto* bar = window_->findChild<QToolBar*>(QStringLiteral("mainToolBar"));
    QVERIFY(bar);
    int withShortcut = 0;
    for (QAction* a : bar->actions()) {
        if (a->isSeparator()) continue;
        QVERIFY2(!a->icon().isNull(), qPrintable(a->text()));
        QVERIFY2(!a->iconText().isEmpty(), qPrintable(a->text()));
        if (!a->shortcut().isEmpty()) {
            ++withShortcut;
            QVERIFY2(a->toolTip().contains(a->shortcut().toString(QKeySequence::NativeText)),
                     qPrintable(a->toolTip()));
        }
    }
    QVERIFY(withShortcut >= 5);
    QCOMPARE(bar->toolButtonStyle(), Qt::ToolButtonTextBesideIcon);
}

void TestGuiWindow::cleanupTestCase() {
    window_.reset();
}

QTEST_MAIN(TestGuiWindow)
#include "tst_gui_window.moc"
