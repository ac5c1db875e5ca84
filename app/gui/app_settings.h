#pragma once
// What the explorer remembers between sessions (QSettings "ioscope/ioscope"): window
// geometry and dock state, recent and last models, the last directory, search parameters,
// DAG view options.
#include "schedule_run.h"

#include <QByteArray>
#include <QStringList>
#include <QVariant>

#include <memory>

class QSettings;

namespace ioscope::app::AppSettings {

// While one lives (on the GUI thread), the setters below write into one store, saved as one
// file write when it goes; otherwise each setter writes (and syncs) the file on its own.
class Batch {
  public:
    Batch();
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

  private:
    std::unique_ptr<QSettings> store_; // null in a nested batch
};

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
