#include "graph/fusion.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unordered_set>

namespace ioscope {
namespace {

// Kinds whose result may take a folded activation (the GPU runtime applies it in the epilogue
// of the kernel that computes the op). A concatenating identity is not one: its producers
// write their slices in place and no kernel of its own could apply it.
bool absorbsActivation(const Op& op) {
    switch (op.kind) {
    case OpKind::Conv:
    case OpKind::SepConv:
    case OpKind::FullyConnected:
    case OpKind::MaxPool:
    case OpKind::AvgPool:
    case OpKind::GlobalAvgPool:
    case OpKind::ScaleShift:
    case OpKind::Add:
    case OpKind::Mul:
        return true;
    case OpKind::Identity:
        return inputTerms(op).size() == 1;
    default:
        return false;
    }
}

// A 1x1, stride-1, unpadded, ungrouped conv of one input with no epilogue inputs: it mixes the
// channels of each pixel alone.
bool isPlainPointwise(const Op& c) {
    return c.kind == OpKind::Conv && c.inputs.size() == 1 && c.sumTerms.empty() && c.residuals == 0 &&
           c.groups == 1 && c.window.isPointwise();
}

bool isRelu(const Op& op) {
    return op.kind == OpKind::Activation && op.activation == Activation::Relu && op.residuals == 0 &&
           op.sumTerms.empty() && op.inputs.size() == 1;
}

class Rewriter {
  public:
    Rewriter(const Graph& g, FusionReport& report) : report_(report) {
        ops_ = g.ops();
        alive_.assign(ops_.size(), true);
        for (OpId id : g.outputs()) isOutput_.insert(id);
        for (const Op& op : ops_) names_.insert(op.name);
    }

    Graph run(const std::string& name) {
        consumers_.assign(ops_.size(), {});
        for (size_t i = 0; i < ops_.size(); ++i)
            for (OpId in : ops_[i].inputs) consumers_[size_t(in)].push_back(OpId(i));
        bool changed = true;
        while (changed) {
            changed = false;
            depth_.assign(ops_.size(), -1);
            for (size_t i = 0; i < ops_.size(); ++i)
                while (alive_[i] && (foldActivation(OpId(i)) || foldActivationIntoConcat(OpId(i)) ||
                                     foldSums(OpId(i)) || dropIdentity(OpId(i))))
                    changed = true;
            for (size_t i = 0; i < ops_.size(); ++i)
                if (alive_[i] && shareRelu(OpId(i))) changed = true;
        }
        // Last, once nothing folds any more: a conv that becomes a sequential unit absorbs no
        // activation or sum that a later rule might have given it.
        for (size_t i = 0; i < ops_.size(); ++i)
            if (alive_[i] && !commutePoolConv(OpId(i))) prefixScaleShift(OpId(i));
        return build(name);
    }

  private:
    // Every change of an op's inputs goes through here, so reader lists stay exact.
    void setInputs(OpId id, std::vector<OpId> inputs) {
        for (OpId in : ops_[size_t(id)].inputs) {
            auto& c = consumers_[size_t(in)];
            c.erase(std::find(c.begin(), c.end(), id));
        }
        ops_[size_t(id)].inputs = std::move(inputs);
        for (OpId in : ops_[size_t(id)].inputs) consumers_[size_t(in)].push_back(id);
    }

    // Longest path from an input over live ops; iterative (graphs may be 100,000 ops deep), and
    // not by index order, since a shared ReLU is appended after the ops that read it.
    int depth(OpId id) {
        std::vector<std::pair<OpId, size_t>> stack{{id, 0}};
        while (!stack.empty()) {
            auto& [op, next] = stack.back();
            const auto& inputs = ops_[size_t(op)].inputs;
            if (depth_[size_t(op)] >= 0) {
                stack.pop_back();
                continue;
            }
            if (next < inputs.size()) {
                const OpId in = inputs[next++];
                if (depth_[size_t(in)] < 0) stack.push_back({in, 0});
                continue;
            }
            int d = 0;
            for (OpId in : inputs) d = std::max(d, depth_[size_t(in)] + 1);
            depth_[size_t(op)] = d;
            stack.pop_back();
        }
        return depth_[size_t(id)];
    }

