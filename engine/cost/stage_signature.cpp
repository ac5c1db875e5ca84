#include "cost/stage_signature.h"

#include <algorithm>

namespace ioscope {
namespace {

void appendWindow(std::string& s, const Window& w) {
    s += "k" + std::to_string(w.kh) + "x" + std::to_string(w.kw) + ",s" + std::to_string(w.sh) + "x" +
         std::to_string(w.sw) + ",p" + std::to_string(w.ph) + "x" + std::to_string(w.pw) + ",d" +
         std::to_string(w.dh) + "x" + std::to_string(w.dw);
}

// Kind and parameters of one op; shapes are added by the caller (body ops carry their own).
std::string describe(const Op& op) {
    std::string s(toString(op.kind));
    s += '(';
    if (!op.sumTerms.empty()) { // how the inputs meet changes the work
        s += "terms";
        for (int n : op.sumTerms) s += ' ' + std::to_string(n);
        s += ';';
    } else if (op.inputs.size() > 1 && op.kind != OpKind::Concat) {
        s += std::string(toString(op.combine)) + ';';
    }
    switch (op.kind) {
    case OpKind::Conv:
    case OpKind::SepConv:
        appendWindow(s, op.window);
        s += ",g" + std::to_string(op.groups) + ",oc" + std::to_string(op.outChannels);
        s += ',' + std::string(toString(op.activation)) + (op.bias ? ",bias" : ",nobias");
        if (op.kind == OpKind::SepConv && op.preRelu) s += ",prerelu";
        break;
    case OpKind::MaxPool:
    case OpKind::AvgPool:
        appendWindow(s, op.window);
        if (op.countIncludePad) s += ",countpad";
        break;
    case OpKind::Activation:
        s += toString(op.activation);
        break;
    case OpKind::FullyConnected:
        s += "oc" + std::to_string(op.outChannels) + ',' + std::string(toString(op.activation)) +
             (op.bias ? ",bias" : ",nobias");
        break;
    case OpKind::Identity:
        s += toString(op.combine);
        break;
    case OpKind::Sequential:
        for (size_t i = 0; i < op.body.size(); ++i) {
            if (i) s += '>';
            s += describe(op.body[i]) + "[" + op.body[i].in.str() + "->" + op.body[i].out.str() + "]";
        }
        break;
    default:
        break;
    }
    s += ')';
    return s;
}

} // namespace

std::string opSignature(const Graph& g, OpId id) {
    const Op& op = g.op(id);
    std::string s = describe(op);
    s += ";in" + op.in.str() + "<-[";
    for (size_t i = 0; i < op.inputs.size(); ++i) {
        if (i) s += ',';
        s += g.op(op.inputs[i]).out.str();
    }
    s += "];out" + op.out.str();
    return s;
}

std::string stageSignature(const Graph& g, const Stage& stage, const RunConfig& run) {
    std::vector<std::string> parts;
    if (stage.strategy == Strategy::Merge) {
        for (OpId id : stage.allOps()) parts.push_back(opSignature(g, id));
    } else {
        for (const auto& group : stage.groups) {
            std::string chain;
            for (size_t i = 0; i < group.size(); ++i) {
                if (i) chain += '>';
                chain += opSignature(g, group[i]);
            }
            parts.push_back(std::move(chain));
        }
    }
    std::sort(parts.begin(), parts.end());
    std::string s(toString(stage.strategy));
    s += "|b" + std::to_string(run.batch) + '|' + std::string(toString(run.precision)) + '|';
    for (const std::string& p : parts) s += '{' + p + '}';
    return s;
}

} // namespace ioscope
