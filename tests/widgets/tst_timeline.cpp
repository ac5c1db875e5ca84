// Timeline: the time<->pixel mapping value type, lanes built from schedules and kernel
// records, the playhead, clicks selecting ops, exports, and a screenshot of real schedules.
#include "cost/cost_factory.h"
#include "models/model_registry.h"
#include "models/model_spec.h"
#include "op_labels.h"
#include "sched/scheduler.h"
#include "selection_model.h"
#include "test_graphs.h"
#include "timeline_painter.h"
#include "timeline_view.h"
#include "util/errors.h"

#include <QFile>
#include <QFontMetricsF>
#include <QImage>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>

using namespace ioscope;
using namespace ioscope::widgets;

namespace {

Schedule irregular(const Graph& g) {
    Schedule s;
    s.stages.push_back({Strategy::Merge, {{g.find("branch_a"), g.find("branch_b")}}});
    s.stages.push_back({Strategy::Concurrent, {{g.find("pool"), g.find("branch_c")}}});
    s.stages.push_back({Strategy::Concurrent, {{g.find("concat"), g.find("head")}}});
    return s;
}

// Collects the Qt warnings printed while it lives (the SVG generator reports what it cannot write).
class WarningCatcher {
  public:
    WarningCatcher() { previous_ = qInstallMessageHandler(&WarningCatcher::handle); }
    ~WarningCatcher() { qInstallMessageHandler(previous_); }
    static QStringList& caught() {
        static QStringList list;
        return list;
    }

  private:
    static void handle(QtMsgType type, const QMessageLogContext&, const QString& message) {
        if (type != QtDebugMsg && type != QtInfoMsg) caught() << message;
    }
    QtMessageHandler previous_ = nullptr;
};

// A lane of `rows` concurrent single-op groups in one stage (no graph needed).
TimelineLane wideLane(const QString& name, int rows) {
    TimelineLane lane;
    lane.name = name;
    lane.subLanes = rows;
    lane.durationMs = 1;
    lane.stages.push_back({0, 0, 1, Strategy::Concurrent, rows});
    for (int r = 0; r < rows; ++r) {
        TimelineBox box;
        box.subLane = r;
        box.startMs = 0;
        box.endMs = 1;
        box.stage = 0;
        box.merged = r % 2 == 0;
        box.label = QStringLiteral("op %1").arg(r);
        box.color = QColor(0x4f, 0xc3, 0xf7);
        lane.boxes.push_back(box);
    }
    return lane;
}

} // namespace

class TestTimeline : public QObject {
    Q_OBJECT

  private slots:
    void mappingRoundTrip() {
        TimelineMapping m(12.5, 800, 0);
        QCOMPARE(m.toPixel(0), 0.0);
        QCOMPARE(m.toPixel(12.5), 800.0);
        for (double ms : {0.0, 0.001, 3.3, 7.77, 12.5}) QVERIFY(std::abs(m.toMs(m.toPixel(ms)) - ms) < 1e-9);
        m.zoomAt(4, 200); // the time under the anchor stays put
        const double before = TimelineMapping(12.5, 800).toMs(200);
        QVERIFY(std::abs(m.toMs(200) - before) < 1e-9);
        QVERIFY(std::abs(m.visibleSpanMs() - 12.5 / 4) < 1e-9);
        for (double px : {0.0, 13.0, 799.0}) QVERIFY(std::abs(m.toPixel(m.toMs(px)) - px) < 1e-6);
        m.scrollByPixels(1e6); // clamped to the end
        QVERIFY(std::abs(m.endMs() - 12.5) < 1e-9);
        m.scrollByPixels(-1e6);
        QCOMPARE(m.startMs(), 0.0);
        m.setPixelsPerMs(1e-9); // cannot zoom out past "fit"
        QVERIFY(std::abs(m.visibleSpanMs() - 12.5) < 1e-9);
        m.zoomAt(10, 400);
        m.ensureVisible(12.0);
        QVERIFY(m.startMs() <= 12.0 && m.endMs() >= 12.0);
        TimelineMapping margin(10, 500, 100);
        QCOMPARE(margin.toPixel(0), 100.0);
        QCOMPARE(margin.toPixel(10), 500.0);
    }

