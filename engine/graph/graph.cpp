#include "graph/graph.h"

#include "graph/shape_inference.h"
#include "util/errors.h"

#include <atomic>
#include <cstdio>
#include <queue>
#include <unordered_map>

namespace ioscope {

std::uint64_t Graph::freshRevision() {
    static std::atomic<std::uint64_t> last{0};
    return ++last;
}

OpId Graph::addOp(Op op) {
    const OpId id = size();
    for (OpId in : op.inputs)
        if (in < 0 || in >= id)
            throw InputError("op '" + op.name + "' reads op #" + std::to_string(in) +
                             ", which is not defined before it");
    ops_.push_back(std::move(op));
    finalized_ = false;
    touch();
    return id;
}

OpId Graph::addInput(const std::string& name, Shape shape) {
    Op op;
    op.name = name;
    op.kind = OpKind::Input;
    op.inputShape = shape;
    return addOp(std::move(op));
}

void Graph::setOps(std::vector<Op> ops) {
    ops_ = std::move(ops);
    finalized_ = false;
    touch();
}

OpId Graph::find(const std::string& name) const {
    for (OpId i = 0; i < size(); ++i)
        if (ops_[static_cast<size_t>(i)].name == name) return i;
    return -1;
}

void Graph::finalize(const std::string& source) {
    const int n = size();
    if (n == 0) throw InputError(source, "the graph has no ops");
    std::unordered_map<std::string, OpId> byName;
    bool hasInput = false;
    for (OpId i = 0; i < n; ++i) {
        const Op& op = ops_[static_cast<size_t>(i)];
        if (op.name.empty()) throw InputError(source, "op #" + std::to_string(i) + " has no name");
        if (!byName.emplace(op.name, i).second)
            throw InputError(source, "op name '" + op.name + "' is used twice");
        if (op.kind == OpKind::Input) hasInput = true;
        for (OpId in : op.inputs) {
            if (in < 0 || in >= n)
                throw InputError(source,
                                 "op '" + op.name + "' reads a missing op (#" + std::to_string(in) + ")");
            if (in == i) throw InputError(source, "op '" + op.name + "' reads itself (cycle)");
        }
        if (op.kind != OpKind::Input && op.inputs.empty())
            throw InputError(source, "op '" + op.name + "' has no input");
    }
    if (!hasInput) throw InputError(source, "the graph has no input op");

    // Kahn's algorithm, smallest original index first, so a graph already in order keeps it.
    std::vector<int> indegree(static_cast<size_t>(n), 0);
    std::vector<std::vector<OpId>> succ(static_cast<size_t>(n));
    for (OpId i = 0; i < n; ++i)
        for (OpId in : ops_[static_cast<size_t>(i)].inputs) {
            succ[static_cast<size_t>(in)].push_back(i);
            ++indegree[static_cast<size_t>(i)];
        }
    std::priority_queue<OpId, std::vector<OpId>, std::greater<>> ready;
    for (OpId i = 0; i < n; ++i)
        if (indegree[static_cast<size_t>(i)] == 0) ready.push(i);
    std::vector<OpId> order;
    order.reserve(static_cast<size_t>(n));
    while (!ready.empty()) {
        const OpId i = ready.top();
        ready.pop();
        order.push_back(i);
        for (OpId s : succ[static_cast<size_t>(i)])
            if (--indegree[static_cast<size_t>(s)] == 0) ready.push(s);
    }
    if (static_cast<int>(order.size()) != n) {
        for (OpId i = 0; i < n; ++i)
            if (indegree[static_cast<size_t>(i)] > 0)
                throw InputError(source, "cycle through op '" + ops_[static_cast<size_t>(i)].name + "'");
    }

    std::vector<OpId> newId(static_cast<size_t>(n));
    for (int k = 0; k < n; ++k) newId[static_cast<size_t>(order[static_cast<size_t>(k)])] = k;
    std::vector<Op> sorted;
    sorted.reserve(static_cast<size_t>(n));
    for (OpId old : order) {
        Op op = std::move(ops_[static_cast<size_t>(old)]);
        for (OpId& in : op.inputs) in = newId[static_cast<size_t>(in)];
        sorted.push_back(std::move(op));
    }
    ops_ = std::move(sorted);

    succ_.assign(static_cast<size_t>(n), {});
    units_.clear();
    for (OpId i = 0; i < n; ++i) {
        Op& op = ops_[static_cast<size_t>(i)];
        std::vector<Shape> inShapes;
        for (OpId in : op.inputs) {
            inShapes.push_back(ops_[static_cast<size_t>(in)].out);
            succ_[static_cast<size_t>(in)].push_back(i);
        }
        inferShape(op, inShapes, source);
        if (op.kind != OpKind::Input) units_.push_back(i);
    }
    finalized_ = true;
    touch();
}

std::vector<OpId> Graph::outputs() const {
    std::vector<OpId> result;
    for (OpId i = 0; i < size(); ++i)
        if (succ_[static_cast<size_t>(i)].empty() && isUnit(i)) result.push_back(i);
    return result;
}

namespace {

void hashBytes(std::uint64_t& h, const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
}
void hashInt(std::uint64_t& h, long long v) {
    hashBytes(h, &v, sizeof v);
}
void hashStr(std::uint64_t& h, const std::string& s) {
    hashInt(h, static_cast<long long>(s.size()));
    hashBytes(h, s.data(), s.size());
}

void hashOp(std::uint64_t& h, const Op& op) {
    hashStr(h, op.name);
    hashInt(h, static_cast<int>(op.kind));
    hashInt(h, static_cast<long long>(op.inputs.size()));
    for (OpId in : op.inputs) hashInt(h, in);
    const Window& w = op.window;
    for (int v : {static_cast<int>(op.combine), w.kh, w.kw, w.sh, w.sw, w.ph, w.pw, w.dh, w.dw,
                  op.outChannels, op.groups, static_cast<int>(op.activation), int(op.bias), int(op.preRelu),
                  int(op.countIncludePad), op.inputShape.c, op.inputShape.h, op.inputShape.w})
        hashInt(h, v);
    hashInt(h, static_cast<long long>(op.body.size()));
    for (const Op& inner : op.body) hashOp(h, inner);
    // Hashed only when present, so graphs without sum terms keep their earlier hashes.
    if (!op.sumTerms.empty()) {
        hashStr(h, "sum_terms");
        for (int t : op.sumTerms) hashInt(h, t);
    }
    if (op.poolBias) hashStr(h, "pool_bias");
    if (op.window.eh || op.window.ew) {
        hashStr(h, "end_padding");
        hashInt(h, op.window.eh);
        hashInt(h, op.window.ew);
    }
    if (op.residuals > 0) {
        hashStr(h, "residuals");
        hashInt(h, op.residuals);
    }
    // The kinds of issue #13 hash their own parameters (older kinds keep their hashes).
    if (op.kind == OpKind::Slice) {
        const SliceBox& b = op.slice;
        for (int v : {b.c0, b.h0, b.w0, b.c, b.h, b.w, b.sh, b.sw}) hashInt(h, v);
    } else if (op.kind == OpKind::Pad) {
        for (int v : {op.pad.top, op.pad.left, op.pad.bottom, op.pad.right, int(op.pad.mode)}) hashInt(h, v);
        hashBytes(h, &op.pad.value, sizeof op.pad.value);
    } else if (op.kind == OpKind::Resize) {
        const ResizeSpec& r = op.resize;
        for (int v : {int(r.mode), int(r.coord), int(r.round), r.h, r.w}) hashInt(h, v);
    } else if (op.kind == OpKind::Binary) {
        hashInt(h, int(op.binary));
    }
    if (!op.weightKey.empty() || op.weightActivation) {
        hashStr(h, "weight_seed");
        hashStr(h, op.weightKey);
        hashInt(h, op.weightActivation ? static_cast<int>(*op.weightActivation) : -1);
    }
}

} // namespace

std::string Graph::contentHash() const {
    std::uint64_t h = 14695981039346656037ULL;
    for (const Op& op : ops_) hashOp(h, op);
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

} // namespace ioscope
