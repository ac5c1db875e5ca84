#pragma once
// Latency bars for the execution panel: one horizontal bar per schedule (median) with a
// p10-p90 whisker, the value, and the speedup over the baseline bar ("1.42x"). QPainter only.
#include <QColor>
#include <QList>
#include <QString>
#include <QWidget>

namespace ioscope::widgets {

struct LatencyBar {
    QString label; // "IOS", "wavefront", "sequential"
    double medianMs = 0;
    double p10Ms = 0, p90Ms = 0; // whisker; equal to the median when unknown
    QColor color;                // invalid: a default palette colour
};

class BarChart : public QWidget {
    Q_OBJECT
  public:
    explicit BarChart(QWidget* parent = nullptr);

    // Speedups are baseline median / bar median (baselineIndex < 0: none shown).
    void setBars(const QList<LatencyBar>& bars, int baselineIndex = 0);
    const QList<LatencyBar>& bars() const { return bars_; }
    void setTitle(const QString& title);
    void setUnit(const QString& unit); // default "ms"
    double speedup(int index) const;   // 0 when unknown

    void paintChart(QPainter& painter, QSizeF size) const;
    bool exportPng(const QString& path, double scale = 2.0, QString* error = nullptr) const;
    bool exportSvg(const QString& path, QString* error = nullptr) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return {220, 80}; }

  protected:
    void paintEvent(QPaintEvent* event) override;

  private:
    QList<LatencyBar> bars_;
    int baseline_ = 0;
    QString title_;
    QString unit_ = QStringLiteral("ms");
};

} // namespace ioscope::widgets
