#include "width_chart.h"

#include "export_utils.h"
#include "selection_model.h"

#include <QFontMetricsF>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QSet>
#include <QToolTip>

#include <algorithm>

namespace ioscope::widgets {

namespace {
constexpr double kRight = 8;

// The chart's text is a little smaller than the font it is drawn in.
QFont chartFont(const QFont& font) {
    QFont small = font;
    small.setPointSizeF(font.pointSizeF() * 0.85);
    return small;
}

// The bars' area: the margins hold the axis numbers (left), the labels (top) and the axis title
// (bottom), all measured in the font the chart is drawn in.
QRectF plotArea(QSizeF size, const QFont& font, int top) {
    const QFontMetricsF fm(chartFont(font));
    const double left = std::max(30.0, fm.horizontalAdvance(QString::number(top)) + 10);
    const double above = fm.height() + 4, below = fm.height() + 2;
    return QRectF(left, above, std::max(1.0, size.width() - left - kRight),
                  std::max(1.0, size.height() - above - below));
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

WidthChart::Layout WidthChart::chartLayout(QSizeF size, const QFont& font) const {
    Layout l;
    const int peakLevel = maxLevel();
    const int peak = peakLevel >= 0 ? profile_[static_cast<size_t>(peakLevel)] : 0;
    const int top = std::max({peak, width_, 1});
    l.plot = plotArea(size, font, top);
    if (profile_.empty()) return l;
    const QRectF plot = l.plot;
    const double barW = plot.width() / static_cast<double>(profile_.size());
    auto yOf = [&](double v) { return plot.bottom() - v / top * plot.height(); };
    for (size_t i = 0; i < profile_.size(); ++i) {
        const double x = plot.left() + static_cast<double>(i) * barW;
        l.bars.emplace_back(x + (barW > 4 ? 0.5 : 0), yOf(profile_[i]),
                            std::max(1.0, barW - (barW > 4 ? 1 : 0)), plot.bottom() - yOf(profile_[i]));
    }
    // Both labels sit in the band above the bars (the dashed width line is the plot's top: no
    // level is wider than the maximum antichain), the width's at the right end, the widest
    // level's over its bar but left of the width's when they would meet.
    const QFontMetricsF fm(chartFont(font));
    const double h = fm.height();
    const double bandTop = plot.top() - h - 2;
    double right = plot.right();
    if (width_ > 0) {
        l.widthText = QObject::tr("width (max antichain) %1").arg(width_);
        const double w = std::min(fm.horizontalAdvance(l.widthText) + 4, plot.width());
        l.widthLabel = QRectF(plot.right() - w, bandTop, w, h);
        right = l.widthLabel.left() - 10;
    }
    l.peakText = peak == 1 ? QObject::tr("widest level %1: 1 op").arg(peakLevel)
                           : QObject::tr("widest level %1: %2 ops").arg(peakLevel).arg(peak);
    const double w = fm.horizontalAdvance(l.peakText) + 4;
    const double px = plot.left() + (peakLevel + 0.5) * barW;
    if (right - plot.left() >= w) {
        const double x = std::clamp(px - w / 2, plot.left(), right - w);
        l.peakLabel = QRectF(x, bandTop, w, h);
    } else if (l.widthLabel.isValid()) { // no room for both: the width alone
        l.peakText.clear();
    } else {
        l.peakLabel = QRectF(plot.left(), bandTop, std::max(1.0, right - plot.left()), h);
    }
    return l;
}

void WidthChart::paintChart(QPainter& p, QSizeF size) const {
    p.save();
    p.fillRect(QRectF(QPointF(0, 0), size), Qt::white);
    p.setRenderHint(QPainter::Antialiasing);
    const Layout l = chartLayout(size, p.font());
    p.setFont(chartFont(p.font()));
    if (profile_.empty()) {
        p.setPen(Qt::gray);
        p.drawText(QRectF(QPointF(0, 0), size), Qt::AlignCenter, QObject::tr("no graph"));
        p.restore();
        return;
    }
    const QRectF plot = l.plot;
    const int peakLevel = maxLevel();
    const int top = std::max({profile_[static_cast<size_t>(peakLevel)], width_, 1});

    // Y axis: 0 and the top value.
    const QFontMetricsF fm(p.font(), p.device());
    p.setPen(QColor(0x9e, 0x9e, 0x9e));
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    p.drawText(QRectF(0, plot.top() - fm.height() / 2, plot.left() - 4, fm.height()),
               Qt::AlignRight | Qt::AlignVCenter, QString::number(top));
    p.drawText(QRectF(0, plot.bottom() - fm.height() / 2, plot.left() - 4, fm.height()),
               Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("0"));
    p.drawText(QRectF(plot.left(), plot.bottom() + 1, plot.width(), size.height() - plot.bottom() - 1),
               Qt::AlignCenter, QObject::tr("wavefront level (topological order) →"));

    QSet<int> selectedLevels;
    if (selection_)
        for (OpId op : selection_->selectedOps())
            if (op >= 0 && static_cast<size_t>(op) < levelOf_.size())
                selectedLevels.insert(levelOf_[static_cast<size_t>(op)]);
    for (size_t i = 0; i < l.bars.size(); ++i) {
        QColor color = static_cast<int>(i) == peakLevel ? QColor(0xe5, 0x39, 0x35) : QColor(0x42, 0xa5, 0xf5);
        if (selectedLevels.contains(static_cast<int>(i))) color = color.darker(170);
        p.fillRect(l.bars[i], color);
    }
    if (width_ > 0) { // the maximum antichain: the most ops that could ever run at once
        p.setPen(QPen(QColor(0x6a, 0x1b, 0x9a), 1.2, Qt::DashLine));
        const double y = plot.bottom() - double(width_) / top * plot.height();
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        p.setPen(QColor(0x6a, 0x1b, 0x9a));
        p.drawText(l.widthLabel, Qt::AlignRight | Qt::AlignVCenter,
                   fm.elidedText(l.widthText, Qt::ElideRight, l.widthLabel.width()));
    }
    if (!l.peakText.isEmpty()) { // the widest level, labelled
        p.setPen(QColor(0xc6, 0x28, 0x28));
        p.drawText(l.peakLabel, Qt::AlignCenter,
                   fm.elidedText(l.peakText, Qt::ElideRight, l.peakLabel.width()));
    }
    p.restore();
}

void WidthChart::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    paintChart(painter, size());
}

int WidthChart::levelAt(QPointF pos) const {
    const QRectF plot = chartLayout(size(), font()).plot;
    if (profile_.empty() || !plot.adjusted(0, -plot.top(), 0, 0).contains(pos)) return -1;
    const int i =
        static_cast<int>((pos.x() - plot.left()) / plot.width() * static_cast<double>(profile_.size()));
    return std::clamp(i, 0, static_cast<int>(profile_.size()) - 1);
}

QPointF WidthChart::barCentre(int level) const {
    const QRectF plot = chartLayout(size(), font()).plot;
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
