#include "app_settings.h"

#include "qt_text.h"

#include <QDir>
#include <QSettings>

namespace ioscope::app::AppSettings {
namespace {
// The open batch's store (GUI thread only), else null.
QSettings* batchStore = nullptr;

// Runs fn on the batch's store, or on a store of its own: a QSettings that changed something
// writes the file (and syncs it to disk) when it goes, so each lone setter costs a file write.
template <class Fn> decltype(auto) withStore(Fn&& fn) {
    if (batchStore) return fn(*batchStore);
    QSettings s(QStringLiteral("ioscope"), QStringLiteral("ioscope"));
    return fn(s);
}

// Sets `key` only when its value changes: a store with nothing changed writes nothing when it
// goes. The write syncs the file (and its lock file) to disk, which waits for every other
// program's pending writes: on a disk busy with a build, seconds.
void put(QSettings& s, QAnyStringView key, const QVariant& value) {
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
} // namespace

Batch::Batch() {
    if (!batchStore) {
        store_ = std::make_unique<QSettings>(QStringLiteral("ioscope"), QStringLiteral("ioscope"));
        batchStore = store_.get();
    }
}

Batch::~Batch() {
    if (!store_) return;
    batchStore = nullptr;
    store_.reset(); // the one write
}

QByteArray windowGeometry() {
    return withStore([&](QSettings& s) { return s.value("window/geometry").toByteArray(); });
}
void setWindowGeometry(const QByteArray& geometry) {
    withStore([&](QSettings& s) { put(s, "window/geometry", geometry); });
}
QByteArray windowState() {
    return withStore([&](QSettings& s) { return s.value("window/state").toByteArray(); });
}
void setWindowState(const QByteArray& state) {
    withStore([&](QSettings& s) { put(s, "window/state", state); });
}

QStringList recentModels() {
    return withStore([&](QSettings& s) { return s.value("models/recent").toStringList(); });
}
void setRecentModels(const QStringList& models) {
    withStore([&](QSettings& s) { put(s, "models/recent", models); });
}
QString lastModel() {
    return withStore([&](QSettings& s) { return s.value("models/last").toString(); });
}
void setLastModel(const QString& spec) {
    withStore([&](QSettings& s) { put(s, "models/last", spec); });
}
QString lastDirectory() {
    return withStore(
        [&](QSettings& s) { return s.value("files/lastDirectory", QDir::homePath()).toString(); });
}
void setLastDirectory(const QString& dir) {
    withStore([&](QSettings& s) { put(s, "files/lastDirectory", dir); });
}

namespace {
SearchRequest searchRequestFrom(QSettings& s) {
    SearchRequest r;
    s.beginGroup("search");
    r.scheduler =
        schedulerKindFromString(s.value("scheduler", "ios").toString()).value_or(SchedulerKind::Ios);
    r.options.strategy =
        strategySetFromString(ss(s.value("strategy", "both").toString())).value_or(StrategySet::Both);
    // The search panel's (and the CLI's) bounds: a saved s=20 comes back as 20, not 16.
    r.options.maxGroupSize = std::clamp(s.value("r", r.options.maxGroupSize).toInt(), 1, 64);
    r.options.maxGroups = std::clamp(s.value("s", r.options.maxGroups).toInt(), 1, 64);
    r.options.timeLimitSeconds =
        std::clamp(s.value("time_limit_s", r.options.timeLimitSeconds).toDouble(), 0.0, 86400.0);
    r.costSpec = s.value("cost", r.costSpec).toString();
    r.options.run.batch = std::clamp(s.value("batch", 1).toInt(), 1, 256);
    r.options.run.precision =
        precisionFromString(ss(s.value("precision", "fp32").toString())).value_or(Precision::Fp32);
    s.endGroup();
    return r;
}
} // namespace

SearchRequest searchRequest() {
    return withStore([](QSettings& s) { return searchRequestFrom(s); });
}

void setSearchRequest(const SearchRequest& r) {
    withStore([&r](QSettings& s) {
        s.beginGroup("search");
        put(s, "scheduler", toCliString(r.scheduler));
        put(s, "strategy", qs(toString(r.options.strategy)));
        put(s, "r", r.options.maxGroupSize);
        put(s, "s", r.options.maxGroups);
        put(s, "time_limit_s", r.options.timeLimitSeconds);
        put(s, "cost", r.costSpec);
        put(s, "batch", r.options.run.batch);
        put(s, "precision", qs(toString(r.options.run.precision)));
        s.endGroup();
    });
}

QVariant viewOption(const QString& key, const QVariant& fallback) {
    return withStore([&](QSettings& s) { return s.value(QStringLiteral("view/") + key, fallback); });
}
void setViewOption(const QString& key, const QVariant& value) {
    withStore([&](QSettings& s) { put(s, QStringLiteral("view/") + key, value); });
}

} // namespace ioscope::app::AppSettings