    void niceSteps() {
        QCOMPARE(TimelineMapping::niceStep(0.7), 1.0);
        QCOMPARE(TimelineMapping::niceStep(1.0), 1.0);
        QCOMPARE(TimelineMapping::niceStep(1.2), 2.0);
        QCOMPARE(TimelineMapping::niceStep(3), 5.0);
        QCOMPARE(TimelineMapping::niceStep(6), 10.0);
        QVERIFY(std::abs(TimelineMapping::niceStep(0.013) - 0.02) < 1e-12);
        QCOMPARE(TimelineMapping::niceStep(0), 1.0);
        QCOMPARE(TimelineMapping::formatTime(1.5, 0.5), QString("1.5 ms"));
        QCOMPARE(TimelineMapping::formatTime(0.25, 0.05), QString::fromUtf8("250 µs"));
        QCOMPARE(TimelineMapping::formatTime(2000, 1000), QString("2 s"));
        QCOMPARE(TimelineMapping::formatTime(4, 2), QString("4 ms"));
    }

    void ticks() {
        TimelineMapping m(7.3, 1000);
        const auto ticks = m.ticks(80);
        QVERIFY(!ticks.empty());
        std::vector<double> majors;
        for (const auto& t : ticks) {
            QVERIFY(t.ms >= 0 && t.ms <= 7.3 + 1e-9);
            QVERIFY(std::abs(t.px - m.toPixel(t.ms)) < 1e-9);
            if (t.major) {
                QVERIFY(!t.label.isEmpty());
                majors.push_back(t.ms);
            }
        }
        QVERIFY(majors.size() >= 2);
        const double step = majors[1] - majors[0];
        QVERIFY(step * m.pixelsPerMs() >= 80 - 1e-6);
        QVERIFY(std::abs(TimelineMapping::niceStep(step) - step) < 1e-9); // a 1-2-5 step
        QCOMPARE(ticks.front().label, QString("0 ms"));
        m.zoomAt(100, 500);
        for (const auto& t : m.ticks(80)) QVERIFY(t.ms >= m.startMs() - 1e-9 && t.ms <= m.endMs() + 1e-9);
    }

    void scheduleLanes() {
        const Graph g = testgraphs::diamond();
        const TimelineLane lane = scheduleLane(g, irregular(g), {1.0, 0.5, 0.25}, "IOS");
        QCOMPARE(lane.stages.size(), size_t(3));
        QCOMPARE(lane.durationMs, 1.75);
        QCOMPARE(lane.boxes.size(), g.units().size());
        QCOMPARE(lane.subLanes, 2); // the merge stage shows its two convs side by side
        for (const auto& box : lane.boxes) {
            const auto& band = lane.stages[static_cast<size_t>(box.stage)];
            QVERIFY(box.startMs >= band.startMs - 1e-12 && box.endMs <= band.endMs + 1e-12);
            QCOMPARE(box.merged, box.stage == 0);
        }
        // A chain splits its stage by FLOPs: the conv gets far more than the pool before it.
        const auto find = [&](const char* name) {
            return *std::find_if(lane.boxes.begin(), lane.boxes.end(),
                                 [&](auto& b) { return b.op == g.find(name); });
        };
        QCOMPARE(find("pool").startMs, 1.0);
        QCOMPARE(find("branch_c").endMs, 1.5);
        QCOMPARE(find("pool").endMs, find("branch_c").startMs);
        QVERIFY_THROWS_EXCEPTION(InputError, scheduleLane(g, irregular(g), {1.0}, "bad"));
        const std::vector<double> times = opTimes(lane, g.size());
        QVERIFY(std::isnan(times[static_cast<size_t>(g.find("input"))]));
        QCOMPARE(times[static_cast<size_t>(g.find("branch_a"))], 1.0);
        QCOMPARE(times[static_cast<size_t>(g.find("pool"))] + times[static_cast<size_t>(g.find("branch_c"))],
                 0.5);
    }

