#include "gpu/buffer_plan.h"

#include <algorithm>
#include <optional>

namespace ioscope::gpu {
namespace {

// A location before allocation: region index and first element within a sample.
struct Loc {
    int region = -1;
    long long offset = 0;
    Shape shape;
};

// Kinds whose own element-wise kernel can read several summed/multiplied inputs directly.
bool fusesSum(const Op& op) {
    switch (op.kind) {
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::Identity:
    case OpKind::Activation:
    case OpKind::ScaleShift:
        return true;
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

} // namespace

BufferPlan::BufferPlan(const Graph& g, const std::vector<std::vector<OpId>>& mergeSets, int batch)
    : batch_(batch) {
    const int n = g.size();
    std::vector<long long> regions; // per-sample elements of each region
    auto newRegion = [&](Shape s) {
        regions.push_back(s.elements());
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
            const long long hw = (long long)op.out.h * op.out.w;
            return SlotChoice{Loc{combined[size_t(c)].region,
                                  combined[size_t(c)].offset + termChannel[size_t(c)][t] * hw, op.out},
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
                  [](const auto& a, const auto& b) { return a.first.loc.offset < b.first.loc.offset; });
        bool contiguous = slots.size() == set.size();
        for (size_t i = 0; contiguous && i < slots.size(); ++i) {
            contiguous = slots[i].first.loc.region == slots[0].first.loc.region;
            if (i > 0)
                contiguous =
                    contiguous && slots[i].first.loc.offset ==
                                      slots[i - 1].first.loc.offset + slots[i - 1].first.loc.shape.elements();
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
                Loc{slots[0].first.loc.region, slots[0].first.loc.offset, {channels, first.h, first.w}};
            return;
        }
        const Loc m = newRegion({channels, first.h, first.w});
        mergedLoc[size_t(k)] = m;
        long long offset = 0;
        for (OpId id : set) {
            out[size_t(id)] = Loc{m.region, offset, g.op(id).out};
            offset += g.op(id).out.elements();
        }
    };

    // Reverse topological order: every consumer's concat buffer is known before its producers
    // choose where to write.
    for (OpId id = n - 1; id >= 0; --id) {
        const Op& op = g.op(id);
        const int set = memberOf[size_t(id)];
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
            hasConcatBuffer[size_t(id)] = tt.size() > 1;
            inPlace[size_t(id)].assign(tt.size(), false);
            int channel = 0;
            for (const auto& term : tt) {
                termChannel[size_t(id)].push_back(channel);
                channel += g.op(op.inputs[size_t(term.front())]).out.c;
            }
        } else if (fusesSum(op)) {
            p.gather = Gather::Elementwise;
        } else if (op.inputs.size() == 1) {
            p.gather = Gather::Direct;
        } else {
            p.gather = Gather::SumStaging;
            combined[size_t(id)] = newRegion(op.in);
        }
    }

    // One allocation for every region, each 256-byte aligned.
    std::vector<long long> start(regions.size());
    long long total = 0;
    if (batch < 1 || batch > (1 << 24))
        throw RuntimeFailure("batch " + std::to_string(batch) + " is out of range");
    for (size_t r = 0; r < regions.size(); ++r) {
        start[r] = total;
        total += (regions[r] * batch + 63) / 64 * 64;
        if (total > (1LL << 40) / 4)
            throw RuntimeFailure("out of GPU memory: batch " + std::to_string(batch) +
                                 " needs more than 1 TiB of activations");
    }
    memory_ = DeviceBuffer(static_cast<size_t>(total) * sizeof(float), "activations");
    auto view = [&](const Loc& l) {
        return View{memory_.floats() + start[size_t(l.region)] + l.offset, l.shape,
                    regions[size_t(l.region)]};
    };
    for (OpId id = 0; id < n; ++id) {
        const Op& op = g.op(id);
        PlannedOp& p = ops_[size_t(id)];
        p.out = view(out[size_t(id)]);
        for (OpId in : op.inputs) p.inputs.push_back(view(out[size_t(in)]));
        if (p.gather == Gather::Direct && !p.inputs.empty()) p.combined = p.inputs.front();
        if (p.gather == Gather::Concat || p.gather == Gather::SumStaging)
            p.combined = view(combined[size_t(id)]);
        if (p.gather != Gather::Concat) continue;
        const auto& tt = terms[size_t(id)];
        for (size_t t = 0; t < tt.size(); ++t) {
            if (t < inPlace[size_t(id)].size() && inPlace[size_t(id)][t]) continue;
            p.copies.push_back(
                {tt[t], termChannel[size_t(id)][t], g.op(op.inputs[size_t(tt[t].front())]).out});
        }
    }
    for (const Loc& m : mergedLoc) merged_.push_back(view(m));
}

} // namespace ioscope::gpu
