#pragma once
// What the scheduler benches share on their command lines: comma lists and the random
// multi-branch CNNs of tests/engine/random_graphs.h named by UNITS,WIDTH,SEED.
#include "../tests/engine/random_graphs.h"
#include "util/errors.h"

#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace ioscope::bench {

inline std::vector<std::string> split(const std::string& s, char by) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, by);)
        if (!item.empty()) out.push_back(item);
    return out;
}

// "--random UNITS,WIDTH,SEED": the graph, named with its seed.
inline Graph randomCnnFromSpec(const std::string& spec) {
    const auto p = split(spec, ',');
    if (p.size() != 3) throw InputError("--random expects UNITS,WIDTH,SEED, got '" + spec + "'");
    std::mt19937 rng(static_cast<unsigned>(std::stoul(p[2])));
    Graph g = testing::randomMultiBranchCnn(rng, std::stoi(p[0]), std::stoi(p[1]));
    g.setName(g.name() + "_s" + p[2]);
    return g;
}

} // namespace ioscope::bench
