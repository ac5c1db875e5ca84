#pragma once
// Constant folding and shape propagation at import: a node whose inputs are all constants
// (initializers, Constant nodes, earlier folded results) or that asks for a static shape
// (Shape, Size of a computed tensor) is evaluated here, so shape arithmetic that exporters emit
// (timm's TF-"same" padding: Shape -> Gather -> Div -> Ceil -> Mul -> Sub -> Max -> Concat ->
// Pad) becomes plain constants that the converters read. Internal to engine/onnx.
#include "onnx/onnx_import_state.h"

namespace ioscope::onnximport {

// True when `node` was evaluated and its outputs bound as constants. False when it reads a
// computed tensor (beyond its shape) or is not an operator the folder knows; throws InputError
// when the constant inputs are malformed for the operator.
bool foldConstantNode(ImportState& state, const onnx::NodeProto& node, int opset);

// The operators foldConstantNode evaluates (for `info --ops`).
bool isFoldableOperator(const std::string& opType);

} // namespace ioscope::onnximport
