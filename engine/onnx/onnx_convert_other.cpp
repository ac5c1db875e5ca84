// Converters of the element-wise, classifier and shape operators, and the dispatch by op type.
#include "graph/shape_inference.h"
#include "onnx/onnx_import_state.h"
#include "util/errors.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <limits>

namespace ioscope::onnximport {
namespace {

int normalizedAxis(std::int64_t axis, int rank) {
    const std::int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a > rank)
        throw InputError("axis " + std::to_string(axis) + " is out of range for rank " +
                         std::to_string(rank));
    return static_cast<int>(a);
}

float scalarOf(const ConstTensor& t, const char* what) {
    if (t.numel() != 1) throw InputError(std::string(what) + " '" + t.name + "' must be a scalar");
    if (!t.available)
        throw InputError(std::string(what) + " '" + t.name + "' lives in missing external data");
    return t.integral ? static_cast<float>(t.ints[0]) : t.floats()[0];
}

void convertActivation(ImportState& state, const onnx::NodeProto& node, const std::string& opName,
                       Activation act) {
    const Value& x = opInput(state, node, 0);
    Op op = newOp(opName, OpKind::Activation, {x.op});
    op.activation = act;
    bindOutput(state, node, {state.addOp(std::move(op)), x.rank, nullptr});
}

void convertClip(ImportState& state, const onnx::NodeProto& node, const std::string& opName, int opset) {
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
    if (opset < 11) {
        lo = floatAttribute(node, "min", lo);
        hi = floatAttribute(node, "max", hi);
    } else {
        if (auto t = constInput(state, node, 1, "min")) lo = scalarOf(*t, "min");
        if (auto t = constInput(state, node, 2, "max")) hi = scalarOf(*t, "max");
    }
    if (lo == 0.0f && hi == 6.0f) return convertActivation(state, node, opName, Activation::Relu6);
    if (lo == 0.0f && std::isinf(hi) && hi > 0)
        return convertActivation(state, node, opName, Activation::Relu);
    throw InputError("Clip(" + std::to_string(lo) + ", " + std::to_string(hi) +
                     ") is not supported: only [0, 6] (ReLU6) and [0, inf) (ReLU)");
}

// A constant that broadcasts per channel (or as a scalar) against a value of `rank`.
bool perChannel(const ConstTensor& t, int rank, int channels) {
    if (static_cast<int>(t.dims.size()) > rank) return false;
    std::vector<std::int64_t> d(static_cast<size_t>(rank) - t.dims.size(), 1);
    d.insert(d.end(), t.dims.begin(), t.dims.end());
    for (int i = 0; i < rank; ++i)
        if (i != 1 && d[static_cast<size_t>(i)] != 1) return false;
    return d[1] == 1 || d[1] == channels;
}

// y = x * scale + shift with a per-channel (or scalar) constant k, for x op k or k op x.
void convertConstantOperand(ImportState& state, const onnx::NodeProto& node, const std::string& opName,
                            const std::string& type, const Value& x, const ConstTensor& t,
                            bool constantFirst) {
    const int channels = state.shapeOf(x).c;
    if (!perChannel(t, x.rank, channels))
        throw InputError("constant '" + t.name + "' " + t.dimsString() +
                         " does not broadcast per channel; only per-channel constants are supported");
    if (type == "Div" && constantFirst)
        throw InputError("dividing a constant by a computed tensor is not supported");
    Op op = newOp(opName, OpKind::ScaleShift, {x.op});
    if (t.available) {
        auto w = std::make_shared<Weights>();
        for (int c = 0; c < channels; ++c) {
            const size_t i = t.numel() == 1 ? 0 : static_cast<size_t>(c);
            const float k = t.integral ? static_cast<float>(t.ints[i]) : t.floats()[i];
            float scale = 1.0f, shift = 0.0f;
            if (type == "Mul")
                scale = k;
            else if (type == "Div")
                scale = 1.0f / k;
            else if (type == "Sub" && constantFirst)
                scale = -1.0f, shift = k;
            else if (type == "Sub")
                shift = -k;
            else
                shift = k; // Add, Sum
            w->kernel.push_back(scale);
            w->bias.push_back(shift);
        }
        op.weights = std::move(w);
    }
    bindOutput(state, node, {state.addOp(std::move(op), true), x.rank, nullptr});
}

// x * sigmoid(x) (SiLU / swish as exporters write it): the sigmoid op's only input is x.
bool isSiluPair(const ImportState& state, const Value& x, const Value& gate) {
    if (gate.isConstant() || x.isConstant() || gate.rank != x.rank) return false;
    const Op& g = state.ops[static_cast<size_t>(gate.op)];
    return g.kind == OpKind::Activation && g.activation == Activation::Sigmoid && g.inputs.size() == 1 &&
           g.inputs.front() == x.op;
}

void convertElementwise(ImportState& state, const onnx::NodeProto& node, const std::string& opName,
                        const std::string& type) {
    if (node.input_size() < 1) throw InputError("has no input");
    if (convertViewElementwise(state, node, opName, type)) return;
    std::vector<const Value*> operands;
    const Value* constant = nullptr;
    bool constantFirst = false;
    for (int i = 0; i < node.input_size(); ++i) {
        if (!hasInput(node, i)) throw InputError("input " + std::to_string(i) + " is missing");
        const Value& v = state.value(node.input(i));
        if (!v.dims.empty()) opInput(state, node, i); // refuses 5-D views with the reason
        if (v.isConstant()) {
            if (constant || node.input_size() != 2)
                throw InputError(
                    "constant operands are supported only as the per-channel operand of a binary op");
            constant = &v;
            constantFirst = i == 0;
        } else {
            operands.push_back(&v);
        }
    }
    if (constant)
        return convertConstantOperand(state, node, opName, type, *operands.front(), *constant->constant,
                                      constantFirst);
    if (operands.size() == 1) return bindOutput(state, node, *operands.front()); // Sum of one tensor
    const Value& a = *operands[0];
    for (const Value* v : operands)
        if (v->rank != a.rank)
            throw InputError("operands of rank " + std::to_string(a.rank) + " and " +
                             std::to_string(v->rank) + " are not supported together");
    if (type == "Mul" && operands.size() == 2) {
        for (int k = 0; k < 2; ++k)
            if (isSiluPair(state, *operands[size_t(k)], *operands[size_t(1 - k)])) {
                Op op = newOp(opName, OpKind::Activation, {operands[size_t(k)]->op});
                op.activation = Activation::Silu;
                op.fused = {state.ops[static_cast<size_t>(operands[size_t(1 - k)]->op)].name};
                return bindOutput(state, node, {state.addOp(std::move(op)), a.rank, nullptr});
            }
    }
    bool sameShapes = true;
    for (const Value* v : operands) sameShapes = sameShapes && state.shapeOf(*v) == state.shapeOf(a);
    if (sameShapes && (type == "Add" || type == "Sum" || type == "Mul")) {
        std::vector<OpId> inputs;
        for (const Value* v : operands) inputs.push_back(v->op);
        const OpKind kind = type == "Mul" ? OpKind::Mul : OpKind::Add;
        return bindOutput(state, node, {state.addOp(newOp(opName, kind, inputs)), a.rank, nullptr});
    }
    if (operands.size() != 2)
        throw InputError("Sum of " + std::to_string(operands.size()) +
                         " operands of different shapes is not supported");
    // Broadcasting (a squeeze-excite gate N x C x 1 x 1 times N x C x H x W), or Sub/Div.
    Op op = newOp(opName, OpKind::Binary, {a.op, operands[1]->op});
    op.binary = type == "Sub"   ? BinaryFn::Sub
                : type == "Div" ? BinaryFn::Div
                : type == "Mul" ? BinaryFn::Mul
                                : BinaryFn::Add;
    bindOutput(state, node, {state.addOp(std::move(op)), a.rank, nullptr});
}

void convertConcat(ImportState& state, const onnx::NodeProto& node, const std::string& opName) {
    std::vector<OpId> inputs;
    int rank = -1;
    for (int i = 0; i < node.input_size(); ++i) {
        const Value& v = opInput(state, node, i);
        if (rank >= 0 && v.rank != rank) throw InputError("inputs have different ranks");
        rank = v.rank;
        inputs.push_back(v.op);
    }
    if (inputs.empty()) throw InputError("has no input");
    const auto* axisAttr = findAttribute(node, "axis");
    if (!axisAttr) throw InputError("attribute 'axis' is missing");
    if (normalizedAxis(intAttribute(node, "axis", 1), rank) != 1)
        throw InputError("only concatenation along channels (axis 1) is supported");
    bindOutput(state, node, {state.addOp(newOp(opName, OpKind::Concat, inputs)), rank, nullptr});
}

// Gemm (Y = alpha * A * op(B) + beta * C) and MatMul with a constant B: a fully connected op.
void convertFullyConnected(ImportState& state, const onnx::NodeProto& node, const std::string& opName,
                           bool gemm) {
    const Value& a = opInput(state, node, 0);
    if (a.rank != 2) throw InputError("input A must be 2-D (N, features); flatten it first");
    const auto b = constInput(state, node, 1, "B");
    if (!b) throw InputError("input B is missing");
    if (gemm && intAttribute(node, "transA", 0) != 0) throw InputError("transA=1 is not supported");
    const bool transB = gemm && intAttribute(node, "transB", 0) != 0;
    const float alpha = gemm ? floatAttribute(node, "alpha", 1.0f) : 1.0f;
    const float beta = gemm ? floatAttribute(node, "beta", 1.0f) : 1.0f;
    const int in = state.shapeOf(a).c;
    if (b->dims.size() != 2 || b->integral)
        throw InputError("B '" + b->name + "' must be a 2-D float matrix");
    const std::int64_t k = transB ? b->dims[1] : b->dims[0], n = transB ? b->dims[0] : b->dims[1];
    if (k != in)
        throw InputError("B '" + b->name + "' dims " + b->dimsString() + " do not fit " + std::to_string(in) +
                         " input features" + (transB ? " (transB=1)" : ""));
    if (n <= 0 || n > kMaxDim) throw InputError("output features " + std::to_string(n) + " out of range");
    const auto c = gemm ? constInput(state, node, 2, "C") : nullptr;
    if (c && (c->integral || !(c->numel() == 1 || c->numel() == n) || c->dims.size() > 2 ||
              (c->dims.size() == 2 && c->dims[0] != 1)))
        throw InputError("C '" + c->name + "' dims " + c->dimsString() + " are not a bias of " +
                         std::to_string(n));
    Op op = newOp(opName, OpKind::FullyConnected, {a.op});
    op.outChannels = static_cast<int>(n);
    op.bias = c != nullptr && beta != 0.0f;
    if (b->available && (!op.bias || c->available)) {
        auto w = std::make_shared<Weights>();
        // B is decoded straight into the op (external data is not kept by the tensor as well);
        // only MatMul's layout needs a transposed second copy, for as long as this takes.
        w->kernel = b->floatsCopy();
        if (!transB) {
            const std::vector<float> src = std::move(w->kernel);
            w->kernel.resize(src.size());
            for (std::int64_t o = 0; o < n; ++o)
                for (std::int64_t i = 0; i < k; ++i)
                    w->kernel[static_cast<size_t>(o * k + i)] = src[static_cast<size_t>(i * n + o)];
        }
        if (alpha != 1.0f)
            for (float& x : w->kernel) x *= alpha;
        if (op.bias)
            for (std::int64_t o = 0; o < n; ++o)
                w->bias.push_back(beta * c->floats()[c->floats().size() == 1 ? 0 : static_cast<size_t>(o)]);
        op.weights = std::move(w);
    }
    bindOutput(state, node, {state.addOp(std::move(op)), 2, nullptr});
}

void flattenTo2d(ImportState& state, const onnx::NodeProto& node, const std::string& opName, const Value& x) {
    if (x.rank == 2) return bindOutput(state, node, x);
    bindOutput(state, node, {state.addOp(newOp(opName, OpKind::Flatten, {x.op})), 2, nullptr});
}

void convertFlatten(ImportState& state, const onnx::NodeProto& node, const std::string& opName) {
    const Value& x = opInput(state, node, 0);
    if (normalizedAxis(intAttribute(node, "axis", 1), x.rank) != 1)
        throw InputError("only axis 1 (N, features) is supported");
    flattenTo2d(state, node, opName, x);
}

void convertReshape(ImportState& state, const onnx::NodeProto& node, const std::string& opName) {
    if (!hasInput(node, 0)) throw InputError("input 0 is missing");
    const auto target = constInput(state, node, 1, "shape");
    if (!target || !target->integral || !target->available || target->dims.size() != 1)
        throw InputError("the target shape must be a constant 1-D int64 tensor");
    {
        const Value v = state.value(node.input(0));
        if (!v.isConstant()) {
            std::vector<std::int64_t> want = target->ints;
            const Shape s = state.shapeOf(v);
            const std::vector<std::int64_t> have =
                !v.dims.empty() ? v.dims
                : v.rank == 4   ? std::vector<std::int64_t>{state.fileBatch, s.c, s.h, s.w}
                                : std::vector<std::int64_t>{state.fileBatch, s.c};
            std::int64_t known = 1, total = s.elements() * state.fileBatch;
            int inferred = -1;
            bool overflow = false; // a target too large for any tensor: the checked path below says so
            for (size_t i = 0; i < want.size(); ++i) {
                if (want[i] == 0 && i < have.size()) want[i] = have[i];
                if (want[i] == -1)
                    inferred = static_cast<int>(i);
                else if (want[i] > 0)
                    overflow = overflow || __builtin_mul_overflow(known, want[i], &known);
            }
            if (!overflow && inferred >= 0 && known > 0) want[static_cast<size_t>(inferred)] = total / known;
            if (!overflow && convertShuffleReshape(state, node, opName, v, want)) return;
        }
    }
    const Value& x = opInput(state, node, 0);
    const Shape s = state.shapeOf(x);
    const std::vector<std::int64_t> in = x.rank == 4
                                             ? std::vector<std::int64_t>{state.fileBatch, s.c, s.h, s.w}
                                             : std::vector<std::int64_t>{state.fileBatch, s.c};
    const bool allowZero = intAttribute(node, "allowzero", 0) != 0;
    std::vector<std::int64_t> out = target->ints;
    std::int64_t known = 1, total = 1;
    int inferred = -1;
    for (auto d : in)
        if (__builtin_mul_overflow(total, d, &total) || total > kMaxElements * std::int64_t(1 << 20))
            throw InputError("the input of " + std::to_string(in.size()) + " dims holds too many elements");
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i] == 0 && !allowZero) {
            if (i >= in.size())
                throw InputError("target dim 0 at " + std::to_string(i) + " has no input dim");
            out[i] = in[i];
        }
        if (out[i] == -1) {
            if (inferred >= 0) throw InputError("the target shape has two -1 dims");
            inferred = static_cast<int>(i);
        } else if (out[i] <= 0 || out[i] > total) {
            throw InputError("target dim " + std::to_string(out[i]) + " is invalid");
        } else {
            if (__builtin_mul_overflow(known, out[i], &known) || known > total)
                throw InputError("the target shape holds more elements than the input");
        }
    }
    if (inferred >= 0 && known > 0 && total % known == 0) out[static_cast<size_t>(inferred)] = total / known;
    std::int64_t product = 1;
    for (auto d : out)
        if (__builtin_mul_overflow(product, d, &product) || product > total) {
            product = -1;
            break;
        }
    if (product != total)
        throw InputError("cannot reshape " + std::to_string(total) + " elements to the target");
    if (out == in) return bindOutput(state, node, x);
    if (out.size() == 2 && out[0] == state.fileBatch) return flattenTo2d(state, node, opName, x);
    throw InputError("only reshapes that flatten to (N, features) are supported");
}

