#pragma once
// Bundled networks (built by the project's generators) and the one entry point that loads a
// MODEL argument: a bundled name, a model JSON file or an ONNX file.
#include "graph/graph.h"
#include "io/model_load_options.h"

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

// Throws InputError naming the file (or the unknown name) on bad input.
Graph loadModel(const std::string& spec, const ModelLoadOptions& options = {});

} // namespace ioscope
