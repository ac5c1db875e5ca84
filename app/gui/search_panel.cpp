#include "search_panel.h"

#include "gpu/gpu_execution.h"
#include "qt_text.h"
#include "run_table_model.h"
#include "search_job.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace ioscope::app {

SearchPanel::SearchPanel(RunTableModel* runs, GpuContext& gpuContext, QWidget* parent)
    : QWidget(parent), runs_(runs) {
    scheduler_ = new QComboBox(this);
    scheduler_->addItem(tr("IOS (dynamic program)"), QStringLiteral("ios"));
    scheduler_->addItem(tr("Wavefront"), QStringLiteral("wavefront"));
    scheduler_->addItem(tr("Sequential"), QStringLiteral("sequential"));
    scheduler_->addItem(tr("Nimble (stream path cover)"), QStringLiteral("nimble"));
    scheduler_->addItem(tr("LIOS (latency list scheduling)"), QStringLiteral("lios"));
    scheduler_->addItem(tr("Opara (resource-aware launch order)"), QStringLiteral("opara"));
    scheduler_->addItem(tr("HIOS (longest-path streams)"), QStringLiteral("hios"));
    scheduler_->setToolTip(tr("IOS searches stages with the dynamic program; the others are the field's fast "
                              "schedulers (docs/schedulers.md), in milliseconds"));

    // Long scheduler names must not widen the dock column: the box shrinks, its list shows them whole.
    scheduler_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    scheduler_->setMinimumContentsLength(10);
    strategy_ = new QComboBox(this);
    for (const char* s : {"both", "parallel", "merge"}) strategy_->addItem(QString::fromLatin1(s));
    strategy_->setToolTip(
        tr("Stage strategies the DP may choose: concurrent groups, merged convolutions, or both"));

    // The CLI's bounds: a value out of range is refused as typed, never silently cut.
    r_ = new QSpinBox(this);
    r_->setRange(1, 64);
    r_->setToolTip(tr("r: the largest number of ops in one group (max_group_size)"));
    s_ = new QSpinBox(this);
    s_->setRange(1, 64);
    s_->setToolTip(tr("s: the largest number of groups in one stage (max_num_groups)"));

    timeLimit_ = new QSpinBox(this);
    timeLimit_->setRange(0, 24 * 3600);
    timeLimit_->setSuffix(tr(" s"));
    timeLimit_->setSpecialValueText(tr("none"));
    timeLimit_->setToolTip(tr("Past this time the search stops and keeps its best valid schedule: parts the "
                              "dynamic program finished are exact, the others improve the best fast "
                              "schedule by windowed DP (0: no limit)"));

    cost_ = new QComboBox(this);
    cost_->setEditable(true);
    for (const char* d : {"sim:H100", "sim:H200", "sim:A100", "sim:V100"})
        cost_->addItem(QString::fromLatin1(d));
    const GpuStatus gpu = gpuContext.status();
    if (gpu.available) cost_->addItem(QStringLiteral("gpu"));
    cost_->setToolTip(gpu.available
                          ? tr("sim:DEVICE simulates a GPU; gpu profiles every stage live on %1; "
                               "cache:FILE replays a profile database")
                                .arg(qs(gpu.device))
                          : tr("sim:DEVICE simulates a GPU; cache:FILE replays a profile database.\n"
                               "Live GPU profiling unavailable: %1")
                                .arg(qs(gpu.reason)));
    auto* browse = new QToolButton(this);
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(tr("Use a profile cache file (cache:FILE)"));
    connect(browse, &QToolButton::clicked, this, &SearchPanel::browseCache);
    auto* costRow = new QHBoxLayout;
    costRow->addWidget(cost_, 1);
    costRow->addWidget(browse);

    batch_ = new QSpinBox(this);
    batch_->setRange(1, 256);
    precision_ = new QComboBox(this);
    precision_->addItems(
        {QStringLiteral("fp32"), QStringLiteral("tf32"), QStringLiteral("fp16"), QStringLiteral("bf16")});

    run_ = new QPushButton(tr("Run search"), this);
    run_->setToolTip(tr("Search a schedule with these settings (F5)"));
    run_->setDefault(true);
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setToolTip(tr("Stop the running search (Esc)"));
    connect(run_, &QPushButton::clicked, this, &SearchPanel::runRequested);
    connect(cancel_, &QPushButton::clicked, this, &SearchPanel::cancelRequested);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(run_);
    buttons->addWidget(cancel_);

    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setFormat(QStringLiteral("%p%"));
    rates_ = new QLabel(this);
    best_ = new QLabel(this);
    rates_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    rates_->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Scheduler"), scheduler_);
    form->addRow(tr("Strategy"), strategy_);
    auto* rs = new QHBoxLayout;
    rs->addWidget(new QLabel(QStringLiteral("r"), this));
    rs->addWidget(r_);
    rs->addWidget(new QLabel(QStringLiteral("s"), this));
    rs->addWidget(s_);
    form->addRow(tr("Group limits"), rs);
    form->addRow(tr("Time limit"), timeLimit_);
    form->addRow(tr("Cost model"), costRow);
    auto* bp = new QHBoxLayout;
    bp->addWidget(batch_);
    bp->addWidget(precision_);
    form->addRow(tr("Batch, precision"), bp);

    sorted_ = new QSortFilterProxyModel(this);
    sorted_->setSourceModel(runs_);
    sorted_->setSortRole(RunTableModel::SortRole);
    table_ = new QTableView(this);
    table_->setModel(sorted_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(-1, Qt::AscendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->setAlternatingRowColors(true);
    table_->setToolTip(
        tr("Every run side by side; pick one to show it in the table, the DAG and the exports"));
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid()) emit runActivated(current.data(RunTableModel::RunIdRole).toInt());
            });

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(progress_);
    layout->addWidget(rates_);
    layout->addWidget(best_);
    layout->addWidget(new QLabel(tr("<b>Results</b>"), this));
    layout->addWidget(table_, 1);

    connect(scheduler_, &QComboBox::currentIndexChanged, this, &SearchPanel::updateEnabled);
    setRequest(SearchRequest{});
    setRunning(false);
}

