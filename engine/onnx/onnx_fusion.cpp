#include "onnx/onnx_fusion.h"

#include <algorithm>
#include <cmath>

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

// A batch norm after a channel concatenation of convolutions that nothing else reads (a mixed-kernel
// conv's parts, as MixNet's) folds into each producer with its slice of the channels, as it would
// into one conv. False (nothing changed) when any producer cannot take it.
template <typename Resolve>
bool foldIntoConcat(std::vector<Op>& ops, size_t concat, const Op& scaleShift,
                    const std::vector<int>& consumers, const std::vector<bool>& isOutput, Resolve resolve) {
    const Op& cat = ops[concat];
    if (cat.kind != OpKind::Concat || !cat.sumTerms.empty() || cat.residuals != 0 ||
        cat.activation != Activation::None || cat.inputs.empty())
        return false;
    std::vector<size_t> producers;
    for (OpId in : cat.inputs) {
        const auto q = static_cast<size_t>(resolve(in));
        if (!absorbs(ops[q]) || consumers[q] != 1 || isOutput[q] ||
            std::find(producers.begin(), producers.end(), q) != producers.end())
            return false;
        producers.push_back(q);
    }
    size_t channels = 0;
    for (size_t q : producers) channels += size_t(std::max(ops[q].outChannels, 0));
    if (scaleShift.weights &&
        (scaleShift.weights->kernel.size() != channels || scaleShift.weights->bias.size() != channels))
        return false;
    int channel = 0;
    for (size_t q : producers) {
        Op& producer = ops[q];
        const int c = producer.outChannels;
        if (scaleShift.weights) {
            const Weights& all = *scaleShift.weights;
            Weights part;
            part.kernel.assign(all.kernel.begin() + channel, all.kernel.begin() + channel + c);
            part.bias.assign(all.bias.begin() + channel, all.bias.begin() + channel + c);
            producer.weights = foldWeights(producer, &part);
        } else {
            producer.weights = nullptr;
        }
        producer.bias = true;
        channel += c;
    }
    return true;
}

// A zero (conv, count-including avg pool) or -inf (max pool) Pad feeding only `consumer` moves its
// even part into the consumer's window; the rest stays an explicit Pad. True when nothing is left.
bool foldPadInto(Op& pad, Op& consumer) {
    const PadSpec& p = pad.pad;
    if (pad.kind != OpKind::Pad || p.mode != PadMode::Constant || consumer.inputs.size() != 1) return false;
    if (p.top < 0 || p.left < 0 || p.bottom < 0 || p.right < 0) return false; // it crops: the window cannot
    const bool zero = p.value == 0.0f;
    Window& w = consumer.window;
    const int dh = std::min(p.top, p.bottom), dw = std::min(p.left, p.right);
    if (dh == 0 && dw == 0) return false;
    switch (consumer.kind) {
    case OpKind::Conv:
        if (!zero) return false;
        break;
    case OpKind::MaxPool:
        if (!(std::isinf(p.value) && p.value < 0)) return false;
        if (2 * (w.ph + dh) > w.kh || 2 * (w.pw + dw) > w.kw) return false;
        break;
    case OpKind::AvgPool:
        // Explicit zeros count in the mean: the pool must count its padding (or have none yet).
        if (!zero || (!consumer.countIncludePad && (w.ph || w.pw))) return false;
        if (w.eh || w.ew) return false; // its windows run past the padding: the mean must not count it
        if (2 * (w.ph + dh) > w.kh || 2 * (w.pw + dw) > w.kw) return false;
        consumer.countIncludePad = true;
        break;
    default:
        return false;
    }
    w.ph += dh, w.pw += dw;
    pad.pad.top -= dh, pad.pad.bottom -= dh, pad.pad.left -= dw, pad.pad.right -= dw;
    return !pad.pad.top && !pad.pad.bottom && !pad.pad.left && !pad.pad.right;
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
        if (scaleShift && consumers[p] == 1 && !isOutput[p] &&
            foldIntoConcat(ops, p, op, consumers, isOutput, resolve)) {
            ++counts.scaleShiftsFolded;
            removed[i] = true;
            replacement[i] = static_cast<int>(p);
            consumers[p] = consumers[i];
            isOutput[p] = isOutput[i];
            continue;
        }
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

    // Explicit padding into the window of the conv or pool that alone reads it.
    for (size_t i = 0; i < n; ++i) {
        Op& op = ops[i];
        if (removed[i] || op.inputs.size() != 1) continue;
        const auto p = static_cast<size_t>(resolve(op.inputs.front()));
        if (removed[p] || ops[p].kind != OpKind::Pad || consumers[p] != 1 || isOutput[p]) continue;
        if (foldPadInto(ops[p], op)) {
            removed[p] = true;
            replacement[p] = ops[p].inputs.front();
            ++counts.padsFolded;
        }
    }
    // Ops no output depends on (a sigmoid folded into SiLU, unused Split parts) are dropped.
    std::vector<bool> live(n, false);
    std::vector<size_t> stack;
    for (int o : outputs) stack.push_back(static_cast<size_t>(resolve(o)));
    while (!stack.empty()) {
        const size_t i = stack.back();
        stack.pop_back();
        if (live[i]) continue;
        live[i] = true;
        for (OpId in : ops[i].inputs) stack.push_back(static_cast<size_t>(resolve(in)));
    }
    for (size_t i = 0; i < n; ++i)
        if (!live[i] && !removed[i] && ops[i].kind != OpKind::Input) {
            removed[i] = true;
            replacement[i] = static_cast<int>(i); // nothing reads it
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
