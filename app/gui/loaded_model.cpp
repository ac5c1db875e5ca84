#include "loaded_model.h"

#include "analysis/model_totals.h"
#include "models/model_spec.h"
#include "qt_text.h"

#include <QFileInfo>

namespace ioscope::app {

LoadedModel loadAndAnalyze(const QString& spec) {
    std::vector<std::string> notes;
    ModelLoadOptions options;
    options.notes = &notes;
    LoadedModel m = analyze(loadModelSpec(ss(spec), options), spec);
    for (const auto& n : notes) m.notes << qs(n);
    return m;
}

LoadedModel analyze(Graph graph, const QString& source) {
    LoadedModel m;
    m.source = source;
    m.displayName = graph.name().empty() ? QFileInfo(source).completeBaseName() : qs(graph.name());
    ModelFacts& f = m.facts;
    const ModelTotals totals = modelTotals(graph);
    f.units = totals.units;
    f.edges = totals.edges;
    f.flops = totals.flops;
    f.bytes = totals.bytes;
    f.params = totals.params;
    f.width = maximumAntichain(graph);
    f.widthProfile = widthProfile(graph);
    f.unitLevel = unitLevels(graph);
    f.criticalPath = criticalPathByFlops(graph);
    // Blocks only feed the teaching view and the DAG outlines; a failure there must not stop
    // the model from opening.
    try {
        m.blocks = partitionBlocks(graph);
        for (const Block& b : m.blocks)
            if (b.ops.size() >= 2) m.outlinedBlocks.push_back(b.ops);
    } catch (const std::exception& e) {
        m.notes << QStringLiteral("blocks unavailable: %1").arg(QString::fromUtf8(e.what()));
    }
    m.graph = std::make_shared<const Graph>(std::move(graph));
    return m;
}

} // namespace ioscope::app
