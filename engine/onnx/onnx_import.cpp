// ONNX import: file -> ModelProto -> topologically ordered nodes -> IR ops (with shape checks
// against the file's value_info) -> folded/fused ops -> finalized Graph.
#include "onnx/onnx_import.h"

#include "graph/shape_inference.h"
#include "onnx/onnx_constant_folding.h"
#include "onnx/onnx_fusion.h"
#include "onnx/onnx_import_state.h"
#include "onnx/onnx_model_file.h"
#include "util/errors.h"
#include "util/limits.h"
#include "util/printable.h"

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <queue>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace ioscope {
namespace {

using namespace onnximport;

struct NodeLabel {
    std::string name; // unique op name
    std::string where(const onnx::NodeProto& node, int opset) const {
        return "node '" + name + "' (" + node.op_type() + ", opset " + std::to_string(opset) + ")";
    }
};

// Dims of a value_info entry; nullopt for unknown (symbolic) dims.
using DeclaredShape = std::vector<std::optional<std::int64_t>>;

std::optional<DeclaredShape> declaredShape(const onnx::ValueInfoProto& info) {
    if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape()) return std::nullopt;
    DeclaredShape dims;
    for (const auto& d : info.type().tensor_type().shape().dim())
        dims.push_back(d.has_dim_value() ? std::optional<std::int64_t>(d.dim_value()) : std::nullopt);
    return dims;
}

std::string dimsText(const DeclaredShape& dims) {
    std::string s;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (i) s += 'x';
        s += dims[i] ? std::to_string(*dims[i]) : "?";
    }
    return s;
}

// The one real graph input (not an initializer) and its per-sample shape.
int addGraphInput(const std::string& path, const onnx::GraphProto& graph, const ModelLoadOptions& options,
                  ImportState& state, std::vector<std::string>& notes, bool& shapeOverridden) {
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& in : graph.input()) {
        if (state.values.count(in.name())) continue; // an initializer listed as input (IR < 4)
        if (input)
            throw InputError(path, "the graph has several inputs ('" + input->name() + "', '" + in.name() +
                                       "'); ioscope imports single-input networks");
        input = &in;
    }
    if (!input) throw InputError(path, "the graph has no input");
    const auto dims = declaredShape(*input);
    if (!dims || dims->size() != 4)
        throw InputError(path, "graph input '" + input->name() + "' must be a 4-D N,C,H,W tensor" +
                                   (dims ? " (it has rank " + std::to_string(dims->size()) + ")" : ""));
    if (input->type().tensor_type().elem_type() != onnx::TensorProto::FLOAT)
        throw InputError(path, "graph input '" + input->name() + "' must be float32");
    if ((*dims)[0] && *(*dims)[0] > 0) state.fileBatch = *(*dims)[0];
    Shape shape;
    const bool known = (*dims)[1] && (*dims)[2] && (*dims)[3];
    if (known)
        shape = {static_cast<int>(std::min<std::int64_t>(*(*dims)[1], kMaxDim + 1LL)),
                 static_cast<int>(std::min<std::int64_t>(*(*dims)[2], kMaxDim + 1LL)),
                 static_cast<int>(std::min<std::int64_t>(*(*dims)[3], kMaxDim + 1LL))};
    const Shape& o = options.inputOverride;
    if (o.c > 0 && o.h > 0 && o.w > 0) {
        if (!(o == shape)) {
            notes.push_back("input shape overridden: " + o.str() + " (the file declares " + dimsText(*dims) +
                            "); the file's value_info shapes are not checked");
            shapeOverridden = true;
        }
        shape = o;
    } else if (!known) {
        throw InputError(path, "graph input '" + input->name() + "' has symbolic dims " + dimsText(*dims) +
                                   "; give the shape with --input 1xCxHxW");
    }
    Op op = newOp(input->name(), OpKind::Input, {});
    op.inputShape = shape;
    try {
        const int id = state.addOp(std::move(op));
        state.values[input->name()] = {id, 4, nullptr};
        return id;
    } catch (const InputError& e) {
        throw InputError(path, std::string("graph input: ") + e.what());
    }
}

