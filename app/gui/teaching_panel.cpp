#include "teaching_panel.h"

#include "dag_view.h"
#include "document.h"
#include "qt_text.h"
#include "selection_model.h"
#include "teaching_steps.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace ioscope::app {

TeachingPanel::TeachingPanel(Document* document, widgets::SelectionModel* selection, widgets::DagView* dag,
                             QWidget* parent)
    : QWidget(parent), document_(document), selection_(selection), dag_(dag),
      model_(new TeachingStepsModel(this)) {
    blocks_ = new QComboBox(this);
    blocks_->setToolTip(tr("The block whose decisions to replay"));
    auto* prev = new QPushButton(tr("◀ Previous decision"), this);
    auto* next = new QPushButton(tr("Next decision ▶"), this);
    table_ = new QTableView(this);
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setStretchLastSection(false);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(TeachingStepsModel::EndingColumn, QHeaderView::Stretch);
    explanation_ = new QLabel(this);
    explanation_->setWordWrap(true);
    explanation_->setTextFormat(Qt::RichText);

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Block"), this));
    top->addWidget(blocks_, 1);
    top->addWidget(prev);
    top->addWidget(next);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(explanation_);
    layout->addWidget(table_, 1);

    connect(blocks_, &QComboBox::currentIndexChanged, this, [this](int block) {
        setBlock(block);
        setStep(0);
    });
    connect(prev, &QPushButton::clicked, this, &TeachingPanel::previousStep);
    connect(next, &QPushButton::clicked, this, &TeachingPanel::nextStep);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& i) {
                if (i.isValid() && i.row() != step_) setStep(i.row());
            });
    connect(document_, &Document::modelChanged, this, [this] {
        blocks_->blockSignals(true);
        blocks_->clear();
        const auto& blocks = document_->model().blocks;
        for (size_t b = 0; b < blocks.size(); ++b) {
            const Graph* g = document_->graph();
            const QString first = blocks[b].ops.empty() ? QString() : qs(g->op(blocks[b].ops.front()).name);
            blocks_->addItem(
                tr("Block %1 · %2 ops · from %3").arg(b + 1).arg(blocks[b].ops.size()).arg(first));
        }
        blocks_->blockSignals(false);
        reload();
    });
    connect(document_, &Document::currentRunChanged, this, &TeachingPanel::reload);
    reload();
}

void TeachingPanel::reload() {
    setBlock(blocks_->currentIndex());
}

void TeachingPanel::setBlock(int block) {
    const ScheduleRun* run = document_->currentRun();
    const auto& blocks = document_->model().blocks;
    step_ = -1;
    if (!run || block < 0 || size_t(block) >= blocks.size()) {
        model_->setSteps(nullptr, {});
        explanation_->setText(
            document_->hasModel() && blocks.empty()
                ? tr("<i>Blocks are unavailable for this model.</i>")
                : tr("<i>Run a search, then pick a block to replay the DP's decisions.</i>"));
        return;
    }
    if (blocks_->currentIndex() != block) blocks_->setCurrentIndex(block);
    model_->setSteps(document_->graph(), replayDecisions(*run, blocks[size_t(block)].ops));
    explanation_->setText(tr("%1 for this block: step through them with the buttons or the table.")
                              .arg(countOf(model_->rowCount(), tr("decision"), tr("decisions"))));
}

void TeachingPanel::setStep(int step) {
    const auto& steps = model_->steps();
    if (steps.empty() || step < 0 || size_t(step) >= steps.size()) return;
    step_ = step;
    table_->selectRow(step);
    const TeachingStep& s = steps[size_t(step)];
    const ScheduleRun* run = document_->currentRun();
    explanation_->setText(
        tr("<b>Decision %1 of %2</b> (%3). The DP holds the remaining set <b>S</b> of %4 ops (outlined) and "
           "tries every ending E ⊆ S that nothing else in S depends on; cost(S) = min<sub>E</sub> "
           "cost(S − E) + latency(E). It chose the <b>lit</b> stage: %5 groups, %6, latency %7, so cost(S) = "
           "%8.")
            .arg(step + 1)
            .arg(steps.size())
            .arg(run ? run->label() : QString())
            .arg(s.remaining.size())
            .arg(s.ending.groups.size())
            .arg(qs(toString(s.ending.strategy)))
            .arg(formatMs(s.endingMs), formatMs(s.costOfRemainingMs)));
    // Only a step the user asked for drives the shared selection and the DAG lighting.
    const QList<OpId> remaining(s.remaining.begin(), s.remaining.end());
    const auto ending = s.ending.allOps();
    selection_->selectOps(remaining, ending.empty() ? -1 : ending.front());
    dag_->setRunningOps(QList<OpId>(ending.begin(), ending.end()));
    if (!ending.empty()) dag_->centerOnOp(ending.front());
}

} // namespace ioscope::app
