#include "gpu/buffer_plan.h"

#include <algorithm>

namespace ioscope::gpu {
namespace {

// A location before allocation: region index, first element within a sample, the region's
// per-sample size (the stride).
struct Loc {
    int region = -1;
    long long offset = 0;
    Shape shape;
};

bool concatenates(const Op& op) {
    if (op.kind == OpKind::Concat) return true;
    if (op.kind == OpKind::Add || op.kind == OpKind::Mul) return false;
    return op.combine == Combine::Concat && op.inputs.size() > 1;
}

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
    std::vector<Loc> mergedLoc;
    std::vector<bool> inMerge(static_cast<size_t>(n), false);
    for (const auto& set : mergeSets) {
        int channels = 0;
        for (OpId id : set) channels += g.op(id).out.c;
        const Shape first = g.op(set.front()).out;
        const Loc m = newRegion({channels, first.h, first.w});
        mergedLoc.push_back(m);
        long long offset = 0;
        for (OpId id : set) {
            out[size_t(id)] = Loc{m.region, offset, g.op(id).out};
            offset += g.op(id).out.elements();
            placed[size_t(id)] = inMerge[size_t(id)] = true;
        }
    }
    ops_.assign(static_cast<size_t>(n), {});
    std::vector<std::vector<bool>> inPlace(static_cast<size_t>(n));
    std::vector<bool> hasConcatBuffer(static_cast<size_t>(n), false);

    // Reverse topological order: every consumer's concat buffer is known before its producers
    // choose where to write.
    for (OpId id = n - 1; id >= 0; --id) {
        const Op& op = g.op(id);
        if (!placed[size_t(id)] && op.kind != OpKind::Input) {
            for (OpId c : g.successors(id)) {
                const Op& consumer = g.op(c);
                if (!hasConcatBuffer[size_t(c)]) continue;
                if (std::count(consumer.inputs.begin(), consumer.inputs.end(), id) != 1) continue;
                long long offset = combined[size_t(c)].offset;
                size_t index = 0;
                for (; consumer.inputs[index] != id; ++index)
                    offset += g.op(consumer.inputs[index]).out.elements();
                out[size_t(id)] = Loc{combined[size_t(c)].region, offset, op.out};
                inPlace[size_t(c)][index] = true;
                placed[size_t(id)] = true;
                break;
            }
        }
        if (!placed[size_t(id)]) out[size_t(id)] = newRegion(op.out);
        PlannedOp& p = ops_[size_t(id)];
        if (op.kind == OpKind::Input) continue;
        if (op.inputs.size() == 1 && op.kind != OpKind::Concat) {
            p.gather = fusesSum(op) ? Gather::Elementwise : Gather::Direct;
        } else if (concatenates(op)) {
            p.gather = Gather::Concat;
            combined[size_t(id)] = (op.kind == OpKind::Concat || op.kind == OpKind::Identity)
                                       ? out[size_t(id)]
                                       : newRegion(op.in);
            hasConcatBuffer[size_t(id)] = op.inputs.size() > 1;
            inPlace[size_t(id)].assign(op.inputs.size(), false);
        } else if (fusesSum(op)) {
            p.gather = Gather::Elementwise;
        } else {
            p.gather = Gather::SumStaging;
            combined[size_t(id)] = newRegion(op.in);
        }
    }

    // One allocation for every region, each 256-byte aligned.
    std::vector<long long> start(regions.size());
    long long total = 0;
    for (size_t r = 0; r < regions.size(); ++r) {
        start[r] = total;
        const long long elems = regions[r] * batch;
        total += (elems + 63) / 64 * 64;
    }
    const long long limit = (1LL << 40) / 4; // 1 TiB: beyond any GPU; also guards overflow
    if (total > limit || batch > (1 << 24))
        throw RuntimeFailure("out of GPU memory: batch " + std::to_string(batch) +
                             " needs more than 1 TiB of activations");
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
        if (p.gather == Gather::Concat) {
            int channel = 0;
            for (size_t i = 0; i < op.inputs.size(); ++i) {
                const bool done = i < inPlace[size_t(id)].size() && inPlace[size_t(id)][i];
                if (!done) {
                    p.copyInputs.push_back(static_cast<int>(i));
                    p.copyOffsets.push_back(channel);
                }
                channel += g.op(op.inputs[i]).out.c;
            }
        }
    }
    for (const Loc& m : mergedLoc) merged_.push_back(view(m));
}

} // namespace ioscope::gpu