// Node order with every producer first (Kahn, file order among ready nodes); detects missing
// inputs, tensors produced twice and cycles.
std::vector<int> nodeOrder(const std::string& path, const onnx::GraphProto& graph, const ImportState& state,
                           const std::vector<NodeLabel>& labels, int opset) {
    const int n = graph.node_size();
    std::unordered_map<std::string, int> producer;
    for (int i = 0; i < n; ++i)
        for (const auto& out : graph.node(i).output()) {
            if (out.empty()) continue;
            if (state.values.count(out) || !producer.emplace(out, i).second)
                throw InputError(path, labels[static_cast<size_t>(i)].where(graph.node(i), opset) +
                                           ": output '" + out + "' is defined twice");
        }
    std::vector<std::vector<int>> succ(static_cast<size_t>(n));
    std::vector<int> indegree(static_cast<size_t>(n), 0);
    for (int i = 0; i < n; ++i)
        for (const auto& in : graph.node(i).input()) {
            if (in.empty() || state.values.count(in)) continue;
            const auto it = producer.find(in);
            if (it == producer.end())
                throw InputError(path, labels[static_cast<size_t>(i)].where(graph.node(i), opset) +
                                           ": input '" + in +
                                           "' is missing (no node, initializer or graph input defines it)");
            succ[static_cast<size_t>(it->second)].push_back(i);
            ++indegree[static_cast<size_t>(i)];
        }
    std::priority_queue<int, std::vector<int>, std::greater<>> ready;
    for (int i = 0; i < n; ++i)
        if (indegree[static_cast<size_t>(i)] == 0) ready.push(i);
    std::vector<int> order;
    while (!ready.empty()) {
        const int i = ready.top();
        ready.pop();
        order.push_back(i);
        for (int s : succ[static_cast<size_t>(i)])
            if (--indegree[static_cast<size_t>(s)] == 0) ready.push(s);
    }
    for (int i = 0; i < n && static_cast<int>(order.size()) != n; ++i)
        if (indegree[static_cast<size_t>(i)] > 0)
            throw InputError(path, labels[static_cast<size_t>(i)].where(graph.node(i), opset) +
                                       ": the graph has a cycle through this node");
    return order;
}

std::vector<NodeLabel> uniqueLabels(const onnx::GraphProto& graph) {
    std::unordered_set<std::string> used;
    for (const auto& in : graph.input()) used.insert(in.name());
    // The next suffix to try per base name: 20,000 nodes named alike take linear time, not
    // quadratic.
    std::unordered_map<std::string, int> nextSuffix;
    std::vector<NodeLabel> labels;
    labels.reserve(size_t(graph.node_size()));
    for (int i = 0; i < graph.node_size(); ++i) {
        const auto& node = graph.node(i);
        std::string base = !node.name().empty() ? node.name() : node.op_type() + "_" + std::to_string(i);
        std::string name = base;
        if (!used.insert(name).second) {
            int& k = nextSuffix.try_emplace(base, 2).first->second;
            do name = base + "_" + std::to_string(k++);
            while (!used.insert(name).second);
        }
        labels.push_back({name});
    }
    return labels;
}

// Compares the importer's shape of `tensor` with the file's declaration, when there is one.
void checkDeclared(const std::unordered_map<std::string, const onnx::ValueInfoProto*>& declared,
                   const std::string& tensor, const ImportState& state, const std::string& where) {
    const auto it = declared.find(tensor);
    const auto v = state.values.find(tensor);
    if (it == declared.end() || v == state.values.end() || v->second.isConstant() || !v->second.dims.empty())
        return;
    const auto dims = declaredShape(*it->second);
    if (!dims || dims->empty()) return;
    const Shape s = state.shapeOf(v->second);
    const DeclaredShape ours =
        v->second.rank == 4 ? DeclaredShape{std::nullopt, s.c, s.h, s.w} : DeclaredShape{std::nullopt, s.c};
    bool same = dims->size() == ours.size();
    for (size_t i = 1; same && i < ours.size(); ++i) same = !(*dims)[i] || *(*dims)[i] == *ours[i];
    if (!same)
        throw InputError(where + ": output '" + tensor + "' is " +
                         (v->second.rank == 4 ? "Nx" + s.str() : "Nx" + std::to_string(s.c)) +
                         " by the importer's shape inference, but the file declares " + dimsText(*dims));
}

