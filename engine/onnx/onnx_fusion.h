#pragma once
// Post-conversion rewrites that make ONNX graphs look like the IOS networks' scheduling units:
// a per-channel scale-shift (a batch norm, or a constant Mul/Add) folds into the conv or fully
// connected op before it, and a ReLU/ReLU6 fuses into the conv or FC that feeds only it.
#include "graph/op.h"
#include "onnx/onnx_import_state.h"

#include <vector>

namespace ioscope::onnximport {

struct FusionCounts {
    int scaleShiftsFolded = 0;
    int activationsFused = 0;
    int padsFolded = 0; // explicit Pad ops moved into a conv or pool window
};

// Rewrites state.ops; `outputs` (op indices that are graph outputs) are remapped. Returns the
// surviving ops with inputs renumbered, in the same (topological) order.
std::vector<Op> fuseAndCompact(ImportState& state, std::vector<int>& outputs, FusionCounts& counts);

} // namespace ioscope::onnximport
