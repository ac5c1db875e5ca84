#include "qt_text.h"

#include <cmath>

namespace ioscope::app {

QString formatMs(double ms) {
    if (!std::isfinite(ms)) return QStringLiteral("–");
    if (ms < 1.0) return QStringLiteral("%1 µs").arg(ms * 1000.0, 0, 'f', ms < 0.01 ? 2 : 1);
    return QStringLiteral("%1 ms").arg(ms, 0, 'f', ms < 10 ? 3 : 2);
}

QString formatPredictedMs(double ms) {
    if (std::isfinite(ms) && ms <= 0) return QStringLiteral("free");
    return formatMs(ms);
}

QString formatFlops(double flops) {
    if (flops >= 1e9) return QStringLiteral("%1 GFLOPs").arg(flops / 1e9, 0, 'f', 2);
    if (flops >= 1e6) return QStringLiteral("%1 MFLOPs").arg(flops / 1e6, 0, 'f', 1);
    if (flops >= 1e3) return QStringLiteral("%1 kFLOPs").arg(flops / 1e3, 0, 'f', 1);
    return QStringLiteral("%1 FLOPs").arg(flops, 0, 'f', 0);
}

QString formatBytes(double bytes) {
    if (bytes >= 1e9) return QStringLiteral("%1 GB").arg(bytes / 1e9, 0, 'f', 2);
    if (bytes >= 1e6) return QStringLiteral("%1 MB").arg(bytes / 1e6, 0, 'f', 2);
    if (bytes >= 1e3) return QStringLiteral("%1 kB").arg(bytes / 1e3, 0, 'f', 1);
    return QStringLiteral("%1 B").arg(bytes, 0, 'f', 0);
}

} // namespace ioscope::app