SearchRequest SearchPanel::request() const {
    SearchRequest r;
    r.scheduler = schedulerKindFromString(scheduler_->currentData().toString()).value_or(SchedulerKind::Ios);
    r.options.strategy = strategySetFromString(ss(strategy_->currentText())).value_or(StrategySet::Both);
    r.options.maxGroupSize = r_->value();
    r.options.maxGroups = s_->value();
    r.options.timeLimitSeconds = timeLimit_->value();
    r.costSpec = cost_->currentText().trimmed();
    r.options.run.batch = batch_->value();
    r.options.run.precision = precisionFromString(ss(precision_->currentText())).value_or(Precision::Fp32);
    return r;
}

void SearchPanel::setRequest(const SearchRequest& r) {
    scheduler_->setCurrentIndex(scheduler_->findData(toCliString(r.scheduler)));
    strategy_->setCurrentText(qs(toString(r.options.strategy)));
    r_->setValue(r.options.maxGroupSize);
    s_->setValue(r.options.maxGroups);
    timeLimit_->setValue(int(r.options.timeLimitSeconds));
    cost_->setCurrentText(r.costSpec);
    batch_->setValue(r.options.run.batch);
    precision_->setCurrentText(qs(toString(r.options.run.precision)));
    updateEnabled();
}

int SearchPanel::selectedRunId() const {
    const QModelIndex i = table_->currentIndex();
    return i.isValid() ? i.data(RunTableModel::RunIdRole).toInt() : -1;
}

void SearchPanel::selectRun(int runId) {
    const int row = runs_->rowOfRun(runId);
    if (row < 0) return;
    const QModelIndex i = sorted_->mapFromSource(runs_->index(row, 0));
    if (i != table_->currentIndex()) table_->setCurrentIndex(i);
}

void SearchPanel::setRunning(bool running) {
    running_ = running;
    run_->setEnabled(runEnabled_ && !running);
    cancel_->setEnabled(running);
    if (running) {
        progress_->setValue(0);
        progress_->setFormat(expectedStates_ > 0
                                 ? tr("0 of %1%L2 states")
                                       .arg(expectedAtLeast_ ? QStringLiteral("≥") : QStringLiteral("~"))
                                       .arg(expectedStates_)
                                 : QStringLiteral("%p%"));
        runLimitSeconds_ = timeLimit_->isEnabled() ? timeLimit_->value() : 0;
        rates_->setText(tr("Searching…"));
        best_->clear();
    } else {
        expectedStates_ = 0;
    }
}

