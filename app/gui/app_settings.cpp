#include "app_settings.h"

#include "qt_text.h"

#include <QDir>
#include <QSettings>

namespace ioscope::app::AppSettings {
namespace {
QSettings store() {
    return QSettings(QStringLiteral("ioscope"), QStringLiteral("ioscope"));
}
} // namespace

QByteArray windowGeometry() {
    return store().value("window/geometry").toByteArray();
}
void setWindowGeometry(const QByteArray& geometry) {
    store().setValue("window/geometry", geometry);
}
QByteArray windowState() {
    return store().value("window/state").toByteArray();
}
void setWindowState(const QByteArray& state) {
    store().setValue("window/state", state);
}

QStringList recentModels() {
    return store().value("models/recent").toStringList();
}
void setRecentModels(const QStringList& models) {
    store().setValue("models/recent", models);
}
QString lastModel() {
    return store().value("models/last").toString();
}
void setLastModel(const QString& spec) {
    store().setValue("models/last", spec);
}
QString lastDirectory() {
    return store().value("files/lastDirectory", QDir::homePath()).toString();
}
void setLastDirectory(const QString& dir) {
    store().setValue("files/lastDirectory", dir);
}

SearchRequest searchRequest() {
    QSettings s = store();
    SearchRequest r;
    s.beginGroup("search");
    r.scheduler =
        schedulerKindFromString(s.value("scheduler", "ios").toString()).value_or(SchedulerKind::Ios);
    r.options.strategy =
        strategySetFromString(ss(s.value("strategy", "both").toString())).value_or(StrategySet::Both);
    r.options.maxGroupSize = std::clamp(s.value("r", r.options.maxGroupSize).toInt(), 1, 8);
    r.options.maxGroups = std::clamp(s.value("s", r.options.maxGroups).toInt(), 1, 16);
    r.options.timeLimitSeconds =
        std::clamp(s.value("time_limit_s", r.options.timeLimitSeconds).toDouble(), 0.0, 86400.0);
    r.costSpec = s.value("cost", r.costSpec).toString();
    r.options.run.batch = std::clamp(s.value("batch", 1).toInt(), 1, 256);
    r.options.run.precision =
        precisionFromString(ss(s.value("precision", "fp32").toString())).value_or(Precision::Fp32);
    s.endGroup();
    return r;
}

void setSearchRequest(const SearchRequest& r) {
    QSettings s = store();
    s.beginGroup("search");
    s.setValue("scheduler", toCliString(r.scheduler));
    s.setValue("strategy", qs(toString(r.options.strategy)));
    s.setValue("r", r.options.maxGroupSize);
    s.setValue("s", r.options.maxGroups);
    s.setValue("time_limit_s", r.options.timeLimitSeconds);
    s.setValue("cost", r.costSpec);
    s.setValue("batch", r.options.run.batch);
    s.setValue("precision", qs(toString(r.options.run.precision)));
    s.endGroup();
}

QVariant viewOption(const QString& key, const QVariant& fallback) {
    return store().value(QStringLiteral("view/") + key, fallback);
}
void setViewOption(const QString& key, const QVariant& value) {
    store().setValue(QStringLiteral("view/") + key, value);
}

} // namespace ioscope::app::AppSettings
