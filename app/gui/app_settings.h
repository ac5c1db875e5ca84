#pragma once
// What the explorer remembers between sessions (QSettings "ioscope/ioscope"): window
// geometry and dock state, recent and last models, the last directory, search parameters,
// DAG view options.
#include "schedule_run.h"

#include <QByteArray>
#include <QStringList>
#include <QVariant>
#include <QVariantMap>

#include <memory>

class QSettings;

namespace ioscope::app::AppSettings {

// Every change is written on a thread of its own (settings_store.h): the window never waits for
// the disk. The getters see every change at once, written or not. While a Batch lives (on the GUI
// thread) the setters below collect their changes, handed over as one file write when it goes.
class Batch {
  public:
    Batch();
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

  private:
    std::unique_ptr<QVariantMap> changes_; // null in a nested batch
};

// Returns once every change made so far is on disk (before the process exits).
void waitForWrites();

// Sets `key` only when its value changes: a store with nothing changed writes nothing when it
// goes (closing with nothing changed waits for no sync).
void putIfChanged(QSettings& s, const QString& key, const QVariant& value);

QByteArray windowGeometry();
void setWindowGeometry(const QByteArray& geometry);
QByteArray windowState();
void setWindowState(const QByteArray& state);

QStringList recentModels();
void setRecentModels(const QStringList& models);
QString lastModel();
void setLastModel(const QString& spec);
QString lastDirectory();
void setLastDirectory(const QString& dir);

SearchRequest searchRequest();
void setSearchRequest(const SearchRequest& request);

// DAG view options under "view/": critical_path, edge_shapes (bools), colouring (DagColouring).
QVariant viewOption(const QString& key, const QVariant& fallback);
void setViewOption(const QString& key, const QVariant& value);

} // namespace ioscope::app::AppSettings
