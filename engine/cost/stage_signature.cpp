#include "cost/stage_signature.h"

#include <algorithm>
#include <charconv>

namespace ioscope {
namespace {

// Appends in place: signatures are built for every stage the search asks about.
void put(std::string& s, int v) {
    char buf[16];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    s.append(buf, end);
}

void put(std::string& s, std::string_view v) {
    s.append(v);
}

void putShape(std::string& s, const Shape& shape) {
    put(s, shape.c), s += 'x', put(s, shape.h), s += 'x', put(s, shape.w);
}

void putWindow(std::string& s, const Window& w) {
    s += 'k', put(s, w.kh), s += 'x', put(s, w.kw);
    s += ",s", put(s, w.sh), s += 'x', put(s, w.sw);
    s += ",p", put(s, w.ph), s += 'x', put(s, w.pw);
    s += ",d", put(s, w.dh), s += 'x', put(s, w.dw);
    if (w.eh || w.ew) s += ",e", put(s, w.eh), s += 'x', put(s, w.ew);
}

// Kind and parameters of one op; shapes are added by the caller (body ops carry their own).
void describe(std::string& s, const Op& op) {
    put(s, toString(op.kind));
    s += '(';
    if (!op.sumTerms.empty()) { // how the inputs meet changes the work
        s += "terms";
        for (int n : op.sumTerms) s += ' ', put(s, n);
        s += ';';
    } else if (op.inputs.size() > 1 && op.kind != OpKind::Concat) {
        put(s, toString(op.combine)), s += ';';
    }
    switch (op.kind) {
    case OpKind::Conv:
    case OpKind::SepConv:
        putWindow(s, op.window);
        s += ",g", put(s, op.groups), s += ",oc", put(s, op.outChannels), s += ',';
        put(s, toString(op.activation));
        s += op.bias ? ",bias" : ",nobias";
        if (op.kind == OpKind::SepConv && op.preRelu) s += ",prerelu";
        break;
    case OpKind::MaxPool:
    case OpKind::AvgPool:
        putWindow(s, op.window);
        if (op.countIncludePad) s += ",countpad";
        break;
    case OpKind::Activation:
        put(s, toString(op.activation));
        break;
    case OpKind::FullyConnected:
        s += "oc", put(s, op.outChannels), s += ',', put(s, toString(op.activation));
        s += op.bias ? ",bias" : ",nobias";
        break;
    case OpKind::Identity:
        put(s, toString(op.combine));
        break;
    case OpKind::Slice: {
        const SliceBox& b = op.slice;
        for (int v : {b.c0, b.h0, b.w0, b.sh, b.sw}) put(s, v), s += ',';
        break;
    }
    case OpKind::Pad:
        for (int v : {op.pad.top, op.pad.left, op.pad.bottom, op.pad.right}) put(s, v), s += ',';
        put(s, toString(op.pad.mode));
        break;
    case OpKind::Resize:
        put(s, toString(op.resize.mode)), s += ',', put(s, toString(op.resize.coord)), s += ',';
        put(s, toString(op.resize.round));
        break;
    case OpKind::ChannelShuffle:
        s += 'g', put(s, op.groups);
        break;
    case OpKind::Binary:
        put(s, toString(op.binary)), s += ',', putShape(s, op.in2);
        break;
    case OpKind::Sequential:
        for (size_t i = 0; i < op.body.size(); ++i) {
            if (i) s += '>';
            describe(s, op.body[i]);
            s += '[', putShape(s, op.body[i].in), s += "->", putShape(s, op.body[i].out), s += ']';
        }
        break;
    default:
        break;
    }
    // Fused epilogues (graph/fusion.h) change the work; written only when present, so
    // signatures of unfused ops stay as before.
    const bool ownActivation = op.kind == OpKind::Conv || op.kind == OpKind::SepConv ||
                               op.kind == OpKind::FullyConnected || op.kind == OpKind::Activation;
    if (!ownActivation && appliesActivation(op.kind) && op.activation != Activation::None)
        s += ",act ", put(s, toString(op.activation));
    if (op.residuals > 0) s += ",res", put(s, op.residuals);
    s += ')';
}

void putOp(std::string& s, const Graph& g, OpId id) {
    const Op& op = g.op(id);
    describe(s, op);
    s += ";in", putShape(s, op.in), s += "<-[";
    for (size_t i = 0; i < op.inputs.size(); ++i) {
        if (i) s += ',';
        putShape(s, g.op(op.inputs[i]).out);
    }
    s += "];out", putShape(s, op.out);
}

} // namespace

std::string opSignature(const Graph& g, OpId id) {
    std::string s;
    putOp(s, g, id);
    return s;
}

namespace {

// "strategy|bBATCH|precision|{part}{part}" with the parts sorted: groups as chains of their ops'
// texts, or a merge stage's ops one by one. `appendOp(s, id)` appends op id's text to s.
template <typename AppendOp>
std::string assemble(const Stage& stage, const RunConfig& run, const AppendOp& appendOp) {
    std::vector<std::string> parts;
    if (stage.strategy == Strategy::Merge) {
        for (OpId id : stage.allOps()) appendOp(parts.emplace_back(), id);
    } else {
        parts.reserve(stage.groups.size());
        for (const auto& group : stage.groups) {
            std::string& chain = parts.emplace_back();
            for (size_t i = 0; i < group.size(); ++i) {
                if (i) chain += '>';
                appendOp(chain, group[i]);
            }
        }
    }
    std::sort(parts.begin(), parts.end());
    size_t length = 32;
    for (const std::string& p : parts) length += p.size() + 2;
    std::string s;
    s.reserve(length);
    s += toString(stage.strategy);
    s += "|b", put(s, run.batch), s += '|', put(s, toString(run.precision)), s += '|';
    for (const std::string& p : parts) s += '{', s += p, s += '}';
    return s;
}

} // namespace

std::string stageSignature(const Graph& g, const Stage& stage, const RunConfig& run) {
    return assemble(stage, run, [&](std::string& s, OpId id) { putOp(s, g, id); });
}

std::shared_ptr<const StageSignatures::OpTexts> StageSignatures::textsOf(const Graph& g) {
    const std::lock_guard lock(mutex_);
    if (texts_ && revision_ == g.revision()) return texts_;
    auto texts = std::make_shared<OpTexts>(static_cast<size_t>(g.size()));
    for (OpId id = 0; id < g.size(); ++id) putOp((*texts)[static_cast<size_t>(id)], g, id);
    texts_ = std::move(texts);
    revision_ = g.revision();
    return texts_;
}

std::string StageSignatures::of(const Graph& g, const Stage& stage, const RunConfig& run) {
    const std::shared_ptr<const OpTexts> texts = textsOf(g);
    return assemble(stage, run, [&](std::string& s, OpId id) { s += (*texts)[static_cast<size_t>(id)]; });
}

} // namespace ioscope
