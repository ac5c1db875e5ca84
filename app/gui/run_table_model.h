#pragma once
// The results list: every run of the document side by side (scheduler, cost model, predicted
// and measured latency, speedup over sequential under the same cost model, search statistics).
#include <QAbstractTableModel>

namespace ioscope::app {

class Document;
struct ScheduleRun;

class RunTableModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column {
        RunColumn,
        ParametersColumn, // the scheduler's parameters (r, s, strategy; streams)
        CostColumn,
        LatencyColumn,
        SpeedupColumn,
        StagesColumn,
        StatesColumn,
        StagesCostedColumn,
        SecondsColumn,
        MeasuredColumn,
        ColumnCount
    };
    enum Role { RunIdRole = Qt::UserRole + 1, SortRole };

    explicit RunTableModel(Document* document, QObject* parent = nullptr);

    int runIdAt(int row) const;
    int rowOfRun(int runId) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Predicted speedup of `run` over the sequential run with the same cost model and run
    // configuration (0 when there is none).
    double speedupOverSequential(const ScheduleRun& run) const;

  private:
    Document* document_;
};

} // namespace ioscope::app
