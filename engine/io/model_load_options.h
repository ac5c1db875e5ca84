#pragma once
// How a model file is loaded (models/model_registry.h, onnx/onnx_import.h).
#include "graph/shape.h"

#include <string>
#include <vector>

namespace ioscope {

struct ModelLoadOptions {
    // Overrides the ONNX input shape, "1x3x299x299" style already parsed (c, h, w); 0 = keep.
    Shape inputOverride{};
    // Apply the runtime fusion rewrite (graph/fusion.h) after loading: what the scheduler, the
    // views and the GPU runtime work on. Off shows the network as written.
    bool fuse = true;
    // Filled by the loader: notes a user should see (e.g. "weights absent, generated").
    std::vector<std::string>* notes = nullptr;
};

} // namespace ioscope
