// Width profile chart and latency bar chart: figures, rendering and exports.
#include "analysis/width.h"
#include "bar_chart.h"
#include "models/model_registry.h"
#include "selection_model.h"
#include "test_graphs.h"
#include "width_chart.h"

#include <QFontMetricsF>
#include <QImage>
#include <QPainter>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>

using namespace ioscope;
using namespace ioscope::widgets;

namespace {
void screenshot(QWidget* w, const QString& name) {
    const QByteArray dir = qgetenv("IOSCOPE_SCREENSHOT_DIR");
    if (!dir.isEmpty()) w->grab().save(QString::fromLocal8Bit(dir) + "/" + name + ".png");
}
} // namespace

class TestCharts : public QObject {
    Q_OBJECT

  private slots:
    void widthChart() {
        Graph g = testgraphs::diamond();
        try {
            g = loadModel("nasnet");
        } catch (const std::exception&) {
        }
        const std::vector<int> profile = widthProfile(g);
        const int width = maximumAntichain(g).width;
        WidthChart chart;
        chart.resize(420, 150);
        chart.setProfile(profile, width);
        const int peak = chart.maxLevel();
        QVERIFY(peak >= 0);
        QCOMPARE(profile[static_cast<size_t>(peak)], *std::max_element(profile.begin(), profile.end()));
        QVERIFY(width >= profile[static_cast<size_t>(peak)]); // no level is wider than the width
        QTemporaryDir dir;
        QString error;
        QVERIFY2(chart.exportPng(dir.filePath("w.png"), 2.0, &error), qPrintable(error));
        QVERIFY2(chart.exportSvg(dir.filePath("w.svg"), &error), qPrintable(error));
        QCOMPARE(QImage(dir.filePath("w.png")).size(), QSize(840, 300));
        QVERIFY(QSvgRenderer(dir.filePath("w.svg")).isValid());
        screenshot(&chart, "width_chart");

        // The analysis with each op's level: the same figures, plus each level's ops for selection.
        SelectionModel selection;
        WidthChart linked;
        linked.resize(420, 150);
        linked.setAnalysis(widthProfile(g), maximumAntichain(g).width, unitLevels(g));
        linked.setSelectionModel(&selection);
        QCOMPARE(linked.profile(), profile);
        QCOMPARE(linked.antichainWidth(), width);
        for (size_t i = 0; i < profile.size(); ++i)
            QCOMPARE(static_cast<int>(linked.levelOps(static_cast<int>(i)).size()), profile[i]);
        linked.show();
        QVERIFY(QTest::qWaitForWindowExposed(&linked));
        QSignalSpy clicked(&linked, &WidthChart::levelClicked);
        QTest::mouseClick(&linked, Qt::LeftButton, {}, QPoint(31, 100)); // the first bar
        QCOMPARE(clicked.count(), 1);
        QCOMPARE(clicked.first().at(0).toInt(), 0);
        QCOMPARE(selection.selectedList(), linked.levelOps(0));
        // From an analysis made elsewhere (the explorer's load job): the same chart.
        WidthChart given;
        given.setAnalysis(profile, width, unitLevels(g));
        QCOMPARE(given.profile(), linked.profile());
        QCOMPARE(given.antichainWidth(), width);
        for (size_t i = 0; i < profile.size(); ++i)
            QCOMPARE(given.levelOps(static_cast<int>(i)), linked.levelOps(static_cast<int>(i)));
        WidthChart empty;
        QVERIFY(empty.maxLevel() == -1);
        QVERIFY(!empty.grab().isNull());
    }

    // The labels sit above the bars: never over a bar (the last level as wide as the width put
    // "width (max antichain)" on the last bar), never over each other, inside the chart, in the
    // widget's font and in a report's larger one.
    void widthChartLabelsClearOfBars() {
        const std::vector<std::vector<int>> profiles = {
            {1, 2, 3, 6},             // the last level is the widest and reaches the width line
            {1, 4, 1, 2, 4, 6, 6, 6}, // wide levels at the right end, under the width label
            {6, 1, 1, 1, 1, 1, 1, 1}, // the widest level at the left end
            {1, 1, 1, 1, 1, 1, 1, 9}, // the widest at the right end, where the width label goes
            {3}};
        QFont big;
        big.setPointSizeF(14);
        big.setBold(true);
        for (const QFont& font : {QFont(), big})
            for (const QSize size : {QSize(420, 150), QSize(240, 90), QSize(1520, 172)})
                for (const auto& profile : profiles) {
                    WidthChart chart;
                    chart.setProfile(profile, *std::max_element(profile.begin(), profile.end()));
                    const WidthChart::Layout l = chart.chartLayout(size, font);
                    const QRectF whole(QPointF(0, 0), size);
                    QCOMPARE(l.bars.size(), profile.size());
                    QVERIFY(l.widthLabel.isValid());
                    QVERIFY(whole.contains(l.widthLabel));
                    QVERIFY(l.widthLabel.height() >= QFontMetricsF(font).height() * 0.8);
                    for (const QRectF& bar : l.bars) {
                        QVERIFY(!bar.intersects(l.widthLabel));
                        QVERIFY(l.peakText.isEmpty() || !bar.intersects(l.peakLabel));
                    }
                    if (!l.peakText.isEmpty()) {
                        QVERIFY(whole.contains(l.peakLabel));
                        QVERIFY(!l.peakLabel.intersects(l.widthLabel));
                    }
                    QImage image(size, QImage::Format_ARGB32);
                    QPainter p(&image);
                    p.setFont(font);
                    chart.paintChart(p, QSizeF(size));
                }
    }

    void barChart() {
        BarChart chart;
        chart.resize(520, 140);
        chart.setTitle("Inception V3, batch 1 (example figures)");
        chart.setBars(
            {{"sequential", 4.0, 3.9, 4.2, {}}, {"wavefront", 3.2, 3.1, 3.4, {}}, {"IOS", 2.5, 2.4, 2.7, {}}},
            0);
        QCOMPARE(chart.speedup(0), 1.0);
        QCOMPARE(chart.speedup(2), 1.6);
        QCOMPARE(chart.speedup(7), 0.0);
        QTemporaryDir dir;
        QString error;
        QVERIFY2(chart.exportPng(dir.filePath("b.png"), 1.0, &error), qPrintable(error));
        QVERIFY(!QImage(dir.filePath("b.png")).isNull());
        QVERIFY2(chart.exportSvg(dir.filePath("b.svg"), &error), qPrintable(error));
        QVERIFY(QSvgRenderer(dir.filePath("b.svg")).isValid());
        screenshot(&chart, "bar_chart");
    }
};

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
