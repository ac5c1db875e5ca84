// The main window, offscreen, on a real network: views filled, one selection shared by the
// schedule table and the other views, bad files give an error and leave the window usable,
// every export writes a valid file.
#include "dag_view.h"
#include "document.h"
#include "exporter.h"
#include "main_window.h"
#include "op_properties_model.h"
#include "schedule_tree_model.h"
#include "search_job.h"
#include "selection_model.h"
#include "timeline_view.h"

#include <QImage>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSvgRenderer>
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

void TestGuiWindow::cleanupTestCase() {
    window_.reset();
}

QTEST_MAIN(TestGuiWindow)
#include "tst_gui_window.moc"
