#pragma once
// The teaching view: pick a block, step through the DP's decisions (remaining set S outlined in
// the DAG as the selection, the chosen ending E lit as running ops), with the cost of each.
#include <QWidget>

class QComboBox;
class QLabel;
class QTableView;

namespace ioscope::widgets {
class DagView;
class SelectionModel;
} // namespace ioscope::widgets

namespace ioscope::app {

class Document;
class TeachingStepsModel;

class TeachingPanel : public QWidget {
    Q_OBJECT
  public:
    TeachingPanel(Document* document, widgets::SelectionModel* selection, widgets::DagView* dag,
                  QWidget* parent = nullptr);

    TeachingStepsModel* model() const { return model_; }
    int currentStep() const { return step_; }

  public slots:
    void setBlock(int block);
    void setStep(int step);
    // Shows decision `step` and lights it in the DAG (the user asked for it).
    void nextStep() { setStep(step_ + 1); }
    void previousStep() { setStep(step_ - 1); }

  private:
    void reload();

    Document* document_;
    widgets::SelectionModel* selection_;
    widgets::DagView* dag_;
    QComboBox* blocks_;
    QTableView* table_;
    QLabel* explanation_;
    TeachingStepsModel* model_;
    int step_ = -1;
};

} // namespace ioscope::app
