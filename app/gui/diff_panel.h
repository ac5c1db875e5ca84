#pragma once
// Compare two runs: pick a "before" and an "after"; the panel lists the predicted latency stage
// by stage and how many ops changed place, and asks the window to colour the DAG by change and
// to show just the two runs on the timeline.
#include "run_diff.h"

#include <QColor>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QTableWidget;

namespace ioscope::app {

class Document;

class DiffPanel : public QWidget {
    Q_OBJECT
  public:
    explicit DiffPanel(Document* document, QWidget* parent = nullptr);

    bool isActive() const; // "Show the difference" is on and two runs are picked
    int beforeRunId() const;
    int afterRunId() const;
    void setRuns(int beforeId, int afterId); // picks both (tests, the results table); kept after
    void setActive(bool on);
    const RunDiff& diff() const { return diff_; }
    QTableWidget* table() const { return table_; }

    // Colours of the DAG by change (also the panel's legend).
    static QColor colorFor(OpChange change);

  signals:
    void diffChanged(); // runs picked, or switched on or off

  private:
    void refillRuns();
    void recompute();

    Document* document_;
    QComboBox* before_;
    QComboBox* after_;
    QCheckBox* show_;
    QLabel* summary_;
    QTableWidget* table_;
    RunDiff diff_;
    bool refilling_ = false;
    bool userPicked_ = false; // the user chose the pair (else it follows defaultDiffPair)
};

} // namespace ioscope::app