Graph importModel(const std::string& path, const ModelLoadOptions& options) {
    onnx::ModelProto model;
    readModelFile(path, model);
    const int opset = defaultDomainOpset(path, model);
    const onnx::GraphProto& graph = model.graph();
    // The same budget as model JSON files, reported before any work.
    if (graph.node_size() > limits::value(limits::kOps))
        throw InputError(
            path,
            limits::exceeded(limits::kOps, "the graph has " + std::to_string(graph.node_size()) + " nodes"));
    const std::filesystem::path modelDir = std::filesystem::path(path).parent_path();
    std::vector<std::string> notes;
    if (opset > newestKnownOpset())
        notes.push_back("opset " + std::to_string(opset) + " is newer than the ONNX library's " +
                        std::to_string(newestKnownOpset()) + "; operators were read by their opset-" +
                        std::to_string(newestKnownOpset()) + " definitions");

    ImportState state;
    ExternalDataStats external;
    for (const auto& init : graph.initializer()) {
        try {
            auto t = std::make_shared<ConstTensor>(readTensor(init, modelDir, external));
            if (!state.values.emplace(init.name(), Value{-1, 0, std::move(t)}).second)
                throw InputError("defined twice");
        } catch (const InputError& e) {
            throw InputError(path, "initializer '" + init.name() + "': " + e.what());
        }
    }
    bool shapeOverridden = false;
    addGraphInput(path, graph, options, state, notes, shapeOverridden);

    std::unordered_map<std::string, const onnx::ValueInfoProto*> declared;
    if (!shapeOverridden) {
        for (const auto& vi : graph.value_info()) declared[vi.name()] = &vi;
        for (const auto& vi : graph.output()) declared[vi.name()] = &vi;
    }
    const std::vector<NodeLabel> labels = uniqueLabels(graph);
    for (int i : nodeOrder(path, graph, state, labels, opset)) {
        const auto& node = graph.node(i);
        const std::string where = labels[static_cast<size_t>(i)].where(node, opset);
        try {
            if (node.op_type() == "Constant" && (node.domain().empty() || node.domain() == "ai.onnx")) {
                if (node.output_size() != 1) throw InputError("needs exactly one output");
                state.values[node.output(0)] = {
                    -1, 0, std::make_shared<ConstTensor>(readConstantNode(node, modelDir, external))};
                continue;
            }
            if (foldConstantNode(state, node, opset)) continue;
            convertNode(state, node, labels[static_cast<size_t>(i)].name, opset);
            for (const auto& out : node.output()) checkDeclared(declared, out, state, where);
        } catch (const InputError& e) {
            const std::string what = e.what();
            throw InputError(path, what.rfind(where, 0) == 0 ? what : where + ": " + what);
        }
    }

    std::vector<int> outputs;
    for (const auto& out : graph.output()) {
        const auto it = state.values.find(out.name());
        if (it == state.values.end() || it->second.isConstant() || it->second.op == 0 ||
            !it->second.dims.empty())
            throw InputError(path, "graph output '" + out.name() + "' is not computed by any supported node");
        outputs.push_back(it->second.op);
    }
    if (outputs.empty()) throw InputError(path, "the graph declares no output");

    FusionCounts fused;
    std::vector<Op> ops = fuseAndCompact(state, outputs, fused);
    int withWeights = 0, needWeights = 0;
    for (const Op& op : ops) {
        if (op.kind != OpKind::Conv && op.kind != OpKind::FullyConnected && op.kind != OpKind::ScaleShift)
            continue;
        ++needWeights;
        if (op.weights) ++withWeights;
    }
    if (external.missingTensors > 0) {
        std::string files;
        for (const auto& f : external.missingFiles) files += (files.empty() ? "'" : ", '") + f + "'";
        notes.push_back("external weight data " + files +
                        " not found next to the model: " + std::to_string(external.missingTensors) +
                        " initializers absent; loaded structure only, weights are generated (seeded)");
    } else if (withWeights < needWeights) {
        notes.push_back(std::to_string(needWeights - withWeights) + " of " + std::to_string(needWeights) +
                        " weighted ops have no weights in the file; their weights are generated (seeded)");
    }

    Graph g(std::filesystem::path(path).stem().string());
    g.setOps(std::move(ops));
    g.finalize(path);
    if (options.notes)
        for (auto& note : notes) options.notes->push_back(std::move(note));
    return g;
}

} // namespace

Graph importOnnx(const std::string& path, const ModelLoadOptions& options) {
    try {
        return importModel(path, options);
    } catch (const InputError& e) {
        throw InputError(printable(e.what()));
    }
}

} // namespace ioscope