void convertSoftmax(ImportState& state, const onnx::NodeProto& node, const std::string& opName, int opset) {
    if (convertViewSoftmax(state, node, opName, opset)) return;
    const Value& x = opInput(state, node, 0);
    const int axis = normalizedAxis(intAttribute(node, "axis", opset < 13 ? 1 : -1), x.rank);
    const Shape s = state.shapeOf(x);
    if (axis != 1 || s.h != 1 || s.w != 1)
        throw InputError("only a softmax over the features of an (N, features) tensor is supported");
    bindOutput(state, node, {state.addOp(newOp(opName, OpKind::Softmax, {x.op})), x.rank, nullptr});
}

void convertDropout(ImportState& state, const onnx::NodeProto& node) {
    if (auto t = constInput(state, node, 2, "training_mode");
        t && t->available && scalarOf(*t, "training_mode") != 0)
        throw InputError("training_mode=true is not supported");
    if (!hasInput(node, 0) || node.output_size() < 1) throw InputError("needs an input and an output");
    state.values[node.output(0)] =
        state.value(node.input(0)); // inference: the identity; the mask stays unbound
}

} // namespace

void convertNode(ImportState& state, const onnx::NodeProto& node, const std::string& opName, int opset) {
    const std::string& t = node.op_type();
    if (!node.domain().empty() && node.domain() != "ai.onnx")
        throw InputError("unsupported operator (domain '" + node.domain() + "')");
    if (t == "Conv") return convertConv(state, node, opName);
    if (t == "BatchNormalization") return convertBatchNorm(state, node, opName);
    if (t == "MaxPool") return convertPool(state, node, opName, OpKind::MaxPool);
    if (t == "AveragePool") return convertPool(state, node, opName, OpKind::AvgPool);
    if (t == "GlobalAveragePool") return convertGlobalAvgPool(state, node, opName);
    if (t == "Relu") return convertActivation(state, node, opName, Activation::Relu);
    if (t == "Sigmoid") return convertActivation(state, node, opName, Activation::Sigmoid);
    if (t == "Tanh") return convertActivation(state, node, opName, Activation::Tanh);
    if (t == "LeakyRelu") {
        const float alpha = floatAttribute(node, "alpha", kLeakyReluSlope);
        if (std::fabs(alpha - kLeakyReluSlope) > 1e-6f)
            throw InputError("LeakyRelu alpha " + std::to_string(alpha) + " is not supported (only " +
                             std::to_string(kLeakyReluSlope) + ", PyTorch's default)");
        return convertActivation(state, node, opName, Activation::LeakyRelu);
    }
    if (t == "Clip") return convertClip(state, node, opName, opset);
    if (t == "Concat") return convertConcat(state, node, opName);
    if (t == "Add" || t == "Sum" || t == "Mul" || t == "Sub" || t == "Div")
        return convertElementwise(state, node, opName, t);
    if (t == "Gemm") return convertFullyConnected(state, node, opName, true);
    if (t == "MatMul") return convertFullyConnected(state, node, opName, false);
    if (t == "Flatten") return convertFlatten(state, node, opName);
    if (t == "Reshape") return convertReshape(state, node, opName);
    if (t == "Softmax") return convertSoftmax(state, node, opName, opset);
    if (t == "Dropout") return convertDropout(state, node);
    if (t == "Identity") {
        if (!hasInput(node, 0)) throw InputError("input 0 is missing");
        return bindOutput(state, node, state.value(node.input(0)));
    }
    if (convertModern(state, node, opName, opset)) return;
    throw InputError("unsupported operator: ioscope has no IR kind or lowering for " + t +
                     " (see docs/onnx.md for the supported operators)");
}

} // namespace ioscope::onnximport
