#include "find_bar.h"

#include "dag_view.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace ioscope::widgets {

FindBar::FindBar(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 2, 4, 2);
    layout->setSpacing(4);
    auto* label = new QLabel(tr("Find:"), this);
    edit_ = new QLineEdit(this);
    edit_->setPlaceholderText(tr("op name or kind (conv, pool, concat…)"));
    edit_->setClearButtonEnabled(true);
    count_ = new QLabel(this);
    count_->setMinimumWidth(80);
    previous_ = new QToolButton(this);
    previous_->setText(QStringLiteral("▲"));
    previous_->setToolTip(tr("Previous match (Shift+Enter)"));
    next_ = new QToolButton(this);
    next_->setText(QStringLiteral("▼"));
    next_->setToolTip(tr("Next match (Enter)"));
    auto* close = new QToolButton(this);
    close->setText(QStringLiteral("✕"));
    close->setToolTip(tr("Close (Esc)"));
    layout->addWidget(label);
    layout->addWidget(edit_, 1);
    layout->addWidget(count_);
    layout->addWidget(previous_);
    layout->addWidget(next_);
    layout->addWidget(close);
    label->setBuddy(edit_);

    connect(edit_, &QLineEdit::textChanged, this, &FindBar::findRequested);
    edit_->installEventFilter(this); // Enter / Shift+Enter / Esc, before QLineEdit sees them
    connect(previous_, &QToolButton::clicked, this, &FindBar::previousRequested);
    connect(next_, &QToolButton::clicked, this, &FindBar::nextRequested);
    connect(close, &QToolButton::clicked, this, [this] {
        hide();
        emit closed();
    });
    setMatchInfo(-1, 0);
}

QString FindBar::text() const {
    return edit_->text();
}

void FindBar::attach(DagView* view) {
    connect(this, &FindBar::findRequested, view, [view](const QString& t) { view->find(t); });
    connect(this, &FindBar::nextRequested, view, &DagView::findNext);
    connect(this, &FindBar::previousRequested, view, &DagView::findPrevious);
    connect(this, &FindBar::closed, view, &DagView::clearFind);
    connect(view, &DagView::findResultChanged, this, &FindBar::setMatchInfo);
}

void FindBar::activate() {
    const bool wasHidden = isHidden();
    show();
    edit_->setFocus(Qt::ShortcutFocusReason);
    edit_->selectAll();
    if (wasHidden && !edit_->text().isEmpty()) emit findRequested(edit_->text());
}

void FindBar::setMatchInfo(int currentIndex, int count) {
    if (edit_->text().trimmed().isEmpty())
        count_->clear();
    else if (count == 0)
        count_->setText(tr("no match"));
    else if (currentIndex < 0)
        count_->setText(count == 1 ? tr("1 match") : tr("%1 matches").arg(count));
    else
        count_->setText(tr("%1 of %2").arg(currentIndex + 1).arg(count));
    previous_->setEnabled(count > 0);
    next_->setEnabled(count > 0);
}

bool FindBar::eventFilter(QObject* watched, QEvent* event) {
    // Esc belongs to the bar while it has focus, even where the window binds Esc to an action
    // (cancel search): accepting the override delivers it as a key press here.
    if (watched == edit_ && event->type() == QEvent::ShortcutOverride &&
        static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape) {
        event->accept();
        return true;
    }
    if (watched == edit_ && event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            if (key->modifiers() & Qt::ShiftModifier)
                emit previousRequested();
            else
                emit nextRequested();
            return true;
        }
        if (key->key() == Qt::Key_Escape) {
            hide();
            emit closed();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void FindBar::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Escape) {
        hide();
        emit closed();
        event->accept();
        return;
    }
    QWidget::keyPressEvent(event);
}

} // namespace ioscope::widgets