void SearchPanel::setRunEnabled(bool enabled) {
    runEnabled_ = enabled;
    run_->setEnabled(runEnabled_ && !running_);
}

void SearchPanel::setExpectedStates(long long states, bool atLeast) {
    expectedStates_ = states;
    expectedAtLeast_ = atLeast;
}

void SearchPanel::showStatus(const SearchStatus& s) {
    const double limit = runLimitSeconds_;
    progress_->setToolTip(QString());
    if (expectedStates_ > 0 && s.progress.fraction < 1 && s.progress.states < expectedStates_) {
        // States done of the estimate: a count that moves, not a guessed fraction that stalls.
        const double done = double(s.progress.states) / double(expectedStates_);
        progress_->setValue(int(done * 1000));
        QString left;
        if (done > 0.02 && s.statesPerSecond > 0 && !expectedAtLeast_) {
            double seconds = double(expectedStates_ - s.progress.states) / s.statesPerSecond;
            if (limit > 0) seconds = std::min(seconds, std::max(0.0, limit - s.seconds));
            left = tr(" · ~%1 s left").arg(seconds, 0, 'f', 0);
        }
        progress_->setFormat(tr("%L1 of %2%L3 states%4")
                                 .arg(s.progress.states)
                                 .arg(expectedAtLeast_ ? QStringLiteral("≥") : QStringLiteral("~"))
                                 .arg(expectedStates_)
                                 .arg(left));
    } else if (expectedStates_ > 0 && s.progress.fraction < 1) {
        // Past the count: a part too wide to solve at once is improved window by window and then
        // tried whole, and those passes visit some states again (RandWire r=8 s=16: 102,063 states
        // of 39,202 counted). The time limit is what bounds the search now, so the bar shows it.
        if (limit > 0) {
            progress_->setValue(int(std::clamp(s.seconds / limit, 0.0, 1.0) * 1000));
            // Short enough for the bar at 1280x720 (with the count it ran over both edges there).
            progress_->setFormat(tr("%L1 states · ≤ %2 s left")
                                     .arg(s.progress.states)
                                     .arg(std::max(0.0, limit - s.seconds), 0, 'f', 0));
            progress_->setToolTip(tr("Past the %L1 states counted before the search: wide parts are "
                                     "improved window by window and tried whole, which visits states "
                                     "again. The bar follows the time limit.")
                                      .arg(expectedStates_));
        } else {
            progress_->setValue(999);
            progress_->setFormat(
                tr("%L1 states, past the %L2 counted").arg(s.progress.states).arg(expectedStates_));
        }
    } else {
        progress_->setFormat(QStringLiteral("%p%"));
        progress_->setValue(int(s.progress.fraction * 1000));
    }
    rates_->setText(tr("%L1 states (%L2/s) · %L3 stages costed (%L4/s) · %5 s")
                        .arg(s.progress.states)
                        .arg(qint64(s.statesPerSecond))
                        .arg(s.progress.stagesCosted)
                        .arg(qint64(s.stagesPerSecond))
                        .arg(s.seconds, 0, 'f', 1));
    if (s.progress.bestLatencyMs > 0)
        best_->setText(tr("Best so far: %1").arg(formatMs(s.progress.bestLatencyMs)));
}

void SearchPanel::showMessage(const QString& message) {
    rates_->setText(message);
}

void SearchPanel::browseCache() {
    const QString file =
        QFileDialog::getOpenFileName(this, tr("Profile cache"), {}, tr("Profile JSON (*.json)"));
    if (!file.isEmpty()) cost_->setCurrentText(QStringLiteral("cache:") + file);
}

void SearchPanel::updateEnabled() {
    const bool ios = scheduler_->currentData().toString() == QLatin1String("ios");
    strategy_->setEnabled(ios);
    r_->setEnabled(ios);
    s_->setEnabled(ios);
    timeLimit_->setEnabled(ios);
}

} // namespace ioscope::app
