#include "diff_panel.h"

#include "document.h"
#include "qt_text.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ioscope::app {
namespace {
QString signedMs(double ms) {
    if (std::abs(ms) < 1e-9) return QStringLiteral("±0");
    return (ms < 0 ? QStringLiteral("−") : QStringLiteral("+")) + formatMs(std::abs(ms));
}
} // namespace

DiffPanel::DiffPanel(Document* document, QWidget* parent) : QWidget(parent), document_(document) {
    before_ = new QComboBox(this);
    after_ = new QComboBox(this);
    before_->setObjectName(QStringLiteral("diffBefore"));
    after_->setObjectName(QStringLiteral("diffAfter"));
    // A short text: a check box cannot wrap, and its width bounds the whole right-hand dock column
    // (512 px at presentation fonts, 40% of a 1280-px screen).
    show_ = new QCheckBox(tr("Show in DAG and timeline"), this);
    show_->setToolTip(tr("Colour the DAG by change (grey same, amber other stream, red other stage) and "
                         "show just these two runs in the timeline, before over after"));
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    summary_->setTextFormat(Qt::RichText);
    table_ = new QTableWidget(0, 5, this);
    table_->setHorizontalHeaderLabels({tr("Stage"), tr("Before"), tr("After"), tr("Δ"), tr("Ops moved")});
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionMode(QAbstractItemView::NoSelection);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->setAlternatingRowColors(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Before"), before_);
    form->addRow(tr("After"), after_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(show_);
    layout->addWidget(summary_);
    layout->addWidget(table_, 1);

    connect(document_, &Document::runsChanged, this, &DiffPanel::refillRuns);
    // Until the user picks, the pair follows the current run.
    connect(document_, &Document::currentRunChanged, this, [this] {
        if (!userPicked_) refillRuns();
    });
    for (QComboBox* box : {before_, after_})
        connect(box, &QComboBox::currentIndexChanged, this, [this] {
            if (refilling_) return;
            userPicked_ = true; // keep these picks as runs come and go
            recompute();
            emit diffChanged();
        });
    connect(show_, &QCheckBox::toggled, this, [this] { emit diffChanged(); });
    refillRuns();
}

QColor DiffPanel::colorFor(OpChange change) {
    switch (change) {
    case OpChange::Same:
        return {0xe0, 0xe0, 0xe0};
    case OpChange::Stream:
        return {0xff, 0xb7, 0x4d};
    case OpChange::Stage:
        return {0xe5, 0x73, 0x73};
    case OpChange::Absent:
        break;
    }
    return {0xff, 0xff, 0xff};
}

bool DiffPanel::isActive() const {
    return show_->isChecked() && beforeRunId() > 0 && afterRunId() > 0 && beforeRunId() != afterRunId();
}

int DiffPanel::beforeRunId() const {
    return before_->currentData().toInt();
}

int DiffPanel::afterRunId() const {
    return after_->currentData().toInt();
}

void DiffPanel::setRuns(int beforeId, int afterId) {
    userPicked_ = true;
    refilling_ = true;
    before_->setCurrentIndex(before_->findData(beforeId));
    after_->setCurrentIndex(after_->findData(afterId));
    refilling_ = false;
    recompute();
    emit diffChanged();
}

void DiffPanel::setActive(bool on) {
    show_->setChecked(on);
}

void DiffPanel::refillRuns() {
    const int before = beforeRunId(), after = afterRunId();
    refilling_ = true;
    before_->clear();
    after_->clear();
    for (const ScheduleRun& r : document_->runs()) {
        before_->addItem(r.label(), r.id);
        after_->addItem(r.label(), r.id);
    }
    // Keep the user's picks while both runs exist and differ; else the default pair: two
    // distinct runs (run_diff.h), never one run against itself.
    userPicked_ =
        userPicked_ && before != after && before_->findData(before) >= 0 && after_->findData(after) >= 0;
    if (!userPicked_) {
        const auto [b, a] = defaultDiffPair(document_->runs(), document_->currentRunId());
        before_->setCurrentIndex(before_->findData(b));
        after_->setCurrentIndex(after_->findData(a));
    } else {
        before_->setCurrentIndex(before_->findData(before));
        after_->setCurrentIndex(after_->findData(after));
    }
    refilling_ = false;
    recompute();
    emit diffChanged();
}

void DiffPanel::recompute() {
    const ScheduleRun* a = document_->run(beforeRunId());
    const ScheduleRun* b = document_->run(afterRunId());
    table_->setRowCount(0);
    diff_ = {};
    if (!a || !b || !document_->graph()) {
        summary_->setText(tr("Pick two runs to compare."));
        return;
    }
    diff_ = diffRuns(*document_->graph(), *a, *b);
    const QString why = whyNotComparable(*b, *a);
    const double delta = diff_.afterMs - diff_.beforeMs;
    const auto swatch = [](OpChange c) {
        return QStringLiteral("<span style='background:%1'>&nbsp;&nbsp;&nbsp;</span>")
            .arg(colorFor(c).name());
    };
    summary_->setText(tr("%1 → %2: %3 → %4 (%5)<br>%6 %7 same place · %8 %9 other stream · %10 %11 other "
                         "stage%12")
                          .arg(a->label().toHtmlEscaped(), b->label().toHtmlEscaped(),
                               formatMs(diff_.beforeMs), formatMs(diff_.afterMs), signedMs(delta))
                          .arg(swatch(OpChange::Same))
                          .arg(diff_.same)
                          .arg(swatch(OpChange::Stream))
                          .arg(diff_.stream)
                          .arg(swatch(OpChange::Stage))
                          .arg(diff_.stage)
                          .arg(why.isEmpty() ? QString()
                                             : tr("<br><span style='color:#c62828'>Not comparable: %1</span>")
                                                   .arg(why.toHtmlEscaped())));
    table_->setRowCount(int(diff_.stages.size()));
    for (const StageDiffRow& row : diff_.stages) {
        const auto cell = [](const QString& text) {
            auto* item = new QTableWidgetItem(text);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            return item;
        };
        const int r = row.stage;
        // The stage in each run, counted from 1: "7" where both agree, "8 → 9" where an edit
        // shifted it, "– → 7" for a stage only the after run has.
        const auto number = [](int k) { return k >= 0 ? QString::number(k + 1) : QStringLiteral("–"); };
        table_->setItem(r, 0,
                        cell(row.beforeStage == row.afterStage
                                 ? number(row.afterStage)
                                 : number(row.beforeStage) + QStringLiteral(" → ") + number(row.afterStage)));
        table_->setItem(r, 1,
                        cell(row.beforeMs >= 0 ? formatPredictedMs(row.beforeMs) : QStringLiteral("–")));
        table_->setItem(r, 2, cell(row.afterMs >= 0 ? formatPredictedMs(row.afterMs) : QStringLiteral("–")));
        // A stage only one run has adds or removes its whole time: the column sums to the total.
        const double before = std::max(0.0, row.beforeMs), after = std::max(0.0, row.afterMs);
        auto* d = cell(signedMs(after - before));
        if (std::abs(after - before) > 1e-9)
            d->setForeground(after < before ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
        table_->setItem(r, 3, d);
        table_->setItem(r, 4, cell(row.opsMoved ? QString::number(row.opsMoved) : QString()));
    }
}

} // namespace ioscope::app