    void labelsKeepTheTellingPart() {
        // ONNX paths: the block shared by a stage goes, the trailing op type goes, a segment
        // that only repeats the next one's start goes; the op's own name stays.
        const QStringList onnx = {"/inception3a/branch1/conv/Conv",
                                  "/inception3a/branch2/branch2.1/conv/Conv",
                                  "/inception3a/branch4/branch4.0/MaxPool"};
        const QString prefix = commonNamePrefix(onnx);
        QCOMPARE(prefix, QString("/inception3a/"));
        QCOMPARE(tellingOpLabel(onnx[0], prefix), QString("branch1/conv"));
        QCOMPARE(tellingOpLabel(onnx[1], prefix), QString("branch2.1/conv"));
        QCOMPARE(tellingOpLabel(onnx[2], prefix), QString("branch4.0"));
        QCOMPARE(tellingOpLabel("/inception3a/Concat", {}), QString("inception3a")); // a concat alone
        QCOMPARE(tellingOpLabel("/Flatten", {}), QString("Flatten"));                // never empty
        // Bundled names: the block goes, the op keeps its name.
        QCOMPARE(commonNamePrefix({"mixed_6b/7x7dbl_2", "mixed_6b/pool"}), QString("mixed_6b/"));
        QCOMPARE(tellingOpLabel("mixed_6b/7x7dbl_2", "mixed_6b/"), QString("7x7dbl_2"));
        QCOMPARE(commonNamePrefix({"conv2d_1"}), QString()); // one name has no common prefix
        QCOMPARE(commonNamePrefix({"a/x", "b/x"}), QString());
        // The most complete candidate that fits; else the short one elided at its end.
        QFont font;
        font.setPixelSize(12);
        const QFontMetricsF fm(font);
        const QStringList candidates = {"/inception3a/branch2/branch2.1/conv/Conv", "branch2.1/conv"};
        QCOMPARE(fittedLabel(candidates, fm, 1000), candidates[0]); // zoomed in: the full name
        QCOMPARE(fittedLabel(candidates, fm, fm.horizontalAdvance("branch2.1/conv") + 1), candidates[1]);
        const QString narrow = fittedLabel(candidates, fm, fm.horizontalAdvance("branch2"));
        QVERIFY2(narrow.startsWith("bra") && narrow.endsWith(QChar(0x2026)), qPrintable(narrow));
    }

    void laneLabelsDropTheStageBlock() {
        const Graph g = loadModel("inception_v3");
        const Schedule s = wavefrontSchedule(g, 10);
        const auto cost = makeCostModel("sim:H100", {});
        const TimelineLane lane = scheduleLane(g, s, stageLatenciesMs(g, s.stages, *cost, {}), "Wavefront");
        int shortened = 0;
        for (const auto& box : lane.boxes) {
            QVERIFY(!box.shortLabel.isEmpty());
            QVERIFY2(box.label.endsWith(box.shortLabel.section('/', -1)), qPrintable(box.label));
            if (box.shortLabel.size() < box.label.size()) ++shortened;
        }
        QVERIFY(shortened > int(lane.boxes.size()) / 2); // most boxes sit with their block
    }

