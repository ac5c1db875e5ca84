#pragma once
// Bundled networks (built by the project's generators) and the one entry point that loads a
// MODEL argument: a bundled name, a model JSON file or an ONNX file.
#include "graph/graph.h"

#include <optional>
#include <string>
#include <vector>

namespace ioscope {

// The IOS benchmark networks, faithfully (see docs/models.md).
Graph buildInceptionV3();
Graph buildSqueezeNet();
Graph buildRandWire();
Graph buildNasNet();

std::vector<std::string> bundledModelNames();
std::optional<Graph> buildBundledModel(const std::string& name);

struct ModelLoadOptions {
    // Overrides the ONNX input shape, "1x3x299x299" style already parsed (c, h, w); 0 = keep.
    Shape inputOverride{};
    // Apply the runtime fusion rewrite (graph/fusion.h) after loading: what the scheduler, the
    // views and the GPU runtime work on. Off shows the network as written.
    bool fuse = true;
    // Filled by the loader: notes a user should see (e.g. "weights absent, generated").
    std::vector<std::string>* notes = nullptr;
};

// Throws InputError naming the file (or the unknown name) on bad input.
Graph loadModel(const std::string& spec, const ModelLoadOptions& options = {});

} // namespace ioscope
