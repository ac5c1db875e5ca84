#include "layout/graph_layout.h"

#include "util/errors.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <utility>

#ifdef IOSCOPE_HAVE_GRAPHVIZ
#include <graphviz/gvc.h>
#endif

namespace ioscope::layout {

namespace {

constexpr double kPointsPerInch = 72.0;
constexpr Size kDefaultNodeSize{54, 36};

// Every Graphviz call of the process runs under this mutex (Graphviz keeps global state).
std::mutex& graphvizMutex() {
    static std::mutex m;
    return m;
}

struct DrawnEdge {
    OpId from, to;
};

// Which ops are drawn and which edges join them (duplicate producer entries drawn once).
std::vector<DrawnEdge> drawnEdges(const Graph& g, const std::vector<bool>& drawn) {
    std::vector<DrawnEdge> edges;
    for (OpId v = 0; v < g.size(); ++v) {
        if (!drawn[static_cast<size_t>(v)]) continue;
        std::set<OpId> seen;
        for (OpId p : g.predecessors(v))
            if (drawn[static_cast<size_t>(p)] && seen.insert(p).second) edges.push_back({p, v});
    }
    return edges;
}

void validate(const Graph& g, const LayoutOptions& o) {
    if (!o.nodeSizes.empty() && o.nodeSizes.size() != static_cast<size_t>(g.size()))
        throw InputError("layout: " + std::to_string(o.nodeSizes.size()) +
                         " node sizes given for a graph of " + std::to_string(g.size()) + " ops");
    std::vector<int> clusterOf(static_cast<size_t>(g.size()), -1);
    for (size_t c = 0; c < o.clusters.size(); ++c)
        for (OpId op : o.clusters[c]) {
            if (op < 0 || op >= g.size())
                throw InputError("layout: cluster " + std::to_string(c) + " names op #" + std::to_string(op) +
                                 ", which does not exist");
            if (clusterOf[static_cast<size_t>(op)] >= 0)
                throw InputError("layout: op '" + g.op(op).name + "' is in clusters " +
                                 std::to_string(clusterOf[static_cast<size_t>(op)]) + " and " +
                                 std::to_string(c));
            clusterOf[static_cast<size_t>(op)] = static_cast<int>(c);
        }
}

} // namespace

bool graphvizAvailable() {
#ifdef IOSCOPE_HAVE_GRAPHVIZ
    return true;
#else
    return false;
#endif
}

#ifndef IOSCOPE_HAVE_GRAPHVIZ

GraphLayout layoutGraph(const Graph& g, const LayoutOptions& options) {
    validate(g, options);
    return layeredLayout(g, options);
}

#else

namespace {

std::string& graphvizErrors() {
    static std::string text;
    return text;
}

int collectGraphvizError(char* message) {
    if (message) graphvizErrors() += message;
    return 0;
}

GVC_t* graphvizContext() {
    static GVC_t* context = [] {
        agseterr(AGERR); // keep warnings off stderr; errors are collected below
        agseterrf(collectGraphvizError);
        return gvContext();
    }();
    return context;
}

// Sets an attribute with a default, so it exists on every object of that kind.
void setDefault(Agraph_t* graph, int kind, const char* name, const char* value) {
    agattr(graph, kind, const_cast<char*>(name), const_cast<char*>(value));
}

std::string inches(double points) {
    return std::to_string(points / kPointsPerInch);
}

// Owns the Graphviz graph and frees the layout and graph on every path out.
struct GraphvizGraph {
    GVC_t* context;
    Agraph_t* graph;
    bool laidOut = false;
    ~GraphvizGraph() {
        if (laidOut) gvFreeLayout(context, graph);
        agclose(graph);
    }
};

} // namespace

GraphLayout layoutGraph(const Graph& g, const LayoutOptions& options) {
    validate(g, options);
    const auto started = std::chrono::steady_clock::now();
    std::vector<bool> drawn(static_cast<size_t>(g.size()));
    for (OpId v = 0; v < g.size(); ++v) drawn[static_cast<size_t>(v)] = options.includeInputs || g.isUnit(v);
    const std::vector<DrawnEdge> edges = drawnEdges(g, drawn);
    auto sizeOf = [&](OpId v) {
        Size s = options.nodeSizes.empty() ? Size{} : options.nodeSizes[static_cast<size_t>(v)];
        if (s.width <= 0 || s.height <= 0) s = kDefaultNodeSize;
        return s;
    };

    std::lock_guard lock(graphvizMutex());
    graphvizErrors().clear();
    GVC_t* context = graphvizContext();
    if (!context) throw RuntimeFailure("layout: Graphviz could not create a context");
    GraphvizGraph gv{context, agopen(const_cast<char*>("ioscope"), Agdirected, nullptr)};
    if (!gv.graph) throw RuntimeFailure("layout: Graphviz could not create a graph");
    Agraph_t* G = gv.graph;
    setDefault(G, AGRAPH, "rankdir", options.direction == Direction::LeftToRight ? "LR" : "TB");
    setDefault(G, AGRAPH, "nodesep", inches(options.nodeSeparation).c_str());
    setDefault(G, AGRAPH, "ranksep", inches(options.rankSeparation).c_str());
    setDefault(G, AGRAPH, "label", "");
    // Bound the crossing-minimisation and network-simplex work so the largest networks stay
    // within seconds; the result is still a proper dot layout. Edges count as much as ops:
    // DenseNet-121's 251 ops have 785 edges, most spanning many ranks: 54 s unbounded, 8.5 s so
    // (on 2 cores; most of the rest is Graphviz routing the splines, polylines no faster).
    const bool large = g.size() > 300 || edges.size() > 500;
    setDefault(G, AGRAPH, "mclimit", large ? "0.5" : "1.0");
    setDefault(G, AGRAPH, "nslimit", large ? "20" : "100");
    setDefault(G, AGRAPH, "nslimit1", large ? "20" : "100");
    setDefault(G, AGNODE, "shape", "box");
    setDefault(G, AGNODE, "fixedsize", "true");
    setDefault(G, AGNODE, "label", "");
    setDefault(G, AGNODE, "width", "0.75");
    setDefault(G, AGNODE, "height", "0.5");
    setDefault(G, AGEDGE, "arrowhead", "normal");
    Agsym_t* widthSym = agattr(G, AGNODE, const_cast<char*>("width"), nullptr);
    Agsym_t* heightSym = agattr(G, AGNODE, const_cast<char*>("height"), nullptr);

    std::vector<Agnode_t*> nodes(static_cast<size_t>(g.size()), nullptr);
    std::vector<Agraph_t*> clusterGraphs;
    std::vector<int> clusterOf(static_cast<size_t>(g.size()), -1);
    std::vector<bool> clusterDrawn(options.clusters.size(), false); // empty clusters are left out
    for (size_t c = 0; c < options.clusters.size(); ++c)
        for (OpId op : options.clusters[c]) {
            clusterOf[static_cast<size_t>(op)] = static_cast<int>(c);
            if (drawn[static_cast<size_t>(op)]) clusterDrawn[c] = true;
        }
    for (size_t c = 0; c < options.clusters.size(); ++c) {
        if (!clusterDrawn[c]) {
            clusterGraphs.push_back(nullptr);
            continue;
        }
        const std::string name = "cluster_" + std::to_string(c);
        Agraph_t* sub = agsubg(G, const_cast<char*>(name.c_str()), 1);
        agsafeset(sub, const_cast<char*>("margin"), const_cast<char*>("8"), const_cast<char*>(""));
        // The label is drawn by the GUI; giving it to dot reserves room for it above the nodes.
        if (c < options.clusterLabels.size() && !options.clusterLabels[c].empty()) {
            agsafeset(sub, const_cast<char*>("label"), const_cast<char*>(options.clusterLabels[c].c_str()),
                      const_cast<char*>(""));
            agsafeset(sub, const_cast<char*>("labeljust"), const_cast<char*>("l"), const_cast<char*>(""));
            agsafeset(sub, const_cast<char*>("fontsize"), const_cast<char*>("9"), const_cast<char*>(""));
        }
        clusterGraphs.push_back(sub);
    }
    for (OpId v = 0; v < g.size(); ++v) {
        if (!drawn[static_cast<size_t>(v)]) continue;
        const std::string name = std::string("n").append(std::to_string(v));
        const int c = clusterOf[static_cast<size_t>(v)];
        Agraph_t* owner = c >= 0 ? clusterGraphs[static_cast<size_t>(c)] : G;
        Agnode_t* n = agnode(owner, const_cast<char*>(name.c_str()), 1);
        const Size s = sizeOf(v);
        agxset(n, widthSym, const_cast<char*>(inches(s.width).c_str()));
        agxset(n, heightSym, const_cast<char*>(inches(s.height).c_str()));
        nodes[static_cast<size_t>(v)] = n;
    }
    std::vector<Agedge_t*> gvEdges;
    gvEdges.reserve(edges.size());
    for (const DrawnEdge& e : edges)
        gvEdges.push_back(
            agedge(G, nodes[static_cast<size_t>(e.from)], nodes[static_cast<size_t>(e.to)], nullptr, 1));

    if (gvLayout(context, G, "dot") != 0)
        throw RuntimeFailure("layout: Graphviz dot failed: " +
                             (graphvizErrors().empty() ? std::string("no message") : graphvizErrors()));
    gv.laidOut = true;

    // Graphviz has y upwards with the bounding box anywhere; ours has y downwards from (0, 0).
    const boxf bb = GD_bb(G);
    auto convert = [&](pointf p) { return Point{p.x - bb.LL.x, bb.UR.y - p.y}; };
    GraphLayout out;
    out.bounds = Rect{0, 0, bb.UR.x - bb.LL.x, bb.UR.y - bb.LL.y};
    for (OpId v = 0; v < g.size(); ++v) {
        Agnode_t* n = nodes[static_cast<size_t>(v)];
        if (!n) continue;
        const Size s = sizeOf(v);
        out.nodes.push_back(NodeLayout{v, convert(ND_coord(n)), s.width, s.height});
    }
    for (size_t i = 0; i < edges.size(); ++i) {
        EdgeLayout e;
        e.from = edges[i].from;
        e.to = edges[i].to;
        const splines* spl = ED_spl(gvEdges[i]);
        if (spl && spl->size > 0) {
            const bezier& bz = spl->list[0];
            for (int k = 0; k < bz.size; ++k) e.spline.push_back(convert(bz.list[k]));
            if (bz.eflag) {
                e.hasArrow = true;
                e.arrowTip = convert(bz.ep);
            }
        }
        if (e.spline.empty()) { // Graphviz gave no route: a straight line between the centres
            const Point a = convert(ND_coord(nodes[static_cast<size_t>(e.from)]));
            const Point b = convert(ND_coord(nodes[static_cast<size_t>(e.to)]));
            e.spline = {a, a, b, b};
        }
        out.edges.push_back(std::move(e));
    }
    for (size_t c = 0; c < clusterGraphs.size(); ++c) {
        if (!clusterGraphs[c]) continue;
        const boxf cb = GD_bb(clusterGraphs[c]);
        ClusterLayout cl;
        cl.index = static_cast<int>(c);
        if (c < options.clusterLabels.size()) cl.label = options.clusterLabels[c];
        const Point tl = convert(pointf{cb.LL.x, cb.UR.y});
        cl.rect = Rect{tl.x, tl.y, cb.UR.x - cb.LL.x, cb.UR.y - cb.LL.y};
        out.clusters.push_back(std::move(cl));
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
}

#endif

} // namespace ioscope::layout