    // `id` is read by exactly one op, once, and is not a graph output: its value may change.
    bool privateTo(OpId id, OpId reader) const {
        const auto& c = consumers_[size_t(id)];
        return c.size() == 1 && c.front() == reader && !isOutput_.count(id) &&
               ops_[size_t(id)].kind != OpKind::Input;
    }

    // Op `id` disappears into `into`: its readers read `into` instead.
    void remove(OpId id, OpId into) {
        Op& keep = ops_[size_t(into)];
        keep.fused.push_back(ops_[size_t(id)].name);
        keep.fused.insert(keep.fused.end(), ops_[size_t(id)].fused.begin(), ops_[size_t(id)].fused.end());
        alive_[size_t(id)] = false;
        setInputs(id, {});
        const std::vector<OpId> readers = consumers_[size_t(id)];
        for (size_t k = 0; k < readers.size(); ++k) {
            if (k > 0 && readers[k] == readers[k - 1]) continue; // one rewrite per reader
            std::vector<OpId> inputs = ops_[size_t(readers[k])].inputs;
            std::replace(inputs.begin(), inputs.end(), id, into);
            setInputs(readers[k], std::move(inputs));
        }
    }

    // Op `id` becomes `unit`, which reads what `p` (read only by `id`) read; `p` disappears into it.
    void replaceByUnit(OpId id, OpId p, Op unit) {
        const std::vector<OpId> input = ops_[size_t(p)].inputs;
        alive_[size_t(p)] = false;
        setInputs(p, {});
        ops_[size_t(id)] = std::move(unit);
        consumers_[size_t(p)].clear();
        setInputs(id, input);
    }

    // Activation(P) where P computes in a kernel of its own and nobody else reads P.
    bool foldActivation(OpId id) {
        Op& a = ops_[size_t(id)];
        if (a.kind != OpKind::Activation || a.inputs.size() != 1 || !a.sumTerms.empty() ||
            isOutput_.count(id))
            return false;
        const OpId p = a.inputs.front();
        Op& producer = ops_[size_t(p)];
        if (!absorbsActivation(producer) || producer.activation != Activation::None || !privateTo(p, id))
            return false;
        if (!producer.weightActivation) producer.weightActivation = producer.activation;
        producer.activation = a.activation;
        remove(id, p);
        ++report_.activationsFolded;
        return true;
    }

    // An activation after a channel concatenation whose producers nobody else reads (a
    // mixed-kernel conv's parts): each producer applies it to its own slice in its epilogue.
    bool foldActivationIntoConcat(OpId id) {
        const Op& a = ops_[size_t(id)];
        if (a.kind != OpKind::Activation || a.inputs.size() != 1 || !a.sumTerms.empty() || a.residuals != 0 ||
            isOutput_.count(id))
            return false;
        const OpId c = a.inputs.front();
        const Op& cat = ops_[size_t(c)];
        if (cat.kind != OpKind::Concat || !cat.sumTerms.empty() || cat.residuals != 0 ||
            cat.activation != Activation::None || cat.inputs.empty() || !privateTo(c, id))
            return false;
        for (OpId q : cat.inputs) {
            const Op& producer = ops_[size_t(q)];
            if (!absorbsActivation(producer) || producer.activation != Activation::None || !privateTo(q, c))
                return false;
        }
        for (OpId q : cat.inputs) {
            Op& producer = ops_[size_t(q)];
            if (!producer.weightActivation) producer.weightActivation = producer.activation;
            producer.activation = a.activation;
        }
        remove(id, c);
        ++report_.activationsFolded;
        return true;
    }

