#include "exec/cpu_executor.h"

#include "exec/cpu_ops.h"
#include "exec/merged_conv.h"
#include "exec/weights_init.h"
#include "util/errors.h"

namespace ioscope {

CpuExecutor::CpuExecutor(const Graph& g, std::uint64_t weightSeed) : g_(g), seed_(weightSeed) {
    if (!g.finalized()) throw InputError("graph '" + g.name() + "' is not finalized");
    weights_.reserve(static_cast<std::size_t>(g.size()));
    for (const Op& op : g.ops()) weights_.push_back(seededOpWeights(op, seed_));
}

CpuExecutor::CpuExecutor(const Graph& g) : CpuExecutor(g, kDefaultWeightSeed) {}

CpuRunResult CpuExecutor::run(const Schedule& s, const std::vector<Tensor>& inputs, bool keepAll,
                              CancelFlag cancel) const {
    validateSchedule(g_, s);
    const auto n = static_cast<std::size_t>(g_.size());
    std::vector<Tensor> values(n);
    std::vector<bool> done(n, false);

    // Place the inputs.
    std::size_t next = 0;
    int batch = 0;
    for (OpId id = 0; id < g_.size(); ++id) {
        const Op& op = g_.op(id);
        if (op.kind != OpKind::Input) continue;
        if (next >= inputs.size()) throw InputError("no input tensor given for input op '" + op.name + "'");
        const Tensor& t = inputs[next++];
        if (t.shape() != op.out || (batch && t.n != batch) || t.n <= 0)
            throw InputError("input tensor for '" + op.name + "' is " + std::to_string(t.n) + "x" +
                             t.shape().str() + ", expected " + op.out.str() +
                             (batch ? " at batch " + std::to_string(batch) : ""));
        batch = t.n;
        values[static_cast<std::size_t>(id)] = t;
        done[static_cast<std::size_t>(id)] = true;
    }
    if (next != inputs.size())
        throw InputError(std::to_string(inputs.size()) + " input tensors given for " + std::to_string(next) +
                         " input ops");

    // Free a tensor once its last reader ran (outputs and keepAll runs keep everything needed).
    std::vector<int> readersLeft(n, 0);
    for (const Op& op : g_.ops())
        for (OpId p : op.inputs) ++readersLeft[static_cast<std::size_t>(p)];
    const std::vector<OpId> outs = g_.outputs();
    auto consumed = [&](const Op& op) {
        for (OpId p : op.inputs) {
            const auto pi = static_cast<std::size_t>(p);
            if (--readersLeft[pi] == 0 && !keepAll) values[pi] = Tensor();
        }
    };
    auto inputsOf = [&](const Op& op) {
        std::vector<const Tensor*> in;
        for (OpId p : op.inputs) {
            if (!done[static_cast<std::size_t>(p)])
                throw RuntimeFailure("op '" + op.name + "' ran before its producer '" + g_.op(p).name + "'");
            in.push_back(&values[static_cast<std::size_t>(p)]);
        }
        return in;
    };

    for (const Stage& stage : s.stages) {
        if (stage.strategy == Strategy::Merge) {
            throwIfCancelled(cancel);
            const std::vector<OpId> members = stage.groups.front();
            std::vector<Weights> memberWeights;
            for (OpId id : members) memberWeights.push_back(weights(id).front());
            const MergedConv merged = buildMergedConv(g_, members, memberWeights);
            const Op& first = g_.op(members.front());
            const Tensor combined = combineInputs(first, inputsOf(first));
            const Tensor whole = conv2d(combined, merged.conv, merged.weights);
            for (std::size_t i = 0; i < members.size(); ++i) {
                const auto id = static_cast<std::size_t>(members[i]);
                values[id] = channelSlice(whole, merged.offsets[i], merged.counts[i]);
                done[id] = true;
            }
            for (OpId id : members) consumed(g_.op(id));
            continue;
        }
        for (const auto& group : stage.groups)
            for (OpId id : group) {
                throwIfCancelled(cancel);
                const Op& op = g_.op(id);
                values[static_cast<std::size_t>(id)] = computeOp(op, inputsOf(op), weights(id));
                done[static_cast<std::size_t>(id)] = true;
                consumed(op);
            }
    }

    CpuRunResult result;
    result.outputIds = outs;
    for (OpId id : outs) result.outputs.push_back(values[static_cast<std::size_t>(id)]);
    if (keepAll) result.allByOp = std::move(values);
    return result;
}

std::vector<Tensor> seededInputs(const Graph& g, int batch, std::uint64_t seed) {
    std::vector<Tensor> in;
    std::uint64_t k = 0;
    for (const Op& op : g.ops())
        if (op.kind == OpKind::Input) in.push_back(seededInput(op.out, batch, seed + k++));
    return in;
}

} // namespace ioscope
