#pragma once
// A MODEL argument as the CLI and the explorer take it: one network (a bundled name, a model
// JSON or an ONNX file, models/model_registry.h) or several joined by '+' (an ensemble with
// independent inputs, graph/ensemble.h); "shared:a+b" feeds the members one input.
#include "graph/graph.h"
#include "io/model_load_options.h"

#include <string>

namespace ioscope {

// A file of that name wins over the ensemble syntax (a+b could be a file's name). Each member
// is loaded with `options`; an ensemble's members are named by bundled name or file stem.
// Throws InputError naming the spec or the member file on bad input.
Graph loadModelSpec(const std::string& spec, const ModelLoadOptions& options = {});

} // namespace ioscope
