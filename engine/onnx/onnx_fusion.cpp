#include "onnx/onnx_fusion.h"

#include <algorithm>

namespace ioscope::onnximport {
namespace {

bool absorbs(const Op& op) {
    return (op.kind == OpKind::Conv || op.kind == OpKind::FullyConnected) &&
           op.activation == Activation::None;
}

// y = (W x + b) * s + t  ==  (W * s) x + (b * s + t), row by row of the output channels.
std::shared_ptr<const Weights> foldWeights(const Op& producer, const Weights* scaleShift) {
    if (!producer.weights || !scaleShift) return nullptr; // structure only: generated later
    const Weights& w = *producer.weights;
    const size_t channels = static_cast<size_t>(producer.outChannels);
    if (scaleShift->kernel.size() != channels || channels == 0 || w.kernel.size() % channels != 0)
        return nullptr;
    auto folded = std::make_shared<Weights>(w);
    const size_t row = w.kernel.size() / channels;
    folded->bias.resize(channels, 0.0f);
    for (size_t o = 0; o < channels; ++o) {
        const float s = scaleShift->kernel[o];
        for (size_t i = 0; i < row; ++i) folded->kernel[o * row + i] *= s;
        folded->bias[o] = (producer.bias && o < w.bias.size() ? w.bias[o] : 0.0f) * s + scaleShift->bias[o];
    }
    return folded;
}

} // namespace

std::vector<Op> fuseAndCompact(ImportState& state, std::vector<int>& outputs, FusionCounts& counts) {
    std::vector<Op>& ops = state.ops;
    const size_t n = ops.size();
    std::vector<int> consumers(n, 0), replacement(n);
    std::vector<bool> isOutput(n, false), removed(n, false);
    for (size_t i = 0; i < n; ++i) {
        replacement[i] = static_cast<int>(i);
        for (OpId in : ops[i].inputs) ++consumers[static_cast<size_t>(in)];
    }
    for (int o : outputs) isOutput[static_cast<size_t>(o)] = true;
    auto resolve = [&](int i) {
        while (replacement[static_cast<size_t>(i)] != i) i = replacement[static_cast<size_t>(i)];
        return i;
    };

    for (size_t i = 0; i < n; ++i) {
        Op& op = ops[i];
        const bool scaleShift = op.kind == OpKind::ScaleShift && state.foldable[i];
        const bool activation = op.kind == OpKind::Activation &&
                                (op.activation == Activation::Relu || op.activation == Activation::Relu6);
        if ((!scaleShift && !activation) || op.inputs.size() != 1) continue;
        const auto p = static_cast<size_t>(resolve(op.inputs.front()));
        Op& producer = ops[p];
        if (!absorbs(producer) || consumers[p] != 1 || isOutput[p]) continue;
        if (scaleShift) {
            producer.weights = foldWeights(producer, op.weights.get());
            producer.bias = true;
            ++counts.scaleShiftsFolded;
        } else {
            producer.activation = op.activation;
            ++counts.activationsFused;
        }
        removed[i] = true;
        replacement[i] = static_cast<int>(p);
        consumers[p] = consumers[i];
        isOutput[p] = isOutput[i];
    }

    std::vector<int> newIndex(n, -1);
    std::vector<Op> result;
    for (size_t i = 0; i < n; ++i) {
        if (removed[i]) continue;
        newIndex[i] = static_cast<int>(result.size());
        result.push_back(std::move(ops[i]));
    }
    for (Op& op : result)
        for (OpId& in : op.inputs) in = newIndex[static_cast<size_t>(resolve(in))];
    for (int& o : outputs) o = newIndex[static_cast<size_t>(resolve(o))];
    std::sort(outputs.begin(), outputs.end());
    outputs.erase(std::unique(outputs.begin(), outputs.end()), outputs.end());
    return result;
}

} // namespace ioscope::onnximport
