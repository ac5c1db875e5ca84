#pragma once
// The width profile as a small bar chart: for each wavefront level (topological order), how
// many ops could run at once (widthProfile()); the widest level is marked, and the maximum
// antichain (the true width, which may exceed any level) is drawn as a dashed line.
#include "graph/graph.h"

#include <QFont>
#include <QList>
#include <QRectF>
#include <QWidget>

#include <vector>

namespace ioscope::widgets {

class SelectionModel;

class WidthChart : public QWidget {
    Q_OBJECT
  public:
    explicit WidthChart(QWidget* parent = nullptr);

    // The analysis done elsewhere (off the GUI thread): profile[i] = ops at level i, the width
    // (maximum antichain), and each op's level by OpId (-1: none), so a click selects a level's ops.
    void setAnalysis(const std::vector<int>& profile, int width, std::vector<int> levelOf);
    // Or only the figures: profile[i] = ops at level i; width = the maximum antichain (0: none).
    void setProfile(const std::vector<int>& profile, int width = 0);
    // Clicking a level selects its ops here; levels holding selected ops are drawn darker.
    void setSelectionModel(SelectionModel* selection);
    SelectionModel* selectionModel() const { return selection_; }
    QList<OpId> levelOps(int level) const; // empty when only figures were given
    QPointF barCentre(int level) const;    // where a click picks `level` (widget coordinates)
    int antichainWidth() const { return width_; }
    const std::vector<int>& profile() const { return profile_; }
    int maxLevel() const; // index of the widest level (-1 when empty)

    void paintChart(QPainter& painter, QSizeF size) const; // for exports and reports

    // Where paintChart puts things in a chart of `size` drawn in `font`: the bars' area, each
    // level's bar, and the two labels ("widest level", "width (max antichain)"), which sit in the
    // band above the bars and never cover a bar or each other (empty when not drawn).
    struct Layout {
        QRectF plot;
        std::vector<QRectF> bars;
        QRectF peakLabel, widthLabel;
        QString peakText, widthText;
    };
    Layout chartLayout(QSizeF size, const QFont& font) const;
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
    std::vector<int> levelOf_; // by OpId, -1 for inputs; empty with setProfile
    SelectionModel* selection_ = nullptr;
};

} // namespace ioscope::widgets
