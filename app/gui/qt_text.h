#pragma once
// Conversions between the engine's std strings and Qt's.
#include <QString>

#include <string>
#include <string_view>

namespace ioscope::app {

inline QString qs(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}
inline std::string ss(const QString& s) {
    return s.toStdString();
}

// "1.23 ms", "456 µs": latencies as people read them.
QString formatMs(double ms);
// A predicted time that may be zero: concats cost nothing (producers write into their slice),
// so a zero reads "free", not "0.00 µs".
QString formatPredictedMs(double ms);
// "5.71 GFLOPs", "812 MFLOPs".
QString formatFlops(double flops);
// "1.2 MB".
QString formatBytes(double bytes);
// "1 op", "3 ops": a count with the right noun (tr's %n needs a translation file for plurals).
inline QString countOf(qsizetype n, const QString& one, const QString& many) {
    return QStringLiteral("%1 %2").arg(n).arg(n == 1 ? one : many);
}

} // namespace ioscope::app
