#include "width_chart.h"

#include "analysis/width.h"
#include "export_utils.h"
#include "selection_model.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QSet>
#include <QToolTip>

#include <algorithm>

namespace ioscope::widgets {

namespace {
constexpr double kLeft = 30, kRight = 8, kTop = 20, kBottom = 18;

QRectF plotArea(QSizeF size) {
    return QRectF(kLeft, kTop, size.width() - kLeft - kRight, size.height() - kTop - kBottom);
}
} // namespace

WidthChart::WidthChart(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
}

void WidthChart::setProfile(const std::vector<int>& profile, int width) {
    profile_ = profile;
    width_ = width;
    levelOf_.clear();
    update();
}

void WidthChart::setAnalysis(const std::vector<int>& profile, int width, std::vector<int> levelOf) {
    setProfile(profile, width);
    levelOf_ = std::move(levelOf);
}

void WidthChart::setGraph(const Graph& g) {
    setAnalysis(widthProfile(g), maximumAntichain(g).width, unitLevels(g));
}

void WidthChart::setSelectionModel(SelectionModel* selection) {
    if (selection_) disconnect(selection_, nullptr, this, nullptr);
    selection_ = selection;
    if (selection_) connect(selection_, &QObject::destroyed, this, [this] { selection_ = nullptr; });
    if (selection_)
        connect(selection_, &SelectionModel::selectionChanged, this, qOverload<>(&QWidget::update));
    update();
}

QList<OpId> WidthChart::levelOps(int level) const {
    QList<OpId> ops;
    for (size_t v = 0; v < levelOf_.size(); ++v)
        if (level >= 0 && levelOf_[v] == level) ops.push_back(static_cast<OpId>(v));
    return ops;
}

int WidthChart::maxLevel() const {
    if (profile_.empty()) return -1;
    return static_cast<int>(std::max_element(profile_.begin(), profile_.end()) - profile_.begin());
}

void WidthChart::paintChart(QPainter& p, QSizeF size) const {
    p.save();
    p.fillRect(QRectF(QPointF(0, 0), size), Qt::white);
    p.setRenderHint(QPainter::Antialiasing);
    QFont small = p.font();
    small.setPointSizeF(p.font().pointSizeF() * 0.85);
    p.setFont(small);
    if (profile_.empty()) {
        p.setPen(Qt::gray);
        p.drawText(QRectF(QPointF(0, 0), size), Qt::AlignCenter, QObject::tr("no graph"));
        p.restore();
        return;
    }
    const QRectF plot = plotArea(size);
    const int peakLevel = maxLevel();
    const int peak = profile_[static_cast<size_t>(peakLevel)];
    const int top = std::max(peak, width_);
    const double n = static_cast<double>(profile_.size());
    const double barW = plot.width() / n;
    auto yOf = [&](double v) { return plot.bottom() - v / top * plot.height(); };

    // Y axis: 0 and the top value.
    p.setPen(QColor(0x9e, 0x9e, 0x9e));
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    p.drawText(QRectF(0, yOf(top) - 8, kLeft - 4, 16), Qt::AlignRight | Qt::AlignVCenter,
               QString::number(top));
    p.drawText(QRectF(0, plot.bottom() - 8, kLeft - 4, 16), Qt::AlignRight | Qt::AlignVCenter,
               QStringLiteral("0"));
    p.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), kBottom - 2), Qt::AlignCenter,
               QObject::tr("wavefront level (topological order) →"));

    QSet<int> selectedLevels;
    if (selection_)
        for (OpId op : selection_->selectedOps())
            if (op >= 0 && static_cast<size_t>(op) < levelOf_.size())
                selectedLevels.insert(levelOf_[static_cast<size_t>(op)]);
    for (size_t i = 0; i < profile_.size(); ++i) {
        const double x = plot.left() + static_cast<double>(i) * barW;
        const QRectF bar(x + (barW > 4 ? 0.5 : 0), yOf(profile_[i]), std::max(1.0, barW - (barW > 4 ? 1 : 0)),
                         plot.bottom() - yOf(profile_[i]));
        QColor color = static_cast<int>(i) == peakLevel ? QColor(0xe5, 0x39, 0x35) : QColor(0x42, 0xa5, 0xf5);
        if (selectedLevels.contains(static_cast<int>(i))) color = color.darker(170);
        p.fillRect(bar, color);
    }
    // The widest level, labelled.
    const double px = plot.left() + (peakLevel + 0.5) * barW;
    p.setPen(QColor(0xc6, 0x28, 0x28));
    const QString peakText = (peak == 1 ? QObject::tr("widest level %1: 1 op").arg(peakLevel)
                                        : QObject::tr("widest level %1: %2 ops").arg(peakLevel).arg(peak));
    const double textW = p.fontMetrics().horizontalAdvance(peakText) + 4;
    const double tx = std::clamp(px - textW / 2, plot.left(), plot.right() - textW);
    p.drawText(QRectF(tx, 2, textW, kTop - 4), Qt::AlignCenter, peakText);
    if (width_ > 0) { // the maximum antichain: the most ops that could ever run at once
        p.setPen(QPen(QColor(0x6a, 0x1b, 0x9a), 1.2, Qt::DashLine));
        p.drawLine(QPointF(plot.left(), yOf(width_)), QPointF(plot.right(), yOf(width_)));
        p.drawText(QRectF(plot.left() + 4, yOf(width_) + 1, plot.width() - 8, 14),
                   Qt::AlignRight | Qt::AlignTop, QObject::tr("width (max antichain) %1").arg(width_));
    }
    p.restore();
}

void WidthChart::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    paintChart(painter, size());
}

int WidthChart::levelAt(QPointF pos) const {
    const QRectF plot = plotArea(size());
    if (profile_.empty() || !plot.adjusted(0, -kTop, 0, 0).contains(pos)) return -1;
    const int i =
        static_cast<int>((pos.x() - plot.left()) / plot.width() * static_cast<double>(profile_.size()));
    return std::clamp(i, 0, static_cast<int>(profile_.size()) - 1);
}

QPointF WidthChart::barCentre(int level) const {
    const QRectF plot = plotArea(size());
    const double barW = plot.width() / std::max<double>(1, static_cast<double>(profile_.size()));
    return {plot.left() + (level + 0.5) * barW, plot.bottom() - 2};
}

void WidthChart::mousePressEvent(QMouseEvent* event) {
    const int level = levelAt(event->position());
    if (level < 0) return;
    if (selection_ && !levelOf_.empty()) selection_->selectOps(levelOps(level));
    emit levelClicked(level);
}

bool WidthChart::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int level = levelAt(help->pos());
        if (level >= 0)
            QToolTip::showText(help->globalPos(),
                               tr("level %1: %2 could run at once; click to select them")
                                   .arg(level)
                                   .arg(profile_[static_cast<size_t>(level)] == 1
                                            ? tr("1 op")
                                            : tr("%1 ops").arg(profile_[static_cast<size_t>(level)])),
                               this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

bool WidthChart::exportPng(const QString& path, double scale, QString* error) const {
    return savePaintingPng(
        path, size(), scale, [&](QPainter& p) { paintChart(p, size()); }, error);
}

bool WidthChart::exportSvg(const QString& path, QString* error) const {
    return savePaintingSvg(
        path, size(), tr("width profile"), [&](QPainter& p) { paintChart(p, size()); }, error);
}

} // namespace ioscope::widgets
