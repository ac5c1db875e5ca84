#pragma once
// The explorer's settings in memory, written to their file on a thread of their own. A QSettings
// that changed something writes its file and syncs it (and its lock file) to disk when it goes,
// and a sync waits for every other program's pending writes: on a disk busy with a build,
// seconds. While one thread writes the file, a QSettings made for it on another waits too, so
// the window reads the values from memory: the file as first read, with every change since.
#include <QString>
#include <QVariant>
#include <QVariantMap>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace ioscope::app {

class SettingsStore {
  public:
    // The process's store (QSettings "ioscope/ioscope").
    static SettingsStore& instance();

    SettingsStore(QString organization, QString application);
    ~SettingsStore(); // writes what is pending, then stops
    SettingsStore(const SettingsStore&) = delete;
    SettingsStore& operator=(const SettingsStore&) = delete;

    // Full keys ("search/r"). The latest value: the last change, else the file's as first read.
    QVariant value(const QString& key, const QVariant& fallback = {});
    // Readable at once; on disk soon after, one file write for the whole map, later changes over
    // earlier ones. A value equal to the file's is not written.
    void write(const QVariantMap& changes);
    // Returns once everything handed over so far is on disk.
    void waitForWrites();

  private:
    void loadOnce(); // with mutex_ held
    void run();

    const QString organization_, application_;
    std::mutex mutex_;
    std::condition_variable wake_, written_;
    bool loaded_ = false;
    QVariantMap known_;   // the file as first read, with every change since
    QVariantMap pending_; // not yet taken by the thread
    bool writing_ = false;
    bool stop_ = false;
    std::thread thread_;
};

} // namespace ioscope::app