    // A sum whose term holds a conv, separable conv or pool that nobody else reads: that
    // producer adds the term's other inputs in its epilogue, and the term shrinks to it.
    bool foldSums(OpId id) {
        Op& s = ops_[size_t(id)];
        if ((s.kind != OpKind::Add && s.kind != OpKind::Identity) || s.residuals != 0) return false;
        const auto terms = inputTerms(s);
        if (terms.size() > 1 && s.activation != Activation::None) return false;
        bool folded = false;
        std::vector<OpId> inputs;
        std::vector<int> sizes;
        for (const auto& term : terms) {
            OpId best = -1;
            for (OpId p : term) {
                const Op& producer = ops_[size_t(p)];
                if (!acceptsResiduals(producer.kind) || producer.activation != Activation::None ||
                    !privateTo(p, id) || std::count(term.begin(), term.end(), p) != 1)
                    continue;
                if (best < 0 || depth(p) > depth(best) || (depth(p) == depth(best) && p > best)) best = p;
            }
            if (term.size() < 2 || best < 0) {
                inputs.insert(inputs.end(), term.begin(), term.end());
                sizes.push_back(int(term.size()));
                continue;
            }
            Op& producer = ops_[size_t(best)];
            std::vector<OpId> withResiduals = producer.inputs;
            for (OpId other : term)
                if (other != best) {
                    withResiduals.push_back(other);
                    ++producer.residuals;
                    ++report_.residualsFolded;
                }
            setInputs(best, std::move(withResiduals));
            if (terms.size() == 1 && s.activation != Activation::None) {
                if (!producer.weightActivation) producer.weightActivation = producer.activation;
                producer.activation = s.activation;
                s.activation = Activation::None;
            }
            inputs.push_back(best);
            sizes.push_back(1);
            folded = true;
        }
        if (!folded) return false;
        setInputs(id, inputs);
        const bool allSingle = std::all_of(sizes.begin(), sizes.end(), [](int n) { return n == 1; });
        if (s.kind == OpKind::Add) {
            s.kind = OpKind::Identity; // what is left is a pass-through or nothing at all
            s.combine = Combine::Sum;
        }
        if (allSingle && sizes.size() > 1) {
            s.sumTerms.clear();
            s.combine = Combine::Concat;
        } else if (!s.sumTerms.empty()) {
            s.sumTerms = sizes;
        }
        if (s.inputs.size() == 1) s.sumTerms.clear();
        return true;
    }

    // An identity with one input that does nothing: its readers read the input instead.
    bool dropIdentity(OpId id) {
        const Op& op = ops_[size_t(id)];
        if (op.kind != OpKind::Identity || op.inputs.size() != 1 || op.residuals != 0 ||
            op.activation != Activation::None || isOutput_.count(id))
            return false;
        const OpId in = op.inputs.front();
        if (ops_[size_t(in)].kind == OpKind::Input) return false;
        remove(id, in);
        ++report_.identitiesRemoved;
        return true;
    }

    // Conv1x1(AvgPool(x)) -> AvgPool(Conv1x1(x)): a 1x1 conv mixes channels pixel by pixel and
    // an average pool mixes pixels channel by channel, so they commute. The conv's bias commutes
    // too where the mean is over in-bounds taps only (count_include_pad off: IOS's Inception V3,
    // timm's Inception V4), the mean of a constant being that constant; where padding counts
    // (torchvision's Inception V3) the bias moves after the pool (Op::poolBias). Where the conv
    // narrows the channels (Inception's pool branches: 384 -> 96, 1024 -> 128, 1536 -> 256) the
    // pool then reads and writes a fraction of the bytes. The two become one sequential unit
    // under the conv's name: the conv (its weights, no activation) and the pool (the activation).
    bool commutePoolConv(OpId id) {
        const Op& c = ops_[size_t(id)];
        if (!isPlainPointwise(c)) return false;
        const OpId p = c.inputs.front();
        const Op& pool = ops_[size_t(p)];
        if (pool.kind != OpKind::AvgPool || pool.inputs.size() != 1 || !pool.sumTerms.empty() ||
            pool.residuals != 0 || pool.activation != Activation::None || !privateTo(p, id) ||
            pool.poolBias || pool.out.h != pool.in.h || pool.out.w != pool.in.w || c.outChannels >= pool.in.c)
            return false;
        Op conv = c;
        conv.name = c.name + "/conv";
        conv.inputs.clear();
        conv.fused.clear();
        conv.activation = Activation::None;
        conv.weightKey = c.weightKey.empty() ? c.name : c.weightKey; // the same weights
        conv.weightActivation = c.weightActivation.value_or(c.activation);
        Op mean = pool;
        mean.inputs.clear();
        mean.fused.clear();
        mean.activation = c.activation;
        if (pool.countIncludePad && c.bias) { // the bias after the mean, drawn as the conv drew it
            conv.bias = false;
            mean.poolBias = true;
            mean.weightKey = conv.weightKey;
            if (c.weights) {
                conv.weights = std::make_shared<const Weights>(Weights{c.weights->kernel, {}, {}});
                mean.weights = std::make_shared<const Weights>(Weights{{}, {}, c.weights->bias});
            }
        }
        Op unit;
        unit.name = c.name;
        unit.kind = OpKind::Sequential;
        unit.combine = pool.combine;
        unit.body = {std::move(conv), std::move(mean)};
        unit.fused = c.fused;
        unit.fused.push_back(pool.name + " (after the conv)");
        unit.fused.insert(unit.fused.end(), pool.fused.begin(), pool.fused.end());
        replaceByUnit(id, p, std::move(unit));
        ++report_.poolsCommuted;
        return true;
    }

