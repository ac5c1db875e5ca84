// A Graphviz-free layered layout (longest-path ranks, barycentre ordering, straight edges): the
// fallback when ioscope is built without Graphviz, so the DAG view still works there.
#include "layout/graph_layout.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

namespace ioscope::layout {

namespace {
constexpr Size kDefaultSize{54, 36};
constexpr double kClusterMargin = 8;
} // namespace

GraphLayout layeredLayout(const Graph& g, const LayoutOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    const size_t n = static_cast<size_t>(g.size());
    const bool lr = options.direction == Direction::LeftToRight;
    std::vector<bool> drawn(n);
    for (OpId v = 0; v < g.size(); ++v) drawn[static_cast<size_t>(v)] = options.includeInputs || g.isUnit(v);
    auto sizeOf = [&](OpId v) {
        Size s = options.nodeSizes.size() == n ? options.nodeSizes[static_cast<size_t>(v)] : Size{};
        if (s.width <= 0 || s.height <= 0) s = kDefaultSize;
        return lr ? Size{s.height, s.width} : s; // rank axis first: "height" runs along the ranks
    };

    // Ranks by longest path (ops are stored in topological order).
    std::vector<int> rank(n, 0);
    int ranks = 0;
    std::vector<std::pair<OpId, OpId>> edges;
    for (OpId v = 0; v < g.size(); ++v) {
        if (!drawn[static_cast<size_t>(v)]) continue;
        std::set<OpId> seen;
        for (OpId p : g.predecessors(v))
            if (drawn[static_cast<size_t>(p)] && seen.insert(p).second) {
                rank[static_cast<size_t>(v)] =
                    std::max(rank[static_cast<size_t>(v)], rank[static_cast<size_t>(p)] + 1);
                edges.emplace_back(p, v);
            }
        ranks = std::max(ranks, rank[static_cast<size_t>(v)] + 1);
    }
    std::vector<std::vector<OpId>> layers(static_cast<size_t>(ranks));
    for (OpId v = 0; v < g.size(); ++v)
        if (drawn[static_cast<size_t>(v)])
            layers[static_cast<size_t>(rank[static_cast<size_t>(v)])].push_back(v);

    // Barycentre sweeps down and up to reduce crossings.
    std::vector<double> pos(n, 0);
    auto renumber = [&](const std::vector<OpId>& layer) {
        for (size_t i = 0; i < layer.size(); ++i) pos[static_cast<size_t>(layer[i])] = static_cast<double>(i);
    };
    for (const auto& layer : layers) renumber(layer);
    for (int sweep = 0; sweep < 8; ++sweep) {
        const bool down = sweep % 2 == 0;
        for (int r = down ? 1 : ranks - 2; down ? r < ranks : r >= 0; r += down ? 1 : -1) {
            auto& layer = layers[static_cast<size_t>(r)];
            std::vector<double> key(n, 0);
            for (OpId v : layer) {
                double sum = 0;
                int count = 0;
                for (OpId other : down ? g.predecessors(v) : g.successors(v))
                    if (drawn[static_cast<size_t>(other)]) sum += pos[static_cast<size_t>(other)], ++count;
                key[static_cast<size_t>(v)] = count ? sum / count : pos[static_cast<size_t>(v)];
            }
            std::stable_sort(layer.begin(), layer.end(), [&](OpId a, OpId b) {
                return key[static_cast<size_t>(a)] < key[static_cast<size_t>(b)];
            });
            renumber(layer);
        }
    }

    // Coordinates: ranks along y (x when left to right), each rank centred on the widest.
    GraphLayout out;
    std::vector<Point> centre(n);
    std::vector<double> rankWidth(static_cast<size_t>(ranks), 0);
    for (int r = 0; r < ranks; ++r)
        for (OpId v : layers[static_cast<size_t>(r)])
            rankWidth[static_cast<size_t>(r)] += sizeOf(v).width + options.nodeSeparation;
    const double widest = ranks ? *std::max_element(rankWidth.begin(), rankWidth.end()) : 0;
    double y = 0;
    for (int r = 0; r < ranks; ++r) {
        double x = (widest - rankWidth[static_cast<size_t>(r)]) / 2 + options.nodeSeparation / 2;
        double tallest = 0;
        for (OpId v : layers[static_cast<size_t>(r)]) tallest = std::max(tallest, sizeOf(v).height);
        for (OpId v : layers[static_cast<size_t>(r)]) {
            const Size s = sizeOf(v);
            centre[static_cast<size_t>(v)] = Point{x + s.width / 2, y + tallest / 2};
            x += s.width + options.nodeSeparation;
        }
        y += tallest + options.rankSeparation;
    }
    auto screen = [&](Point p) { return lr ? Point{p.y, p.x} : p; };
    for (OpId v = 0; v < g.size(); ++v) {
        if (!drawn[static_cast<size_t>(v)]) continue;
        const Size s = sizeOf(v);
        out.nodes.push_back(NodeLayout{v, screen(centre[static_cast<size_t>(v)]), lr ? s.height : s.width,
                                       lr ? s.width : s.height});
    }
    for (const auto& [from, to] : edges) { // straight: bottom of the producer to the top of the consumer
        const Point a{centre[static_cast<size_t>(from)].x,
                      centre[static_cast<size_t>(from)].y + sizeOf(from).height / 2};
        const Point tip{centre[static_cast<size_t>(to)].x,
                        centre[static_cast<size_t>(to)].y - sizeOf(to).height / 2};
        const double dx = tip.x - a.x, dy = tip.y - a.y, len = std::max(1e-6, std::hypot(dx, dy));
        const Point b{tip.x - dx / len * 8, tip.y - dy / len * 8};
        EdgeLayout e;
        e.from = from;
        e.to = to;
        e.spline = {screen(a), screen({a.x + (b.x - a.x) / 3, a.y + (b.y - a.y) / 3}),
                    screen({a.x + (b.x - a.x) * 2 / 3, a.y + (b.y - a.y) * 2 / 3}), screen(b)};
        e.hasArrow = true;
        e.arrowTip = screen(tip);
        out.edges.push_back(std::move(e));
    }
    for (size_t c = 0; c < options.clusters.size(); ++c) {
        Rect r{1e300, 1e300, 0, 0};
        double right = -1e300, bottom = -1e300;
        for (const NodeLayout& node : out.nodes)
            if (std::count(options.clusters[c].begin(), options.clusters[c].end(), node.op)) {
                r.x = std::min(r.x, node.centre.x - node.width / 2 - kClusterMargin);
                r.y = std::min(r.y, node.centre.y - node.height / 2 - kClusterMargin);
                right = std::max(right, node.centre.x + node.width / 2 + kClusterMargin);
                bottom = std::max(bottom, node.centre.y + node.height / 2 + kClusterMargin);
            }
        if (right < r.x) continue; // no drawn member
        r.width = right - r.x;
        r.height = bottom - r.y;
        out.clusters.push_back(ClusterLayout{
            static_cast<int>(c), c < options.clusterLabels.size() ? options.clusterLabels[c] : "", r});
    }
    // Bounds from everything drawn, shifted so they start at (0, 0).
    double minX = 0, minY = 0, maxX = 0, maxY = 0;
    for (const auto& node : out.nodes) {
        minX = std::min(minX, node.centre.x - node.width / 2),
        minY = std::min(minY, node.centre.y - node.height / 2);
        maxX = std::max(maxX, node.centre.x + node.width / 2),
        maxY = std::max(maxY, node.centre.y + node.height / 2);
    }
    for (const auto& cl : out.clusters) {
        minX = std::min(minX, cl.rect.x), minY = std::min(minY, cl.rect.y);
        maxX = std::max(maxX, cl.rect.right()), maxY = std::max(maxY, cl.rect.bottom());
    }
    auto shift = [&](Point& p) { p.x -= minX, p.y -= minY; };
    for (auto& node : out.nodes) shift(node.centre);
    for (auto& e : out.edges) {
        for (auto& p : e.spline) shift(p);
        shift(e.arrowTip);
    }
    for (auto& cl : out.clusters) cl.rect.x -= minX, cl.rect.y -= minY;
    out.bounds = Rect{0, 0, maxX - minX, maxY - minY};
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
}

} // namespace ioscope::layout
