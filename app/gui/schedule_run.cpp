#include "schedule_run.h"

#include "qt_text.h"

#include <QStringList>

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
    case SchedulerKind::Edited:
        return QStringLiteral("Edited");
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
    QString s = toDisplayString(scheduler) + QStringLiteral(" #%1").arg(id);
    if (scheduler == SchedulerKind::Ios && origin != "ios") s += QStringLiteral(" (%1 kept)").arg(qs(origin));
    return s;
}

QString ScheduleRun::costName() const {
    const QString spec = request.costSpec;
    // A simulated device is named by its spec already; a live GPU or a cache file is not.
    if (costDevice.isEmpty() || spec.startsWith(QLatin1String("sim"), Qt::CaseInsensitive) ||
        spec.contains(costDevice, Qt::CaseInsensitive))
        return spec;
    return QStringLiteral("%1 (%2)").arg(spec, costDevice);
}

QString ScheduleRun::detail() const {
    const SchedulerOptions& o = request.options;
    QString s = toDisplayString(scheduler);
    if (scheduler == SchedulerKind::Ios)
        s += QStringLiteral(" %1 r=%2 s=%3")
                 .arg(qs(toString(o.strategy)))
                 .arg(o.maxGroupSize)
                 .arg(o.maxGroups);
    else if (scheduler == SchedulerKind::Wavefront)
        s += QStringLiteral(" ≤%1 streams").arg(o.maxStreams);
    else if (scheduler == SchedulerKind::Edited && !editedFrom.isEmpty())
        s += QStringLiteral(" from %1").arg(editedFrom);
    return s + QStringLiteral(" · %1 · b%2 %3")
                   .arg(costName())
                   .arg(o.run.batch)
                   .arg(qs(toString(o.run.precision)));
}

QString whyNotComparable(const ScheduleRun& a, const ScheduleRun& b) {
    QStringList why;
    if (a.request.costSpec.compare(b.request.costSpec, Qt::CaseInsensitive) != 0)
        why << QStringLiteral("cost model %1, not %2").arg(a.request.costSpec, b.request.costSpec);
    else if (a.costDevice != b.costDevice)
        why << QStringLiteral("device %1, not %2").arg(a.costDevice, b.costDevice);
    const RunConfig& ra = a.request.options.run;
    const RunConfig& rb = b.request.options.run;
    if (ra.batch != rb.batch) why << QStringLiteral("batch %1, not %2").arg(ra.batch).arg(rb.batch);
    if (ra.precision != rb.precision)
        why << QStringLiteral("%1, not %2").arg(qs(toString(ra.precision)), qs(toString(rb.precision)));
    return why.join(QStringLiteral("; "));
}

} // namespace ioscope::app