    // A 1x1 conv (stride 1, unpadded, one input, no epilogue inputs) that alone reads a per-channel
    // scale-shift with no activation or a ReLU (a batch norm that could not fold: DenseNet's
    // pre-activation): one sequential unit {scale-shift, conv}, so the GPU runtime may apply the
    // scale, shift and ReLU as the conv loads its input instead of in a pass of its own.
    bool prefixScaleShift(OpId id) {
        const Op& c = ops_[size_t(id)];
        if (!isPlainPointwise(c)) return false;
        const OpId p = c.inputs.front();
        const Op& ss = ops_[size_t(p)];
        if (ss.kind != OpKind::ScaleShift || ss.inputs.size() != 1 || !ss.sumTerms.empty() ||
            ss.residuals != 0 || !privateTo(p, id) ||
            (ss.activation != Activation::None && ss.activation != Activation::Relu))
            return false;
        Op conv = c;
        conv.name = c.name + "/conv";
        conv.inputs.clear();
        conv.fused.clear();
        conv.weightKey = c.weightKey.empty() ? c.name : c.weightKey; // the same weights
        conv.weightActivation = c.weightActivation.value_or(c.activation);
        Op pre = ss;
        pre.inputs.clear();
        pre.fused.clear();
        pre.weightKey = ss.weightKey.empty() ? ss.name : ss.weightKey;
        pre.weightActivation = ss.weightActivation.value_or(ss.activation);
        Op unit;
        unit.name = c.name;
        unit.kind = OpKind::Sequential;
        unit.combine = ss.combine;
        unit.body = {std::move(pre), std::move(conv)};
        unit.fused = {ss.name + " (on the conv's input)"};
        unit.fused.insert(unit.fused.end(), ss.fused.begin(), ss.fused.end());
        unit.fused.insert(unit.fused.end(), c.fused.begin(), c.fused.end());
        replaceByUnit(id, p, std::move(unit));
        ++report_.scaleShiftsPrefixed;
        return true;
    }

