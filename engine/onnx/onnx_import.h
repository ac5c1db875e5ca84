#pragma once
// ONNX import (opset 11 and later): converts an ONNX graph into the ioscope IR, folding batch
// norms into convs and ReLUs into the conv that feeds only them.
#include "graph/graph.h"
#include "io/model_load_options.h"

#include <string>

namespace ioscope {

// Throws InputError naming the file, the node, its op type and the opset on bad input.
Graph importOnnx(const std::string& path, const ModelLoadOptions& options = {});

} // namespace ioscope
