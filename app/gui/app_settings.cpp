#include "app_settings.h"

#include "qt_text.h"
#include "settings_store.h"

#include <QDir>
#include <QSettings>

#include <algorithm>

namespace ioscope::app::AppSettings {
namespace {
// The open batch's changes (GUI thread only), else null.
QVariantMap* batchChanges = nullptr;

// A change goes into the open batch, or to the writer on its own.
void change(const QString& key, const QVariant& value) {
    if (batchChanges)
        batchChanges->insert(key, value);
    else
        SettingsStore::instance().write({{key, value}});
}

// The latest value of `key`: the open batch's, else the store's.
QVariant read(const QString& key, const QVariant& fallback = {}) {
    if (batchChanges)
        if (const auto it = batchChanges->constFind(key); it != batchChanges->cend()) return it.value();
    return SettingsStore::instance().value(key, fallback);
}
} // namespace

void putIfChanged(QSettings& s, const QString& key, const QVariant& value) {
    const QVariant old = s.value(key);
    bool same = old.isValid();
    if (same) {
        // What the file gives back is text or bytes: compare in the type being written.
        if (value.typeId() == QMetaType::QByteArray)
            same = old.toByteArray() == value.toByteArray();
        else if (value.typeId() == QMetaType::QStringList)
            same = old.toStringList() == value.toStringList();
        else
            same = old.toString() == value.toString();
    }
    if (!same) s.setValue(key, value);
}

void waitForWrites() {
    SettingsStore::instance().waitForWrites();
}

Batch::Batch() {
    if (batchChanges) return; // joins the open one
    changes_ = std::make_unique<QVariantMap>();
    batchChanges = changes_.get();
}

Batch::~Batch() {
    if (!changes_) return;
    batchChanges = nullptr;
    SettingsStore::instance().write(*changes_); // one write
}

QByteArray windowGeometry() {
    return read(QStringLiteral("window/geometry")).toByteArray();
}
void setWindowGeometry(const QByteArray& geometry) {
    change(QStringLiteral("window/geometry"), geometry);
}
QByteArray windowState() {
    return read(QStringLiteral("window/state")).toByteArray();
}
void setWindowState(const QByteArray& state) {
    change(QStringLiteral("window/state"), state);
}

QStringList recentModels() {
    return read(QStringLiteral("models/recent")).toStringList();
}
void setRecentModels(const QStringList& models) {
    change(QStringLiteral("models/recent"), models);
}
QString lastModel() {
    return read(QStringLiteral("models/last")).toString();
}
void setLastModel(const QString& spec) {
    change(QStringLiteral("models/last"), spec);
}
QString lastDirectory() {
    return read(QStringLiteral("files/lastDirectory"), QDir::homePath()).toString();
}
void setLastDirectory(const QString& dir) {
    change(QStringLiteral("files/lastDirectory"), dir);
}

SearchRequest searchRequest() {
    const auto value = [](const char* key, const QVariant& fallback) {
        return read(QStringLiteral("search/") + QLatin1String(key), fallback);
    };
    SearchRequest r;
    r.scheduler = schedulerKindFromString(value("scheduler", "ios").toString()).value_or(SchedulerKind::Ios);
    r.options.strategy =
        strategySetFromString(ss(value("strategy", "both").toString())).value_or(StrategySet::Both);
    // The search panel's (and the CLI's) bounds: a saved s=20 comes back as 20, not 16.
    r.options.maxGroupSize = std::clamp(value("r", r.options.maxGroupSize).toInt(), 1, 64);
    r.options.maxGroups = std::clamp(value("s", r.options.maxGroups).toInt(), 1, 64);
    r.options.timeLimitSeconds =
        std::clamp(value("time_limit_s", r.options.timeLimitSeconds).toDouble(), 0.0, 86400.0);
    r.costSpec = value("cost", r.costSpec).toString();
    r.options.run.batch = std::clamp(value("batch", 1).toInt(), 1, 256);
    r.options.run.precision =
        precisionFromString(ss(value("precision", "fp32").toString())).value_or(Precision::Fp32);
    return r;
}

void setSearchRequest(const SearchRequest& r) {
    const Batch batch; // one change, or part of the open batch
    const auto set = [](const char* key, const QVariant& value) {
        change(QStringLiteral("search/") + QLatin1String(key), value);
    };
    set("scheduler", toCliString(r.scheduler));
    set("strategy", qs(toString(r.options.strategy)));
    set("r", r.options.maxGroupSize);
    set("s", r.options.maxGroups);
    set("time_limit_s", r.options.timeLimitSeconds);
    set("cost", r.costSpec);
    set("batch", r.options.run.batch);
    set("precision", qs(toString(r.options.run.precision)));
}

QVariant viewOption(const QString& key, const QVariant& fallback) {
    return read(QStringLiteral("view/") + key, fallback);
}
void setViewOption(const QString& key, const QVariant& value) {
    change(QStringLiteral("view/") + key, value);
}

} // namespace ioscope::app::AppSettings
