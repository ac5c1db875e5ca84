#include "analysis/model_totals.h"

#include "graph/op_metrics.h"

#include <limits>

namespace ioscope {

ModelTotals modelTotals(const Graph& g) {
    ModelTotals t;
    for (OpId u : g.units()) {
        ++t.units;
        for (OpId p : g.predecessors(u))
            if (g.isUnit(p)) ++t.edges;
        const OpMetrics m = opMetrics(g.op(u));
        t.flops += m.flops;
        t.bytes += m.bytes;
        t.params = m.params > std::numeric_limits<long long>::max() - t.params
                       ? std::numeric_limits<long long>::max()
                       : t.params + m.params;
        ++t.kinds[std::string(toString(g.op(u).kind))];
    }
    return t;
}

} // namespace ioscope
