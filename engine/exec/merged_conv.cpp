#include "exec/merged_conv.h"

#include "exec/weights_init.h"
#include "schedule/schedule.h"
#include "util/errors.h"

#include <algorithm>

namespace ioscope {

MergedConv buildMergedConv(const Graph& g, const std::vector<OpId>& ops,
                           const std::vector<Weights>& weights) {
    const std::string why = mergeRuleViolation(g, ops);
    if (!why.empty()) throw InputError("cannot merge convolutions: " + why);
    if (weights.size() != ops.size())
        throw InputError("cannot merge convolutions: " + std::to_string(ops.size()) + " ops but " +
                         std::to_string(weights.size()) + " weight sets");

    const Op& first = g.op(ops.front());
    MergedConv m;
    m.ops = ops;
    Op& conv = m.conv;
    conv.kind = OpKind::Conv;
    conv.inputs = first.inputs;
    conv.combine = first.combine;
    conv.groups = 1;
    conv.activation = first.activation;
    conv.window = first.window;
    conv.bias = false;
    conv.in = first.in;
    conv.name = "merge(";
    int total = 0;
    for (size_t i = 0; i < ops.size(); ++i) {
        const Op& op = g.op(ops[i]);
        conv.name += (i ? "+" : "") + op.name;
        conv.window.kh = std::max(conv.window.kh, op.window.kh);
        conv.window.kw = std::max(conv.window.kw, op.window.kw);
        conv.window.ph = std::max(conv.window.ph, op.window.ph);
        conv.window.pw = std::max(conv.window.pw, op.window.pw);
        conv.bias = conv.bias || op.bias;
        m.offsets.push_back(total);
        m.counts.push_back(op.outChannels);
        total += op.outChannels;
        const WeightSizes want = expectedWeightSizes(op);
        if (weights[i].kernel.size() != want.kernel || weights[i].bias.size() != want.bias)
            throw InputError("cannot merge convolutions: weights of op '" + op.name +
                             "' have the wrong size");
    }
    conv.name += ")";
    conv.outChannels = total;
    conv.out = {total, first.out.h, first.out.w};

    const int cin = conv.in.c, KH = conv.window.kh, KW = conv.window.kw;
    m.weights.kernel.assign(static_cast<size_t>(total) * cin * KH * KW, 0.0f);
    if (conv.bias) m.weights.bias.assign(static_cast<size_t>(total), 0.0f);
    for (size_t i = 0; i < ops.size(); ++i) {
        const Op& op = g.op(ops[i]);
        const int kh = op.window.kh, kw = op.window.kw;
        const int dy = (KH - kh) / 2,
                  dx = (KW - kw) / 2; // centring offsets (the merge rule makes them exact)
        for (int co = 0; co < op.outChannels; ++co) {
            const int mco = m.offsets[i] + co;
            for (int ci = 0; ci < cin; ++ci)
                for (int y = 0; y < kh; ++y)
                    for (int x = 0; x < kw; ++x)
                        m.weights
                            .kernel[((static_cast<size_t>(mco) * cin + ci) * KH + y + dy) * KW + x + dx] =
                            weights[i].kernel[((static_cast<size_t>(co) * cin + ci) * kh + y) * kw + x];
            if (op.bias) m.weights.bias[static_cast<size_t>(mco)] = weights[i].bias[static_cast<size_t>(co)];
        }
    }
    return m;
}

} // namespace ioscope
