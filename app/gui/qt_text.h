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
// "5.71 GFLOPs", "812 MFLOPs".
QString formatFlops(double flops);
// "1.2 MB".
QString formatBytes(double bytes);

} // namespace ioscope::app
