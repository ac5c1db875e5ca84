#include "onnx/onnx_operators.h"

#include "onnx/onnx_constant_folding.h"
#include "onnx/onnx_model_file.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <utility>

namespace ioscope {
namespace {

struct Support {
    const char* level;
    const char* note;
};

// What the importer (onnx_convert_*.cpp) accepts; keep in step with docs/onnx.md.
const std::map<std::string, Support>& supportTable() {
    static const std::map<std::string, Support> table{
        {"Conv", {"yes", "2-D; uneven padding becomes an explicit Pad"}},
        {"BatchNormalization", {"yes", "folded into the conv/FC before it, else scale_shift"}},
        {"MaxPool", {"yes", ""}},
        {"AveragePool", {"yes", ""}},
        {"GlobalAveragePool", {"yes", ""}},
        {"Relu", {"yes", ""}},
        {"Sigmoid", {"yes", "x * sigmoid(x) becomes one SiLU"}},
        {"Tanh", {"yes", ""}},
        {"HardSwish", {"yes", ""}},
        {"HardSigmoid", {"partly", "PyTorch's alpha 1/6, beta 1/2 only"}},
        {"Clip", {"partly", "bounds [0, 6] (ReLU6) or [0, inf) (ReLU) on tensors; any on constants"}},
        {"Concat", {"yes", "channels (axis 1); any axis on constants"}},
        {"Add", {"yes", "broadcasting; per-channel constants fold"}},
        {"Sum", {"yes", ""}},
        {"Mul", {"yes", "broadcasting; per-channel constants fold"}},
        {"Sub", {"yes", "broadcasting; per-channel constants fold"}},
        {"Div", {"yes", "broadcasting; per-channel constant divisors fold"}},
        {"Gemm", {"yes", "transA=0, constant B"}},
        {"MatMul", {"partly", "(N, features) times a constant matrix"}},
        {"Flatten", {"yes", "axis 1"}},
        {"Reshape", {"partly", "flatten, channel shuffle, split-attention views; any on constants"}},
        {"Transpose",
         {"partly", "channel shuffle (0,2,1,3,4) and the radix view (0,2,1,3) on tensors; any on constants"}},
        {"Softmax",
         {"partly", "over the features of (N, features); across 2 channel blocks (radix softmax)"}},
        {"Dropout", {"yes", "removed (inference)"}},
        {"Identity", {"yes", "removed"}},
        {"Constant", {"yes", ""}},
        {"Slice", {"yes", "channel and spatial (positive steps); any on constants"}},
        {"Split", {"yes", "channel or spatial: one slice unit per output"}},
        {"Pad",
         {"partly", "constant and reflect over H, W (negative pads crop); folded into the conv/pool window "
                    "where exact"}},
        {"Resize",
         {"partly", "nearest and linear; half_pixel, pytorch_half_pixel, asymmetric, align_corners"}},
        {"ReduceMean", {"partly", "spatial axes (2, 3): a global average pool"}},
        {"ReduceSum", {"partly", "axis 1 of a 5-D channel view (split attention): slices and an add"}},
        {"Cast", {"partly", "to float on tensors (the identity); any on constants"}},
    };
    return table;
}

} // namespace

std::vector<OnnxOperatorUse> onnxOperators(const std::string& path) {
    onnx::ModelProto model;
    onnximport::readModelFile(path, model);
    std::map<std::string, int> opsets;
    for (const auto& o : model.opset_import())
        opsets[o.domain() == "ai.onnx" ? "" : o.domain()] = int(o.version());
    std::vector<OnnxOperatorUse> uses;
    std::map<std::pair<std::string, std::string>, size_t> index;
    for (const auto& node : model.graph().node()) {
        const std::string domain = node.domain() == "ai.onnx" ? "" : node.domain();
        const auto key = std::make_pair(domain, node.op_type());
        auto it = index.find(key);
        if (it == index.end()) {
            OnnxOperatorUse u;
            u.domain = domain;
            u.opType = node.op_type();
            u.opset = opsets.count(domain) ? opsets[domain] : 0;
            const auto& table = supportTable();
            const auto s = table.find(u.opType);
            if (!domain.empty()) {
                u.support = "no";
                u.note = "operators of domain '" + domain + "' are not supported";
            } else if (s != table.end()) {
                u.support = s->second.level;
                u.note = s->second.note;
            } else if (onnximport::isFoldableOperator(u.opType)) {
                u.support = "constants";
                u.note = "evaluated at import when its inputs are constants or static shapes";
            } else {
                u.support = "no";
                u.note = "no IR kind or lowering";
            }
            it = index.emplace(key, uses.size()).first;
            uses.push_back(std::move(u));
        }
        ++uses[it->second].count;
    }
    return uses;
}

} // namespace ioscope