    // Ensembles: every op name starts with its member's ("squeezenet#2/fire8/sum"), so boxes read
    // "squ…" (seen under Xvfb). A box names the member by a short tag, then the op's own part;
    // a narrow one keeps the op's own part.
    void ensembleLabelsNameMemberAndOp() {
        QCOMPARE(memberTags({"inception_v3", "resnet50", "squeezenet"}), QStringList({"inc", "res", "squ"}));
        QCOMPARE(memberTags({"squeezenet", "squeezenet#2"}), QStringList({"squ", "squ#2"}));
        QCOMPARE(memberTags({"resnet18", "resnet50", "resnet"}),
                 QStringList({"resnet1", "resnet5", "resnet"}));
        QCOMPARE(withoutMemberPrefix("squeezenet#2/fire8/sum", "squeezenet#2"), QString("fire8/sum"));
        QCOMPARE(withoutMemberPrefix("squeezenet#2/fire8/sum", "squeezenet"),
                 QString("squeezenet#2/fire8/sum"));

        const Graph g = loadModelSpec("squeezenet+squeezenet");
        QCOMPARE(g.members().size(), size_t(2));
        const Schedule s = wavefrontSchedule(g, 10);
        const auto cost = makeCostModel("sim:H100", {});
        const TimelineLane lane = scheduleLane(g, s, stageLatenciesMs(g, s.stages, *cost, {}), "Wavefront");
        QFont font;
        font.setPixelSize(12);
        const QFontMetricsF fm(font);
        int second = 0;
        for (const auto& box : lane.boxes) {
            const Op& op = g.op(box.op);
            QVERIFY(op.member >= 0);
            const QString tag = op.member == 0 ? "squ:" : "squ#2:";
            QVERIFY2(box.shortLabel.startsWith(tag), qPrintable(box.shortLabel));
            QCOMPARE(box.shortLabel, tag + box.ownLabel);
            QVERIFY2(!box.ownLabel.startsWith("squeezenet"), qPrintable(box.ownLabel));
            QVERIFY2(box.label.endsWith(box.ownLabel.section('/', -1)), qPrintable(box.label));
            if (op.member == 1) ++second;
            // Room for the op's own name only: that, not the member's first letters.
            const QStringList candidates{box.wholeLabel, box.shortLabel, box.ownLabel};
            QCOMPARE(fittedLabel(candidates, fm, fm.horizontalAdvance(box.ownLabel) + 1), box.ownLabel);
            QCOMPARE(fittedLabel(candidates, fm, fm.horizontalAdvance(box.shortLabel) + 1), box.shortLabel);
        }
        QCOMPARE(second, 50);
        const auto fire = std::find_if(lane.boxes.begin(), lane.boxes.end(), [&](const TimelineBox& b) {
            return g.op(b.op).name == "squeezenet#2/fire8/squeeze1x1";
        });
        QVERIFY(fire != lane.boxes.end());
        QVERIFY2(fire->shortLabel.startsWith("squ#2:") && fire->shortLabel.endsWith("squeeze1x1"),
                 qPrintable(fire->shortLabel));

        // Not an ensemble: no member tags.
        const Graph one = loadModel("squeezenet");
        const Schedule w = wavefrontSchedule(one, 10);
        for (const auto& box : scheduleLane(one, w, stageLatenciesMs(one, w.stages, *cost, {}), "W").boxes)
            QVERIFY(box.ownLabel.isEmpty());
    }

    // Zoomed in, a box shows the whole name as the DAG titles it: a GoogLeNet export's
    // "/inception3b/branch1/conv/Conv" beside "branch2.1/conv" read as noise (seen under Xvfb).
    void zoomedInLabelsAreTheDagTitles() {
#ifndef IOSCOPE_HAVE_ONNX
        QSKIP("built without ONNX import");
#endif
        const Graph g = loadModel(IOSCOPE_TEST_DATA "/zoo/googlenet.onnx");
        const Schedule s = wavefrontSchedule(g, 10);
        const auto cost = makeCostModel("sim:H100", {});
        const TimelineLane lane = scheduleLane(g, s, stageLatenciesMs(g, s.stages, *cost, {}), "Wavefront");
        int rooted = 0;
        for (const auto& box : lane.boxes) {
            QCOMPARE(box.wholeLabel, tellingOpLabel(box.label, {}));
            QVERIFY2(!box.wholeLabel.startsWith('/') && !box.wholeLabel.endsWith("/Conv"),
                     qPrintable(box.wholeLabel));
            QVERIFY(box.wholeLabel.size() >= box.shortLabel.size());
            if (box.label.startsWith('/')) ++rooted;
        }
        QVERIFY(rooted > 0); // the export's own names, not the bundled network's
        const TimelineLane kernels = kernelLane({{"implicit_gemm", 0.0, 0.4, 7, 0}}, "measured");
        QCOMPARE(kernels.boxes.front().wholeLabel, QString("implicit_gemm"));
    }

