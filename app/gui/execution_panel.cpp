#include "execution_panel.h"

#include "bar_chart.h"
#include "document.h"
#include "execution_job.h"
#include "qt_text.h"
#include "timeline_view.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <initializer_list>

namespace ioscope::app {

ExecutionPanel::ExecutionPanel(Document* document, std::shared_ptr<GpuContext> gpuContext, QWidget* parent)
    : QWidget(parent), document_(document), gpu_(std::move(gpuContext)), job_(new ExecutionJob(this)) {
    const GpuStatus gpu = gpu_->status();
    available_ = gpu.available;
    reason_ = qs(gpu.reason);

    mode_ = new QComboBox(this);
    mode_->addItem(tr("CUDA graph replay"), int(ExecMode::Graph));
    mode_->addItem(tr("Stage by stage"), int(ExecMode::Stages));
    mode_->setToolTip(
        tr("graph: the stream/event structure captured once and replayed; stages: launched stage by "
           "stage with event barriers"));
    runs_ = new QSpinBox(this);
    runs_->setRange(5, 10000);
    runs_->setValue(100);
    runs_->setToolTip(tr("Timed runs per schedule (after 20 warm-up runs)"));
    execute_ = new QPushButton(tr("Execute on GPU"), this);
    execute_->setToolTip(
        tr("Run the newest IOS, wavefront and sequential schedules on the GPU and measure them"));
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setEnabled(false);
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 3);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    utilization_ = new QLabel(this);
    utilization_->setWordWrap(true);
    utilization_->setTextFormat(Qt::RichText);
    chart_ = new widgets::BarChart(this);
    chart_->setTitle(tr("Measured latency (median, p10–p90)"));
    kernels_ = new widgets::TimelineView(this);
    kernels_->setEmptyText(
        tr("No measured kernels yet: execute the schedules on a GPU to see their kernel timeline."));
    kernels_->setMinimumHeight(140);

    auto* form = new QFormLayout;
    form->addRow(tr("Mode"), mode_);
    form->addRow(tr("Runs"), runs_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(execute_);
    buttons->addWidget(cancel_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addWidget(chart_, 1);
    layout->addWidget(utilization_);
    auto* kernelsTitle = new QLabel(tr("<b>Measured kernel timeline</b>"), this);
    layout->addWidget(kernelsTitle);
    layout->addWidget(kernels_, 1);

    connect(execute_, &QPushButton::clicked, this, &ExecutionPanel::execute);
    connect(cancel_, &QPushButton::clicked, this, &ExecutionPanel::cancel);
    connect(job_, &ExecutionJob::runningChanged, this, [this](bool running) {
        execute_->setEnabled(!running && available_);
        cancel_->setEnabled(running);
    });
    connect(job_, &ExecutionJob::executed, this,
            [this](int runId, const ExecutionResult& r) { document_->setMeasured(runId, r); });
    connect(job_, &ExecutionJob::progressed, this, [this](int done, int total) {
        progress_->setRange(0, total);
        progress_->setValue(done);
    });
    connect(job_, &ExecutionJob::finished, this, [this] { status_->setText(tr("Executed.")); });
    connect(job_, &ExecutionJob::cancelled, this, [this] { status_->setText(tr("Cancelled.")); });
    connect(job_, &ExecutionJob::failed, this, [this](const QString& m) {
        status_->setText(tr("<b>GPU failure:</b> %1").arg(m.toHtmlEscaped()));
    });
    connect(document_, &Document::runsChanged, this, &ExecutionPanel::refresh);
    connect(document_, &Document::runUpdated, this, &ExecutionPanel::refresh);
    connect(document_, &Document::modelChanged, this, [this] {
        job_->cancel();
        kernels_->setGraph(document_->model().graph);
        refresh();
    });

    if (!available_) {
        // Nothing here can run: the controls grey out and the empty charts give the room to the
        // reason, which sits at the top.
        execute_->setEnabled(false);
        for (QWidget* w : std::initializer_list<QWidget*>{mode_, runs_, cancel_}) w->setEnabled(false);
        for (QWidget* w :
             std::initializer_list<QWidget*>{progress_, chart_, utilization_, kernelsTitle, kernels_})
            w->hide();
        layout->addStretch(1);
        // The runtime's reason reads as a clause ("the GPU runtime is absent: ..."): make it a
        // sentence and say what still works and what would enable the panel.
        QString reason = reason_.trimmed();
        if (!reason.isEmpty()) reason[0] = reason[0].toUpper();
        if (!reason.endsWith(QLatin1Char('.'))) reason += QLatin1Char('.');
        execute_->setToolTip(tr("GPU execution is unavailable. %1").arg(reason));
        status_->setText(tr("<b>GPU execution is unavailable.</b> %1<br>Search, predicted timelines and "
                            "exports work without a GPU; measuring schedules needs a CUDA build of "
                            "ioscope on a machine with an NVIDIA GPU.")
                             .arg(reason.toHtmlEscaped()));
    } else {
        status_->setText(tr("%1 · %2").arg(qs(gpu.device), qs(gpu.versions)));
    }
    refresh();
}

void ExecutionPanel::execute() {
    if (!available_ || !document_->hasModel()) return;
    std::vector<ExecutionJob::Item> items;
    for (SchedulerKind k : allSchedulerKinds())
        if (const ScheduleRun* r = document_->latestOf(k)) items.push_back({r->id, r->schedule});
    if (items.empty()) {
        status_->setText(tr("Run a search first."));
        return;
    }
    ExecutionOptions options;
    options.mode = ExecMode(mode_->currentData().toInt());
    options.runs = runs_->value();
    if (const ScheduleRun* r = document_->currentRun()) options.run = r->request.options.run;
    progress_->setRange(0, int(items.size()));
    progress_->setValue(0);
    status_->setText(
        tr("Executing %1…").arg(countOf(qsizetype(items.size()), tr("schedule"), tr("schedules"))));
    job_->start(document_->model().graph, std::move(items), options, gpu_);
}

void ExecutionPanel::cancel() {
    job_->cancel();
}

void ExecutionPanel::refresh() {
    QList<widgets::LatencyBar> bars;
    int baseline = -1;
    const ScheduleRun* detail = nullptr;
    for (SchedulerKind k : allSchedulerKinds()) {
        const ScheduleRun* r = document_->latestOf(k);
        if (!r || !r->measured) continue;
        if (k == SchedulerKind::Sequential) baseline = int(bars.size());
        bars.append({r->label(), r->measured->medianMs, r->measured->p10Ms, r->measured->p90Ms, QColor()});
        if (!detail) detail = r;
    }
    chart_->setBars(bars, baseline);
    QStringList lines;
    for (const ScheduleRun& r : document_->runs())
        if (r.measured)
            lines << tr("%1: busy %2%, mean concurrency %3, %4 kernels")
                         .arg(r.label())
                         .arg(r.measured->busyFraction * 100, 0, 'f', 1)
                         .arg(r.measured->meanConcurrency, 0, 'f', 2)
                         .arg(r.measured->kernels.size());
    utilization_->setText(lines.isEmpty() ? tr("<i>No measurements yet.</i>")
                                          : lines.join(QStringLiteral("<br>")));
    kernels_->clearLanes();
    if (detail && !detail->measured->kernels.empty())
        kernels_->addKernelLane(tr("%1 kernels").arg(detail->label()), detail->measured->kernels);
    kernels_->fitToWindow();
    execute_->setEnabled(available_ && !job_->isRunning() && document_->hasModel());
}

} // namespace ioscope::app
