#include "gpu/buffer_plan.h"

#include "gpu/kernels.h"

#include <algorithm>
#include <map>
#include <optional>

namespace ioscope::gpu {
namespace {

// A location before allocation: region index and first channel within it.
struct Loc {
    int region = -1;
    int channel = 0;
    Shape shape;
};

// Kinds whose own kernel reads several summed (or multiplied) inputs directly: the element-wise
// kernel, and the depthwise-conv and pooling kernels, which sum their inputs on load.
bool fusesSum(const Op& op) {
    switch (op.kind) {
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::Identity:
    case OpKind::Activation:
    case OpKind::ScaleShift:
    case OpKind::SepConv:
    case OpKind::MaxPool:
    case OpKind::AvgPool:
    case OpKind::GlobalAvgPool:
    case OpKind::Binary: // reads its two (broadcast) operands itself
        return combinedInputs(op).size() <= size_t(kMaxEwInputs);
    default:
        return false;
    }
}

// The terms as input-index lists (terms are consecutive runs of the inputs).
std::vector<std::vector<int>> termIndices(const Op& op) {
    std::vector<std::vector<int>> out;
    int next = 0;
    for (const auto& term : inputTerms(op)) {
        std::vector<int> idx;
        for (size_t k = 0; k < term.size(); ++k) idx.push_back(next++);
        out.push_back(std::move(idx));
    }
    return out;
}

// A concatenation and nothing else: each input its own channel slice, no sum, no epilogue.
// A Slice of whole channels (all rows and columns, step 1) with nothing fused into it: a Split's
// part, readable in place.
bool isChannelSlice(const Graph& g, OpId id) {
    const Op& op = g.op(id);
    if (op.kind != OpKind::Slice || op.inputs.size() != 1 || op.residuals != 0 || !op.sumTerms.empty() ||
        op.activation != Activation::None)
        return false;
    const Shape& in = g.op(op.inputs.front()).out;
    const SliceBox& b = op.slice;
    return b.h0 == 0 && b.w0 == 0 && b.sh == 1 && b.sw == 1 && b.h == in.h && b.w == in.w && b.c0 >= 0 &&
           b.c0 + b.c <= in.c && op.out.c == b.c;
}

bool pureConcat(const Op& op) {
    if (op.residuals != 0 || op.activation != Activation::None || op.inputs.size() < 2) return false;
    if (op.kind == OpKind::Concat) return true;
    if (op.kind != OpKind::Identity) return false;
    const auto terms = inputTerms(op);
    return terms.size() == op.inputs.size();
}

// DenseNet's pattern: concat k reads features f0..fk, concat k+1 reads f0..fk+1, and so on. Every
// concat whose inputs are a prefix of a longer one's (same order) becomes a channel-prefix view
// of the longest one (its root), so each feature is written once and no concat copies anything.
// Returns root[id] (id itself for roots and for every other op).
std::vector<OpId> concatPrefixRoots(const Graph& g) {
    std::vector<OpId> root(size_t(g.size()));
    std::map<OpId, std::vector<OpId>> byFirst; // pure concats by their first input
    for (OpId id = 0; id < g.size(); ++id) {
        root[size_t(id)] = id;
        if (pureConcat(g.op(id))) byFirst[g.op(id).inputs.front()].push_back(id);
    }
    for (const auto& [first, group] : byFirst) {
        for (OpId c : group) {
            const auto& in = g.op(c).inputs;
            OpId best = c;
            for (OpId d : group) {
                const auto& other = g.op(d).inputs;
                // The root must come later (the plan is built in reverse topological order).
                if (d < c || other.size() <= g.op(best).inputs.size() || g.op(d).out.h != g.op(c).out.h ||
                    g.op(d).out.w != g.op(c).out.w || !std::equal(in.begin(), in.end(), other.begin()))
                    continue;
                best = d;
            }
            root[size_t(c)] = best;
        }
    }
    return root;
}

} // namespace

BufferPlan::BufferPlan(const Graph& g, const std::vector<std::vector<OpId>>& mergeSets, int batch,
                       Layout layout, DataType type, bool ownDepthwiseKernels)
    : batch_(batch), layout_(layout), type_(type) {
    const int n = g.size();
    std::vector<Shape> regions; // per-sample shape of each region
    auto newRegion = [&](Shape s) {
        regions.push_back(s);
        return Loc{static_cast<int>(regions.size()) - 1, 0, s};
    };
    std::vector<Loc> out(static_cast<size_t>(n)), combined(static_cast<size_t>(n));
    std::vector<bool> placed(static_cast<size_t>(n), false);
    std::vector<Loc> mergedLoc(mergeSets.size());
    std::vector<int> memberOf(static_cast<size_t>(n), -1);
    for (size_t k = 0; k < mergeSets.size(); ++k)
        for (OpId id : mergeSets[k]) memberOf[size_t(id)] = static_cast<int>(k);
    mergeOrder_ = mergeSets;
    ops_.assign(static_cast<size_t>(n), {});
    std::vector<std::vector<std::vector<int>>> terms(static_cast<size_t>(n));
    std::vector<std::vector<int>> termChannel(static_cast<size_t>(n));
    std::vector<std::vector<bool>> inPlace(static_cast<size_t>(n));
    std::vector<bool> hasConcatBuffer(static_cast<size_t>(n), false);
    const std::vector<OpId> prefixRoot = concatPrefixRoots(g);

    struct SlotChoice {
        Loc loc;
        OpId consumer;
        size_t term;
    };
    // Where `id` could write in place: a single-input term of a consumer's concat buffer.
    auto findSlot = [&](OpId id) -> std::optional<SlotChoice> {
        const Op& op = g.op(id);
        for (OpId c : g.successors(id)) {
            if (!hasConcatBuffer[size_t(c)]) continue;
            const Op& consumer = g.op(c);
            if (std::count(consumer.inputs.begin(), consumer.inputs.end(), id) != 1) continue;
            const auto& ct = terms[size_t(c)];
            size_t t = 0;
            for (; t < ct.size(); ++t)
                if (ct[t].size() == 1 && consumer.inputs[size_t(ct[t][0])] == id) break;
            if (t == ct.size() || inPlace[size_t(c)][t]) continue;
            return SlotChoice{Loc{combined[size_t(c)].region,
                                  combined[size_t(c)].channel + termChannel[size_t(c)][t], op.out},
                              c, t};
        }
        return std::nullopt;
    };
    auto placeMergeSet = [&](int k) {
        const auto& set = mergeSets[size_t(k)];
        std::vector<std::pair<SlotChoice, OpId>> slots;
        for (OpId id : set)
            if (auto s = findSlot(id)) slots.push_back({*s, id});
        std::sort(slots.begin(), slots.end(),
                  [](const auto& a, const auto& b) { return a.first.loc.channel < b.first.loc.channel; });
        bool contiguous = slots.size() == set.size();
        for (size_t i = 0; contiguous && i < slots.size(); ++i) {
            contiguous = slots[i].first.loc.region == slots[0].first.loc.region;
            if (i > 0)
                contiguous = contiguous && slots[i].first.loc.channel == slots[i - 1].first.loc.channel +
                                                                             slots[i - 1].first.loc.shape.c;
        }
        int channels = 0;
        for (OpId id : set) channels += g.op(id).out.c;
        const Shape first = g.op(set.front()).out;
        if (contiguous) {
            mergeOrder_[size_t(k)].clear();
            for (const auto& [slot, id] : slots) {
                out[size_t(id)] = slot.loc;
                inPlace[size_t(slot.consumer)][slot.term] = true;
                mergeOrder_[size_t(k)].push_back(id);
            }
            mergedLoc[size_t(k)] =
                Loc{slots[0].first.loc.region, slots[0].first.loc.channel, {channels, first.h, first.w}};
            return;
        }
        const Loc m = newRegion({channels, first.h, first.w});
        mergedLoc[size_t(k)] = m;
        int channel = 0;
        for (OpId id : set) {
            out[size_t(id)] = Loc{m.region, channel, g.op(id).out};
            channel += g.op(id).out.c;
        }
    };

    // Channel slices read in place, and ReLU ops their depthwise readers apply on load
    // (gpu/deferred_epilogue.h): their location follows their input's, resolved below.
    std::vector<bool> members(static_cast<size_t>(n), false);
    for (OpId id = 0; id < n; ++id) members[size_t(id)] = memberOf[size_t(id)] >= 0;
    deferred_ = deferredEpilogues(g, members, ownDepthwiseKernels);
    const std::vector<bool>& aliasInput = deferred_.aliasInput;
    std::vector<bool> sliceView(static_cast<size_t>(n), false);
    for (OpId id = 0; id < n; ++id)
        sliceView[size_t(id)] = memberOf[size_t(id)] < 0 && prefixRoot[size_t(id)] == id &&
                                (isChannelSlice(g, id) || aliasInput[size_t(id)]);

    // Reverse topological order: every consumer's concat buffer is known before its producers
    // choose where to write.
    for (OpId id = n - 1; id >= 0; --id) {
        const Op& op = g.op(id);
        const int set = memberOf[size_t(id)];
        if (sliceView[size_t(id)]) placed[size_t(id)] = true;
        if (prefixRoot[size_t(id)] != id) { // a channel prefix of a longer concat's buffer
            const Loc& r = combined[size_t(prefixRoot[size_t(id)])];
            out[size_t(id)] = Loc{r.region, r.channel, op.out};
            placed[size_t(id)] = true;
        }
        if (set < 0 && !placed[size_t(id)] && op.kind != OpKind::Input) {
            if (auto slot = findSlot(id)) {
                out[size_t(id)] = slot->loc;
                inPlace[size_t(slot->consumer)][slot->term] = true;
                placed[size_t(id)] = true;
            }
        }
        if (set < 0 && !placed[size_t(id)]) out[size_t(id)] = newRegion(op.out);
        // A merge set is placed when its first member is reached: every member's consumers are
        // known then. Members whose slices lie side by side in one concat buffer let the merged
        // convolution write there directly; otherwise it gets its own region.
        if (set >= 0 && id == *std::min_element(mergeSets[size_t(set)].begin(), mergeSets[size_t(set)].end()))
            placeMergeSet(set);
        if (op.kind == OpKind::Input) continue;
        PlannedOp& p = ops_[size_t(id)];
        terms[size_t(id)] = termIndices(op);
        const auto& tt = terms[size_t(id)];
        if (tt.size() > 1 || op.kind == OpKind::Concat) {
            p.gather = Gather::Concat;
            combined[size_t(id)] = (op.kind == OpKind::Concat || op.kind == OpKind::Identity)
                                       ? out[size_t(id)]
                                       : newRegion(op.in);
            hasConcatBuffer[size_t(id)] = tt.size() > 1 && prefixRoot[size_t(id)] == id;
            inPlace[size_t(id)].assign(tt.size(), false);
            int channel = 0;
            for (const auto& term : tt) {
                termChannel[size_t(id)].push_back(channel);
                channel += g.op(op.inputs[size_t(term.front())]).out.c;
            }
        } else if (fusesSum(op)) {
            p.gather = Gather::Elementwise;
        } else if (combinedInputs(op).size() == 1) {
            p.gather = Gather::Direct;
        } else {
            p.gather = Gather::SumStaging;
            combined[size_t(id)] = newRegion(op.in);
        }
    }

    for (OpId id = 0; id < n; ++id) // inputs first: a slice of a slice follows its input's place
        if (sliceView[size_t(id)]) {
            const Op& op = g.op(id);
            const Loc& in = out[size_t(op.inputs.front())];
            const int c0 = aliasInput[size_t(id)] ? 0 : op.slice.c0;
            out[size_t(id)] = Loc{in.region, in.channel + c0, op.out};
            ops_[size_t(id)].view = true;
        }

    // One allocation for every region, each 256-byte aligned.
    if (batch < 1 || batch > (1 << 24))
        throw RuntimeFailure("batch " + std::to_string(batch) + " is out of range");
    const long long bytesPer = elementBytes(type);
    std::vector<long long> start(regions.size()); // bytes
    long long total = 0;
    for (size_t r = 0; r < regions.size(); ++r) {
        start[r] = total;
        total += (regions[r].elements() * batch * bytesPer + 255) / 256 * 256;
        if (total > (1LL << 40))
            throw RuntimeFailure("out of GPU memory: batch " + std::to_string(batch) +
                                 " needs more than 1 TiB of activations");
    }
    memory_ = DeviceBuffer(static_cast<size_t>(total), "activations");
    auto view = [&](const Loc& l) {
        const View whole = packedView(static_cast<char*>(memory_.data()) + start[size_t(l.region)],
                                      regions[size_t(l.region)], layout, type);
        return whole.channels(l.channel, l.shape);
    };
    for (OpId id = 0; id < n; ++id) {
        const Op& op = g.op(id);
        PlannedOp& p = ops_[size_t(id)];
        p.out = view(out[size_t(id)]);
        for (OpId in : combinedInputs(op)) p.inputs.push_back(view(out[size_t(in)]));
        for (OpId in : residualInputs(op)) p.residuals.push_back(view(out[size_t(in)]));
        if (p.gather == Gather::Direct && !p.inputs.empty()) p.combined = p.inputs.front();
        if (p.gather == Gather::Concat || p.gather == Gather::SumStaging)
            p.combined = view(combined[size_t(id)]);
        if (p.gather != Gather::Concat) continue;
        const auto& tt = terms[size_t(id)];
        // A prefix view's terms are in place where its root's are. Terms that are not get
        // copied by every concat of the chain that holds them (the same values into the same
        // slots), since any of them may run first.
        const auto& written = inPlace[size_t(prefixRoot[size_t(id)])];
        for (size_t t = 0; t < tt.size(); ++t) {
            if (t < written.size() && written[t]) continue;
            p.copies.push_back(
                {tt[t], termChannel[size_t(id)][t], g.op(op.inputs[size_t(tt[t].front())]).out});
        }
    }
    for (const Loc& m : mergedLoc) merged_.push_back(view(m));
}

} // namespace ioscope::gpu