    // ReLUs of one tensor applied by several readers: one ReLU op, which they all read.
    bool shareRelu(OpId x) {
        std::vector<OpId> reluOps, sequentials;
        for (OpId c : consumers_[size_t(x)]) {
            const Op& op = ops_[size_t(c)];
            if (op.inputs.size() != 1 || std::count(reluOps.begin(), reluOps.end(), c) ||
                std::count(sequentials.begin(), sequentials.end(), c))
                continue;
            if (isRelu(op))
                reluOps.push_back(c);
            else if (op.kind == OpKind::Sequential && op.body.size() >= 2 && op.residuals == 0 &&
                     op.body.front().kind == OpKind::Activation &&
                     op.body.front().activation == Activation::Relu)
                sequentials.push_back(c);
        }
        if (reluOps.size() + sequentials.size() < 2) return false;
        OpId shared;
        if (!reluOps.empty()) {
            shared = reluOps.front();
        } else {
            Op relu;
            relu.name = uniqueName(ops_[size_t(x)].name + "/relu");
            relu.kind = OpKind::Activation;
            relu.activation = Activation::Relu;
            ops_.push_back(relu);
            alive_.push_back(true);
            consumers_.emplace_back();
            depth_.push_back(-1);
            anchor_.resize(ops_.size(), -1);
            anchor_.back() = x;
            shared = OpId(ops_.size() - 1);
            setInputs(shared, {x});
        }
        for (size_t k = 1; k < reluOps.size(); ++k) {
            if (isOutput_.count(reluOps[k])) continue;
            remove(reluOps[k], shared);
            ++report_.reluShared;
        }
        for (OpId c : sequentials) {
            Op& seq = ops_[size_t(c)];
            std::vector<Op> body;
            for (size_t i = 1; i < seq.body.size(); ++i) {
                Op inner = seq.body[i];
                if (inner.weightKey.empty())
                    inner.weightKey = seq.name + "/" + std::to_string(i) + "/" + inner.name;
                body.push_back(std::move(inner));
            }
            seq.fused.push_back(seq.body.front().name + " (shared " + ops_[size_t(shared)].name + ")");
            setInputs(c, {shared});
            if (body.size() == 1) {
                Op unit = std::move(body.front());
                unit.name = seq.name;
                unit.inputs = seq.inputs;
                unit.combine = seq.combine;
                unit.fused = seq.fused;
                seq = std::move(unit);
            } else {
                seq.body = std::move(body);
            }
            ++report_.reluShared;
        }
        return true;
    }

    std::string uniqueName(const std::string& base) {
        std::string name = base;
        for (int k = 2; names_.count(name); ++k) name = base + "#" + std::to_string(k);
        names_.insert(name);
        return name;
    }

    Graph build(const std::string& name) {
        // Ops keep their order; a new shared ReLU goes right after the tensor it reads, so
        // the topological order (and the order of the outputs) stays what it was.
        anchor_.resize(ops_.size(), -1);
        std::vector<std::vector<OpId>> after(ops_.size());
        for (size_t i = 0; i < ops_.size(); ++i)
            if (anchor_[i] >= 0) after[size_t(anchor_[i])].push_back(OpId(i));
        std::vector<OpId> index(ops_.size(), -1);
        std::vector<Op> kept;
        std::vector<OpId> pending;
        for (size_t i = 0; i < ops_.size(); ++i) {
            if (anchor_[i] >= 0) continue;
            pending = {OpId(i)};
            while (!pending.empty()) {
                const OpId k = pending.back();
                pending.pop_back();
                if (alive_[size_t(k)]) {
                    index[size_t(k)] = OpId(kept.size());
                    kept.push_back(ops_[size_t(k)]);
                }
                pending.insert(pending.end(), after[size_t(k)].rbegin(), after[size_t(k)].rend());
            }
        }
        for (Op& op : kept)
            for (OpId& in : op.inputs) in = index[size_t(in)];
        Graph out(name);
        out.setOps(std::move(kept));
        out.finalize("fusion of '" + name + "'");
        return out;
    }

    FusionReport& report_;
    std::vector<Op> ops_;
    std::vector<bool> alive_;
    std::vector<std::vector<OpId>> consumers_;
    std::vector<int> depth_;
    std::vector<OpId> anchor_; // new ops: the op they are placed after
    std::unordered_set<OpId> isOutput_;
    std::unordered_set<std::string> names_;
};

} // namespace

std::string FusionReport::summary() const {
    char buf[400];
    std::snprintf(buf, sizeof buf,
                  "fused %d -> %d ops: %d activations and %d summed inputs folded into their producers, "
                  "%d ReLUs shared, %d identities dropped, %d average pools moved after their 1x1 conv, "
                  "%d scale-shifts joined to the 1x1 conv after them",
                  opsBefore, opsAfter, activationsFolded, residualsFolded, reluShared, identitiesRemoved,
                  poolsCommuted, scaleShiftsPrefixed);
    return buf;
}

Graph fuseForRuntime(const Graph& g, FusionReport* report) {
    FusionReport local;
    FusionReport& r = report ? *report : local;
    r = FusionReport{};
    r.opsBefore = g.size();
    Graph out = Rewriter(g, r).run(g.name());
    out.setMembers(g.members()); // an ensemble stays one: ops keep their member indices
    r.opsAfter = out.size();
    return out;
}

} // namespace ioscope
