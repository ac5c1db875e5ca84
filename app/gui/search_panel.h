#pragma once
// The search panel: scheduler, strategy, r, s, cost model, batch and precision; Run and Cancel;
// progress with states and stages costed per second and the best latency so far; and the
// results table (every run side by side).
#include "gpu/gpu_context.h"
#include "schedule_run.h"

#include <QWidget>

class QComboBox;
class QSpinBox;
class QProgressBar;
class QLabel;
class QPushButton;
class QTableView;
class QSortFilterProxyModel;

namespace ioscope::app {

class RunTableModel;
struct SearchStatus;

class SearchPanel : public QWidget {
    Q_OBJECT
  public:
    // `gpu` is asked once whether a live GPU is there (the "gpu" cost model is offered then).
    SearchPanel(RunTableModel* runs, GpuContext& gpu, QWidget* parent = nullptr);

    SearchRequest request() const;
    void setRequest(const SearchRequest& request);

    // The run selected in the results table (-1: none).
    int selectedRunId() const;
    void selectRun(int runId);
    QTableView* resultsView() const { return table_; }

  public slots:
    void setRunning(bool running);
    // Run is offered only with a model open.
    void setRunEnabled(bool enabled);
    // The DP states the next search will visit (estimateSearchSize; `atLeast` when capped): the
    // progress shows states done of that and the time left at the current rate (within the time
    // limit); past that count, the time left of the limit.
    void setExpectedStates(long long states, bool atLeast);
    void showStatus(const ioscope::app::SearchStatus& status);
    void showMessage(const QString& message);

  signals:
    void runRequested();
    void cancelRequested();
    void runActivated(int runId); // picked in the results table

  private:
    void browseCache();
    void updateEnabled();
    bool running_ = false;
    bool runEnabled_ = true;
    long long expectedStates_ = 0;
    bool expectedAtLeast_ = false;
    double runLimitSeconds_ = 0; // the running search's time limit (0: none)

    QComboBox* scheduler_;
    QComboBox* strategy_;
    QSpinBox* r_;
    QSpinBox* s_;
    QSpinBox* timeLimit_;
    QComboBox* cost_;
    QSpinBox* batch_;
    QComboBox* precision_;
    QPushButton* run_;
    QPushButton* cancel_;
    QProgressBar* progress_;
    QLabel* rates_;
    QLabel* best_;
    QTableView* table_;
    RunTableModel* runs_;
    QSortFilterProxyModel* sorted_;
};

} // namespace ioscope::app
