#pragma once
// Graphviz `dot` layout of a Graph into plain structs (no Graphviz or Qt types leak out), so the
// GUI can build its graphics items on its own thread. Coordinates are in points (1/72 inch),
// y grows downwards, and the bounding box starts at (0, 0).
//
// Graphviz is not thread-safe: layoutGraph() serializes every Graphviz call behind one
// process-wide mutex. Use LayoutWorker (layout_worker.h) to run it off the GUI thread.
#include "graph/graph.h"

#include <string>
#include <vector>

namespace ioscope::layout {

enum class Direction { TopToBottom, LeftToRight };

struct Point {
    double x = 0, y = 0;
};

struct Size {
    double width = 0, height = 0;
};

struct Rect {
    double x = 0, y = 0, width = 0, height = 0;
    double right() const { return x + width; }
    double bottom() const { return y + height; }
};

struct NodeLayout {
    OpId op = -1;
    Point centre;
    double width = 0, height = 0; // as requested (Graphviz may not shrink them)
};

struct EdgeLayout {
    OpId from = -1, to = -1;
    // A cubic B-spline in Graphviz form: p0, then (c1, c2, p) triples; size() == 1 + 3k.
    std::vector<Point> spline;
    bool hasArrow = false;
    Point arrowTip; // the head arrow goes from spline.back() to arrowTip
};

struct ClusterLayout {
    int index = -1; // index into LayoutOptions::clusters
    std::string label;
    Rect rect;
};

struct LayoutOptions {
    Direction direction = Direction::TopToBottom;
    // Size of each op's node box in points, indexed by OpId (size g.size()); missing or zero
    // entries get a default of 54x36.
    std::vector<Size> nodeSizes;
    bool includeInputs = true; // draw Input ops (they are not scheduling units)
    // Optional groups of ops drawn as cluster rectangles (e.g. blocks); each op in at most one.
    std::vector<std::vector<OpId>> clusters;
    std::vector<std::string> clusterLabels; // optional, parallel to clusters
    double nodeSeparation = 18;             // points between neighbours in a rank
    double rankSeparation = 30;             // points between ranks
};

struct GraphLayout {
    std::vector<NodeLayout> nodes; // one per drawn op, in OpId order
    std::vector<EdgeLayout> edges; // one per edge between drawn ops
    std::vector<ClusterLayout> clusters;
    Rect bounds;        // contains every node, edge and cluster; x = y = 0
    double seconds = 0; // wall time of the Graphviz run
};

// True when the engine was built with Graphviz.
bool graphvizAvailable();

// Lays the graph out with `dot` (without Graphviz: with layeredLayout). Throws InputError for
// inconsistent options (node sizes for a different graph, an op in two clusters) and
// RuntimeFailure when Graphviz fails. Safe to call from any thread (calls are serialized).
GraphLayout layoutGraph(const Graph& g, const LayoutOptions& options = {});

// A simple layered layout without Graphviz (longest-path ranks, barycentre ordering, straight
// edges; clusters are the boxes around their ops and may overlap others). Thread-safe.
GraphLayout layeredLayout(const Graph& g, const LayoutOptions& options = {});

} // namespace ioscope::layout
