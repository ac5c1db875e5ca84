// RandWire, regular regime with C = 154, as the IOS paper uses it (ios/models/randwire.py): a
// 3x3/2 conv to C/2 channels; four stages whose wiring is a Watts-Strogatz graph (k = 4,
// p = 0.75) of 16, 32, 32, 32 nodes with C, 2C, 4C, 8C channels; then ReLU, a 1x1 conv to 1280
// and a global average pool. Each node is one ReLU-separable 3x3 conv reading the unweighted
// sum of its predecessors (stride 2 for nodes with no predecessor, which read the stage input);
// each stage's output is an identity summing the nodes nobody reads. IOS ships four graphs
// drawn once by a Python script; ioscope draws its own from the seeded generator below, so the
// wiring (not the sizes) differs from the paper's files. See docs/models.md.
#include "models/model_builder.h"
#include "models/model_registry.h"

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace ioscope {
namespace {

// Seed of stage s (1-based) is kRandWireSeed + s. std::mt19937_64's output sequence is fixed by
// the C++ standard; the conversions below avoid the library-defined distributions, so every
// platform draws the same graphs.
constexpr std::uint64_t kRandWireSeed = 20210000;

double uniform01(std::mt19937_64& rng) {
    return double(rng() >> 11) * (1.0 / 9007199254740992.0);
}
size_t pick(std::mt19937_64& rng, size_t n) {
    return static_cast<size_t>(uniform01(rng) * double(n));
}

// Undirected Watts-Strogatz graph: a ring where each node links to its k/2 neighbours on each
// side; then, neighbour offset by offset and node by node, each lattice edge (i, i+j) is
// rewired with probability p to (i, w), w uniform among the nodes not yet linked to i.
std::vector<std::vector<bool>> wattsStrogatz(int n, int k, double p, std::uint64_t seed) {
    std::vector<std::vector<bool>> adj(static_cast<size_t>(n),
                                       std::vector<bool>(static_cast<size_t>(n), false));
    auto link = [&](int a, int b, bool on) { adj[size_t(a)][size_t(b)] = adj[size_t(b)][size_t(a)] = on; };
    for (int i = 0; i < n; ++i)
        for (int j = 1; j <= k / 2; ++j) link(i, (i + j) % n, true);
    std::mt19937_64 rng(seed);
    for (int j = 1; j <= k / 2; ++j)
        for (int i = 0; i < n; ++i) {
            const int v = (i + j) % n;
            if (!adj[size_t(i)][size_t(v)] || uniform01(rng) >= p) continue;
            std::vector<int> free;
            for (int w = 0; w < n; ++w)
                if (w != i && !adj[size_t(i)][size_t(w)]) free.push_back(w);
            if (free.empty()) continue;
            link(i, v, false);
            link(i, free[pick(rng, free.size())], true);
        }
    return adj;
}

OpId stage(ModelBuilder& b, int index, OpId x, int nodes, int channels) {
    const auto adj = wattsStrogatz(nodes, 4, 0.75, kRandWireSeed + std::uint64_t(index));
    const std::string prefix = "stage" + std::to_string(index) + "/";
    std::vector<OpId> out(static_cast<size_t>(nodes));
    std::vector<bool> read(static_cast<size_t>(nodes), false);
    // Edges point from the lower to the higher node index, so index order is topological.
    for (int v = 0; v < nodes; ++v) {
        std::vector<OpId> preds;
        for (int u = 0; u < v; ++u)
            if (adj[size_t(u)][size_t(v)]) {
                preds.push_back(out[size_t(u)]);
                read[size_t(u)] = true;
            }
        const bool source = preds.empty();
        if (source) preds.push_back(x);
        const std::string name = prefix + "node" + (v < 10 ? "0" : "") + std::to_string(v);
        out[size_t(v)] = b.reluSepConv(name, std::move(preds), channels, 3, source ? 2 : 1);
    }
    std::vector<OpId> sinks;
    for (int v = 0; v < nodes; ++v)
        if (!read[size_t(v)]) sinks.push_back(out[size_t(v)]);
    return b.sum(prefix + "output", std::move(sinks));
}

} // namespace

Graph buildRandWire() {
    constexpr int c = 154;
    ModelBuilder b("randwire", {3, 224, 224});
    OpId x =
        b.conv("conv1", {b.input()}, c / 2, makeWindow(3, 3, 2, 2, 1, 1), Activation::None); // 77x112x112
    x = stage(b, 1, x, 16, c);                                                               // 154x56x56
    x = stage(b, 2, x, 32, 2 * c);                                                           // 308x28x28
    x = stage(b, 3, x, 32, 4 * c);                                                           // 616x14x14
    x = stage(b, 4, x, 32, 8 * c);                                                           // 1232x7x7
    x = b.relu("relu", x);
    x = b.conv("conv2", {x}, 1280, makeWindow(1, 1), Activation::None);
    b.globalAvgPool("global_pool", x);
    return b.finish();
}

} // namespace ioscope