    void kernelLanes() {
        std::vector<KernelRecord> kernels = {
            {"implicit_gemm", 0.0, 0.4, 7, 0}, {"winograd", 0.1, 0.3, 9, 0}, {"pool_fw", 0.45, 0.5, 7, 1}};
        const TimelineLane lane = kernelLane(kernels, "measured");
        QVERIFY(lane.measured);
        QCOMPARE(lane.subLanes, 2);
        QCOMPARE(lane.durationMs, 0.5);
        QCOMPARE(lane.stages.size(), size_t(2));
        QCOMPARE(lane.stages[0].endMs, 0.4);

        // Drawn under a schedule lane (test fixture records, not measurements).
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        TimelineView view;
        view.resize(700, 200);
        view.setGraph(g);
        view.addScheduleLane("IOS", irregular(*g), {0.2, 0.15, 0.15});
        QCOMPARE(view.addKernelLane("kernels", kernels), 1);
        view.setPlayheadMs(0.2);
        QCOMPARE(view.runningOps(1).size(), 0); // kernels are not ops
        const QByteArray shots = qgetenv("IOSCOPE_SCREENSHOT_DIR");
        if (!shots.isEmpty()) view.grab().save(QString::fromLocal8Bit(shots) + "/timeline_kernels.png");
    }

    // Synthetic records with the op each kernel ran for (KernelRecord::op): clicking a kernel
    // selects its op, selecting an op outlines its kernels, and per-op times add up kernels.
    void kernelsLinkToOps() {
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        const OpId a = g->find("branch_a"), c = g->find("branch_c");
        QVERIFY(a >= 0 && c >= 0);
        std::vector<KernelRecord> kernels = {{"implicit_gemm", 0.0, 0.4, 7, 0, a},
                                             {"bias_relu", 0.4, 0.5, 7, 0, a},
                                             {"winograd", 0.1, 0.3, 9, 0, c},
                                             {"memcpy", 0.5, 0.6, 7, 1}}; // no op recorded
        const TimelineLane lane = kernelLane(kernels, "measured");
        QCOMPARE(lane.boxes[0].op, a);
        QCOMPARE(lane.boxes[3].op, OpId(-1));

        const std::vector<double> perOp = kernelOpTimes(kernels, g->size());
        QVERIFY(std::abs(perOp[size_t(a)] - 0.5) < 1e-12); // 0.4 + 0.1
        QVERIFY(std::abs(perOp[size_t(c)] - 0.2) < 1e-12);
        QVERIFY(std::isnan(perOp[size_t(g->find("head"))]));

        SelectionModel selection;
        TimelineView view;
        view.resize(700, 200);
        view.setSelectionModel(&selection);
        view.setGraph(g);
        view.addKernelLane("kernels", kernels);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QRectF winograd =
            timelineBoxRect(view.laneGeometry(), view.mapping(), 0, view.lanes()[0].boxes[2]);
        QTest::mouseClick(&view, Qt::LeftButton, {}, winograd.center().toPoint());
        QCOMPARE(selection.currentOp(), c);
        selection.selectOp(a);
        QCOMPARE(view.highlightedOps(), QList<OpId>{a}); // both of a's kernels are outlined
        const QRectF gemm = timelineBoxRect(view.laneGeometry(), view.mapping(), 0, view.lanes()[0].boxes[0]);
        QCOMPARE(view.boxAt(gemm.center()), std::make_pair(0, 0));
    }

