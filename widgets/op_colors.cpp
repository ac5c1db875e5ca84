#include "op_colors.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace ioscope::widgets {

QColor colorForKind(OpKind kind) {
    switch (kind) {
    case OpKind::Input:
        return QColor(0xb0, 0xbe, 0xc5);
    case OpKind::Conv:
        return QColor(0x64, 0xb5, 0xf6);
    case OpKind::SepConv:
        return QColor(0x4d, 0xd0, 0xe1);
    case OpKind::Sequential:
        return QColor(0x81, 0xc7, 0x84);
    case OpKind::MaxPool:
    case OpKind::AvgPool:
    case OpKind::GlobalAvgPool:
        return QColor(0xff, 0xb7, 0x4d);
    case OpKind::Concat:
    case OpKind::Identity:
        return QColor(0xce, 0x93, 0xd8);
    case OpKind::Add:
    case OpKind::Mul:
        return QColor(0xf0, 0x62, 0x92);
    case OpKind::Activation:
    case OpKind::ScaleShift:
        return QColor(0xff, 0xd5, 0x4f);
    case OpKind::FullyConnected:
    case OpKind::Flatten:
    case OpKind::Softmax:
        return QColor(0xa1, 0x88, 0x7f);
    case OpKind::Binary: // broadcasting arithmetic: a paler add / mul
        return QColor(0xf4, 0x8f, 0xb1);
    case OpKind::Slice:
    case OpKind::Pad:
    case OpKind::Resize:
    case OpKind::ChannelShuffle: // data movement
        return QColor(0x90, 0xa4, 0xae);
    }
    return Qt::lightGray;
}

std::vector<std::pair<QString, QColor>> kindLegend() {
    return {{QStringLiteral("input"), colorForKind(OpKind::Input)},
            {QStringLiteral("conv"), colorForKind(OpKind::Conv)},
            {QStringLiteral("sep. conv"), colorForKind(OpKind::SepConv)},
            {QStringLiteral("sequential"), colorForKind(OpKind::Sequential)},
            {QStringLiteral("pool"), colorForKind(OpKind::MaxPool)},
            {QStringLiteral("concat / identity"), colorForKind(OpKind::Concat)},
            {QStringLiteral("add / mul"), colorForKind(OpKind::Add)},
            {QStringLiteral("broadcast arithmetic"), colorForKind(OpKind::Binary)},
            {QStringLiteral("slice / pad / resize / shuffle"), colorForKind(OpKind::Slice)},
            {QStringLiteral("activation"), colorForKind(OpKind::Activation)},
            {QStringLiteral("fc / flatten / softmax"), colorForKind(OpKind::FullyConnected)}};
}

QColor heatColor(double t) {
    // YlOrRd stops: light enough at 0 for black labels, dark red at 1 (labels stay legible on
    // the light half; the dark end is kept for the hottest few ops).
    static const QColor stops[] = {
        {0xff, 0xff, 0xcc}, {0xfe, 0xd9, 0x76}, {0xfd, 0x8d, 0x3c}, {0xe3, 0x1a, 0x1c}, {0xb1, 0x00, 0x26}};
    constexpr int last = int(std::size(stops)) - 1;
    const double x = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * last;
    const int i = std::min(int(x), last - 1);
    const double f = x - i;
    const QColor& a = stops[i];
    const QColor& b = stops[i + 1];
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * f),
                            float(a.greenF() + (b.greenF() - a.greenF()) * f),
                            float(a.blueF() + (b.blueF() - a.blueF()) * f));
}

} // namespace ioscope::widgets
