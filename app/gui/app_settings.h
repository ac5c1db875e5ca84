#pragma once
// What the explorer remembers between sessions (QSettings "ioscope/ioscope"): window
// geometry and dock state, recent and last models, the last directory, search parameters,
// DAG view options.
#include "schedule_run.h"

#include <QByteArray>
#include <QStringList>
#include <QVariant>

namespace ioscope::app::AppSettings {

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