    void playheadAndSteps() {
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        TimelineView view;
        view.resize(800, 200);
        view.setGraph(g);
        view.addScheduleLane("IOS", irregular(*g), {1.0, 0.5, 0.25});
        view.addScheduleLane("sequential", sequentialSchedule(*g),
                             std::vector<double>(g->units().size(), 0.5));
        QCOMPARE(view.durationMs(), 3.0);
        QSignalSpy running(&view, &TimelineView::runningOpsChanged);
        view.setPlayheadMs(0.5);
        QCOMPARE(view.runningOps(0), (QList<OpId>{g->find("branch_a"), g->find("branch_b")}));
        QCOMPARE(view.runningOps(1).size(), 1);
        QCOMPARE(running.count(), 0); // the same ops already ran at 0: no change to report
        view.stepNextStage();
        QCOMPARE(view.playheadMs(), 1.0);
        QCOMPARE(running.count(), 1);
        QCOMPARE(running.last().at(0).value<QList<OpId>>(), QList<OpId>{g->find("pool")});
        QCOMPARE(view.stageAt(0, view.playheadMs()), 1);
        QCOMPARE(view.runningOps(0), QList<OpId>{g->find("pool")});
        view.stepNextStage();
        view.stepNextStage(); // past the last stage: the end
        QCOMPARE(view.playheadMs(), 3.0);
        view.stepPreviousStage();
        QCOMPARE(view.playheadMs(), 1.5);
        view.setActiveLane(1);
        view.stepPreviousStage();
        QCOMPARE(view.playheadMs(), 1.0);
        // Playing moves the playhead forward and stops at the end.
        view.setPlaybackSeconds(0.5);
        view.setSpeed(4);
        QSignalSpy playing(&view, &TimelineView::playingChanged);
        view.play();
        QVERIFY(view.isPlaying());
        QTRY_VERIFY_WITH_TIMEOUT(!view.isPlaying(), 5000);
        QCOMPARE(view.playheadMs(), 3.0);
        QCOMPARE(playing.count(), 2);
    }

    void sharedSelectionMayGoFirst() {
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        auto* selection = new SelectionModel;
        TimelineView view;
        view.setGraph(g);
        view.setSelectionModel(selection);
        view.addScheduleLane("IOS", irregular(*g), {1.0, 0.5, 0.25});
        selection->selectOp(g->find("head"));
        delete selection; // window teardown order: the view falls back to its own selection
        QVERIFY(view.selectionModel() != nullptr);
        QVERIFY(view.highlightedOps().isEmpty());
        QVERIFY(!view.grab().isNull());
        // The header column grows to fit long lane names.
        const double header = view.mapping().leftMargin();
        view.addScheduleLane("IOS, r=3 s=8, sim:H100, batch 1, fp32 · 1.342 ms", irregular(*g),
                             {1.0, 0.5, 0.25});
        QVERIFY(view.mapping().leftMargin() > header);
    }

