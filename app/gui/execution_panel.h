#pragma once
// The execution panel: runs the newest IOS, wavefront and sequential schedules on the GPU
// (disabled, with the reason, when no GPU runtime or device is present) and shows measured
// latency bars (median, p10–p90) with speedups, utilization, and the measured kernel timeline.
#include "gpu/gpu_context.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace ioscope::widgets {
class BarChart;
class TimelineView;
} // namespace ioscope::widgets

namespace ioscope::app {

class Document;
class ExecutionJob;

class ExecutionPanel : public QWidget {
    Q_OBJECT
  public:
    // Runs schedules on `gpu` (shared with the job's worker thread).
    ExecutionPanel(Document* document, std::shared_ptr<GpuContext> gpu, QWidget* parent = nullptr);

    bool gpuAvailable() const { return available_; }
    QString unavailableReason() const { return reason_; }
    ExecutionJob* job() const { return job_; }
    widgets::BarChart* chart() const { return chart_; }
    widgets::TimelineView* kernelTimeline() const { return kernels_; }

  public slots:
    void execute();
    void cancel();
    void refresh(); // after runs or measurements changed

  private:
    Document* document_;
    std::shared_ptr<GpuContext> gpu_;
    ExecutionJob* job_;
    bool available_ = false;
    QString reason_;
    QComboBox* mode_;
    QSpinBox* runs_;
    QPushButton* execute_;
    QPushButton* cancel_;
    QProgressBar* progress_;
    QLabel* status_;
    QLabel* utilization_;
    widgets::BarChart* chart_;
    widgets::TimelineView* kernels_;
};

} // namespace ioscope::app
