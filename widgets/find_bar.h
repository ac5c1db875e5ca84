#pragma once
// A small find bar: a line edit, "3 of 12" match count, previous/next buttons and a close
// button. Enter = next, Shift+Enter = previous, Esc closes. The host shows it on Ctrl+F
// (activate()) and wires it to a view with attach().
#include <QWidget>

class QLabel;
class QLineEdit;
class QToolButton;

namespace ioscope::widgets {

class DagView;

class FindBar : public QWidget {
    Q_OBJECT
  public:
    explicit FindBar(QWidget* parent = nullptr);

    QString text() const;
    // Connects the bar to a DAG view: typing finds, next/prev move, closing clears the find.
    void attach(DagView* view);

  public slots:
    void activate(); // show, focus and select the text
    void setMatchInfo(int currentIndex, int count);

  signals:
    void findRequested(const QString& text);
    void nextRequested();
    void previousRequested();
    void closed();

  protected:
    void keyPressEvent(QKeyEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    QLineEdit* edit_;
    QLabel* count_;
    QToolButton* previous_;
    QToolButton* next_;
};

} // namespace ioscope::widgets