    void clickingABoxSelectsItsOp() {
        auto g = std::make_shared<const Graph>(testgraphs::diamond());
        SelectionModel selection;
        TimelineView view;
        view.setSelectionModel(&selection);
        view.resize(900, 200);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setGraph(g);
        view.addScheduleLane("IOS", irregular(*g), {1.0, 0.5, 0.25});
        const TimelineGeometry geo = view.laneGeometry();
        const TimelineBox& box = view.lanes()[0].boxes.back(); // "head"
        const QRectF r = timelineBoxRect(geo, view.mapping(), 0, box);
        QCOMPARE(view.boxAt(r.center()).first, 0);
        QSignalSpy changed(&selection, &SelectionModel::selectionChanged);
        QTest::mouseClick(&view, Qt::LeftButton, {}, r.center().toPoint());
        QCOMPARE(changed.count(), 1);
        QCOMPARE(selection.currentOp(), g->find("head"));
        QCOMPARE(view.highlightedOps(), QList<OpId>{g->find("head")});
        // Clicking the axis moves the playhead there.
        QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(static_cast<int>(r.center().x()), 10));
        QVERIFY(std::abs(view.playheadMs() - (box.startMs + box.endMs) / 2) < 0.02);
    }

    void everyLaneFitsOrScrolls() {
        // NasNet-like: many groups in two lanes, one row in the last. The view asks for a height
        // that shows all lanes (a QScrollArea host scrolls to it), and at that height no lane is
        // cut and the one-row lane still has room for its two header lines.
        TimelineView view;
        view.addLane(wideLane("IOS", 12));
        view.addLane(wideLane("wavefront", 20));
        view.addLane(wideLane("sequential", 1));
        const int minimum = view.minimumHeight();
        QCOMPARE(view.minimumSizeHint().height(), minimum);
        QVERIFY(minimum >= 33 * kTimelineMinRowHeight + kTimelineAxisHeight);
        const double laneMin = timelineMinLaneHeight(view.font());
        for (int height : {minimum, minimum + 150, 900}) {
            view.resize(800, height);
            const TimelineGeometry geo = view.laneGeometry();
            QCOMPARE(geo.lanes.size(), size_t(3));
            QVERIFY2(geo.lanes.back().bottom() <= height + 0.5, qPrintable(QString::number(height)));
            QVERIFY(geo.rowHeight >= kTimelineMinRowHeight - 1e-6);
            QVERIFY(geo.lanes.back().height() >= laneMin);
            for (size_t li = 0; li < geo.lanes.size(); ++li) {
                const TimelineBox& last = view.lanes()[li].boxes.back();
                QVERIFY(timelineBoxRect(geo, view.mapping(), int(li), last).bottom() <=
                        geo.lanes[li].bottom());
            }
        }
        // The minimum grows with the lanes and the font (presentation mode).
        view.addLane(wideLane("measured", 6));
        QVERIFY(view.minimumHeight() > minimum);
        const int beforeFont = view.minimumHeight();
        QFont big = view.font();
        big.setPointSizeF(big.pointSizeF() * 2.5);
        view.setFont(big);
        QVERIFY(view.minimumHeight() >= beforeFont);
    }

    void svgExportOfMergedBoxesIsWarningFree() {
        TimelineView view;
        view.resize(900, 300);
        view.addLane(wideLane("merged", 4));
        QTemporaryDir dir;
        QString error;
        WarningCatcher::caught().clear();
        {
            WarningCatcher catcher;
            QVERIFY2(view.exportSvg(dir.filePath("m.svg"), {}, &error), qPrintable(error));
        }
        QVERIFY2(WarningCatcher::caught().isEmpty(), qPrintable(WarningCatcher::caught().join('\n')));
        QFile file(dir.filePath("m.svg"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray svg = file.readAll();
        QVERIFY(!svg.contains("fillpattern"));
        QVERIFY(QSvgRenderer(svg).isValid());
    }

    void exportsAndScreenshot() {
        std::shared_ptr<const Graph> g;
        try {
            g = std::make_shared<const Graph>(loadModel("inception_v3"));
        } catch (const std::exception&) {
            g = std::make_shared<const Graph>(testgraphs::randomDag(60, 2));
        }
        auto cost = makeCostModel("sim:H100", RunConfig{});
        SchedulerOptions options;
        const Schedule ios = iosSchedule(*g, *cost, options).schedule;
        const Schedule wave = wavefrontSchedule(*g);
        const Schedule seq = sequentialSchedule(*g);
        auto latencies = [&](const Schedule& s) {
            std::vector<double> v;
            for (const Stage& st : s.stages) v.push_back(cost->stageLatencyMs(*g, st, RunConfig{}));
            return v;
        };
        SelectionModel selection;
        TimelineView view;
        view.setSelectionModel(&selection);
        view.resize(1400, 420);
        view.setGraph(g);
        view.addScheduleLane("IOS", ios, latencies(ios));
        view.addScheduleLane("wavefront", wave, latencies(wave));
        view.addScheduleLane("sequential", seq, latencies(seq));
        view.setPlayheadMs(view.lanes()[0].durationMs * 0.4);
        selection.selectOp(g->units()[g->units().size() / 2]);
        QTemporaryDir dir;
        QString error;
        QVERIFY2(view.exportSvg(dir.filePath("t.svg"), {}, &error), qPrintable(error));
        QVERIFY2(view.exportPng(dir.filePath("t.png"), {}, 1.0, &error), qPrintable(error));
        QVERIFY(QSvgRenderer(dir.filePath("t.svg")).isValid());
        const QImage image(dir.filePath("t.png"));
        QCOMPARE(image.width(), 1600);
        const QByteArray shots = qgetenv("IOSCOPE_SCREENSHOT_DIR");
        if (!shots.isEmpty()) {
            view.grab().save(QString::fromLocal8Bit(shots) + "/timeline.png");
            view.mapping(); // zoomed-in view of the start too
            view.zoomBy(8);
            view.grab().save(QString::fromLocal8Bit(shots) + "/timeline_zoom.png");
        }
    }
};

QTEST_MAIN(TestTimeline)
#include "tst_timeline.moc"
