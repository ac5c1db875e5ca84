#include "settings_store.h"

#include "app_settings.h"

#include <QSettings>

namespace ioscope::app {

SettingsStore& SettingsStore::instance() {
    static SettingsStore store(QStringLiteral("ioscope"), QStringLiteral("ioscope"));
    return store;
}

SettingsStore::SettingsStore(QString organization, QString application)
    : organization_(std::move(organization)), application_(std::move(application)) {}

SettingsStore::~SettingsStore() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void SettingsStore::loadOnce() {
    if (loaded_) return;
    loaded_ = true;
    const QSettings file(organization_, application_); // no write runs yet: the thread starts later
    for (const QString& key : file.allKeys()) known_.insert(key, file.value(key));
}

QVariant SettingsStore::value(const QString& key, const QVariant& fallback) {
    std::lock_guard lock(mutex_);
    loadOnce();
    const auto it = known_.constFind(key);
    return it == known_.cend() ? fallback : it.value();
}

void SettingsStore::write(const QVariantMap& changes) {
    if (changes.isEmpty()) return;
    {
        std::lock_guard lock(mutex_);
        loadOnce();
        for (auto it = changes.begin(); it != changes.end(); ++it) {
            known_.insert(it.key(), it.value());
            pending_.insert(it.key(), it.value());
        }
        if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    wake_.notify_all();
}

void SettingsStore::waitForWrites() {
    std::unique_lock lock(mutex_);
    written_.wait(lock, [this] { return pending_.isEmpty() && !writing_; });
}

void SettingsStore::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stop_ || !pending_.isEmpty(); });
        if (pending_.isEmpty()) return; // stopping, nothing left
        const QVariantMap changes = std::exchange(pending_, {});
        writing_ = true;
        lock.unlock();
        {
            QSettings file(organization_, application_);
            for (auto it = changes.cbegin(); it != changes.cend(); ++it)
                AppSettings::putIfChanged(file, it.key(), it.value());
        } // the write and its sync
        lock.lock();
        writing_ = false;
        written_.notify_all();
    }
}

} // namespace ioscope::app
