#pragma once
// A model as the explorer holds it: the finalized graph (shared, immutable, so workers can
// read it while the GUI shows it) and the facts derived from it once, off the GUI thread.
#include "analysis/partition.h"
#include "analysis/width.h"
#include "graph/graph.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <vector>

namespace ioscope::app {

struct ModelFacts {
    int units = 0;
    int edges = 0;
    WidthResult width;
    std::vector<int> widthProfile;
    std::vector<int> unitLevel; // each op's wavefront level (analysis/width.h unitLevels)
    CriticalPath criticalPath;
    double flops = 0; // batch 1
    double bytes = 0;
    std::int64_t params = 0;
};

struct LoadedModel {
    std::shared_ptr<const Graph> graph;
    QString source;      // what the user opened: a bundled name or a file path
    QString displayName; // the graph's name, else the file name
    ModelFacts facts;
    std::vector<Block> blocks;
    std::vector<std::vector<OpId>> outlinedBlocks; // the blocks of two ops or more (the DAG's outlines)
    QStringList notes;                             // loader notes and analysis that could not be done
};

// Loads and analyses MODEL (a bundled name, a model JSON or an ONNX file). Worker-safe.
// Throws InputError (bad input) or RuntimeFailure.
LoadedModel loadAndAnalyze(const QString& spec);
// Analyses an already finalized graph.
LoadedModel analyze(Graph graph, const QString& source);

} // namespace ioscope::app
