#include "schedule_run.h"

#include "qt_text.h"

namespace ioscope::app {

QString toDisplayString(SchedulerKind kind) {
    switch (kind) {
    case SchedulerKind::Ios:
        return QStringLiteral("IOS");
    case SchedulerKind::Wavefront:
        return QStringLiteral("Wavefront");
    case SchedulerKind::Sequential:
        return QStringLiteral("Sequential");
    case SchedulerKind::Nimble:
        return QStringLiteral("Nimble");
    case SchedulerKind::Lios:
        return QStringLiteral("LIOS");
    case SchedulerKind::Opara:
        return QStringLiteral("Opara");
    case SchedulerKind::Hios:
        return QStringLiteral("HIOS");
    }
    return {};
}

QString toCliString(SchedulerKind kind) {
    return toDisplayString(kind).toLower();
}

std::optional<SchedulerKind> schedulerKindFromString(const QString& s) {
    const QString k = s.trimmed().toLower();
    if (k == QLatin1String("ios")) return SchedulerKind::Ios;
    if (k == QLatin1String("wavefront")) return SchedulerKind::Wavefront;
    if (k == QLatin1String("sequential")) return SchedulerKind::Sequential;
    if (k == QLatin1String("nimble")) return SchedulerKind::Nimble;
    if (k == QLatin1String("lios")) return SchedulerKind::Lios;
    if (k == QLatin1String("opara")) return SchedulerKind::Opara;
    if (k == QLatin1String("hios")) return SchedulerKind::Hios;
    return std::nullopt;
}

const std::vector<SchedulerKind>& allSchedulerKinds() {
    static const std::vector<SchedulerKind> all{
        SchedulerKind::Ios,  SchedulerKind::Wavefront, SchedulerKind::Sequential, SchedulerKind::Nimble,
        SchedulerKind::Lios, SchedulerKind::Opara,     SchedulerKind::Hios};
    return all;
}

QString SearchRequest::describe() const {
    QString s = toDisplayString(scheduler) + QStringLiteral(" · ") + costSpec;
    if (scheduler == SchedulerKind::Ios)
        s += QStringLiteral(" · %1 r=%2 s=%3")
                 .arg(qs(toString(options.strategy)))
                 .arg(options.maxGroupSize)
                 .arg(options.maxGroups);
    s += QStringLiteral(" · batch %1 %2").arg(options.run.batch).arg(qs(toString(options.run.precision)));
    return s;
}

QString ScheduleRun::label() const {
    return toDisplayString(scheduler) + QStringLiteral(" #%1").arg(id);
}

} // namespace ioscope::app
