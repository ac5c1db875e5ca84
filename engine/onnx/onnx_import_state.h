#pragma once
// Shared state of one ONNX import: the ops built so far, what every ONNX tensor name stands for,
// and the attribute helpers the node converters use. Internal to engine/onnx.
#include "graph/op.h"
#include "onnx/onnx_tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace onnx {
class NodeProto;
class AttributeProto;
} // namespace onnx

namespace ioscope::onnximport {

// What an ONNX tensor name resolves to: an op's output (rank 4 = N,C,H,W; rank 2 = N,F stored as
// Shape{F,1,1}) or a constant.
struct Value {
    int op = -1; // index into ImportState::ops, -1 for a constant
    int rank = 4;
    std::shared_ptr<const ConstTensor> constant;
    // A 5-D view of a 4-D op output, as channel shuffle builds it: Reshape to (N, g, C/g, H, W),
    // Transpose(0, 2, 1, 3, 4), Reshape back. `dims` are the view's ONNX dims (rank 5);
    // `shuffled` is set once the transpose swapped axes 1 and 2. Empty for every other value.
    std::vector<std::int64_t> dims;
    bool shuffled = false;
    bool isConstant() const { return op < 0; }
};

struct ImportState {
    std::vector<Op> ops;
    std::vector<bool> foldable; // per op: a ScaleShift that may fold into the conv/FC before it
    std::unordered_map<std::string, Value> values;
    std::int64_t fileBatch = 1; // the batch dim the file was exported with

    // Appends an op reading `inputs` (op indices), infers its shape, returns its index.
    int addOp(Op op, bool foldableScaleShift = false);
    const Value& value(const std::string& tensor) const; // throws InputError when unknown
    const Shape& shapeOf(const Value& v) const { return ops[static_cast<size_t>(v.op)].out; }
};

// Attribute access; each throws InputError when an attribute has the wrong type.
const onnx::AttributeProto* findAttribute(const onnx::NodeProto& node, const std::string& name);
std::int64_t intAttribute(const onnx::NodeProto& node, const std::string& name, std::int64_t fallback);
float floatAttribute(const onnx::NodeProto& node, const std::string& name, float fallback);
std::vector<std::int64_t> intsAttribute(const onnx::NodeProto& node, const std::string& name);
std::string stringAttribute(const onnx::NodeProto& node, const std::string& name,
                            const std::string& fallback);

// The spatial window of a Conv or a pool from kernel, strides, pads, auto_pad, dilations and
// ceil_mode. The IR pads symmetrically: uneven pads that change no output element are made
// symmetric exactly. Otherwise, with `remainder` (convolutions, max pools) the window pads
// symmetrically by the smaller side and `remainder` gets the rest, the end side up to what the last
// window covers (an explicit Pad op before the op); without it convs are an error and pools
// (average pools) pad `begin` symmetrically and get the end padding (Window::eh, ew) that yields
// ONNX's output size. `onnxPads`, when given, receives ONNX's resolved pads (begin: top, left;
// end: bottom, right).
Window windowFromAttributes(const onnx::NodeProto& node, const Shape& in, int kh, int kw, bool isPool,
                            PadSpec* remainder = nullptr, PadSpec* onnxPads = nullptr);

// Converts one node (inputs already resolved) into ops and values. Throws InputError.
void convertNode(ImportState& state, const onnx::NodeProto& node, const std::string& opName, int opset);

} // namespace ioscope::onnximport

namespace ioscope::onnximport {

// Node input helpers. `index` counts the node's inputs; absent optional inputs are "".
bool hasInput(const onnx::NodeProto& node, int index);
const Value& opInput(const ImportState& state, const onnx::NodeProto& node, int index);
std::shared_ptr<const ConstTensor> constInput(const ImportState& state, const onnx::NodeProto& node,
                                              int index,
                                              const char* what); // nullptr when the input is absent
void bindOutput(ImportState& state, const onnx::NodeProto& node, Value value);
Op newOp(const std::string& name, OpKind kind, std::vector<OpId> inputs);

// The converters, by family (onnx_convert_spatial.cpp, onnx_convert_other.cpp).
void convertConv(ImportState& state, const onnx::NodeProto& node, const std::string& opName);
void convertBatchNorm(ImportState& state, const onnx::NodeProto& node, const std::string& opName);
void convertPool(ImportState& state, const onnx::NodeProto& node, const std::string& opName, OpKind kind);
void convertGlobalAvgPool(ImportState& state, const onnx::NodeProto& node, const std::string& opName);
// The operators of modern networks (onnx_convert_modern.cpp); each returns false when `node` is
// not one of them.
bool convertModern(ImportState& state, const onnx::NodeProto& node, const std::string& opName, int opset);
// Softmax over the radix axis of a 4-D view of channels, and element-wise ops on two 5-D views, as
// split attention (ResNeSt) uses them (onnx_convert_modern.cpp); false when no operand is a view.
bool convertViewSoftmax(ImportState& state, const onnx::NodeProto& node, const std::string& opName,
                        int opset);
bool convertViewElementwise(ImportState& state, const onnx::NodeProto& node, const std::string& opName,
                            const std::string& type);
// Reshape and Transpose of the channel-shuffle pattern (onnx_convert_modern.cpp).
bool convertShuffleReshape(ImportState& state, const onnx::NodeProto& node, const std::string& opName,
                           const Value& x, const std::vector<std::int64_t>& target);

} // namespace ioscope::onnximport
