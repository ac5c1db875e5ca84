#pragma once
// The width profile as a small bar chart: for each wavefront level (topological order), how
// many ops could run at once (widthProfile()); the widest level is marked, and the maximum
// antichain (the true width, which may exceed any level) is drawn as a dashed line.
#include <QWidget>

#include <vector>

namespace ioscope::widgets {

class WidthChart : public QWidget {
    Q_OBJECT
  public:
    explicit WidthChart(QWidget* parent = nullptr);

    // profile[i] = ops at level i; width = the maximum antichain size (0: not drawn).
    void setProfile(const std::vector<int>& profile, int width = 0);
    const std::vector<int>& profile() const { return profile_; }
    int maxLevel() const; // index of the widest level (-1 when empty)

    void paintChart(QPainter& painter, QSizeF size) const; // for exports and reports
    bool exportPng(const QString& path, double scale = 2.0, QString* error = nullptr) const;
    bool exportSvg(const QString& path, QString* error = nullptr) const;

    QSize sizeHint() const override { return {360, 140}; }
    QSize minimumSizeHint() const override { return {160, 80}; }

  signals:
    void levelClicked(int level);

  protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override;

  private:
    int levelAt(QPointF pos) const;
    std::vector<int> profile_;
    int width_ = 0;
};

} // namespace ioscope::widgets
