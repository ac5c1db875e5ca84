#pragma once
// Model JSON v1 (docs/formats.md): format name, version, model name, ops in topological
// order with their parameters and named inputs. Weights are not stored.
#include "graph/graph.h"

#include <string>

namespace ioscope {

inline constexpr const char* kModelFormat = "ioscope-model";
inline constexpr int kModelVersion = 1;

std::string modelToJson(const Graph& g);
// Throws InputError naming `file` and the JSON path of what is wrong.
Graph modelFromJson(const std::string& text, const std::string& file);

Graph loadModelFile(const std::string& path);
void saveModelFile(const Graph& g, const std::string& path); // atomic

} // namespace ioscope
