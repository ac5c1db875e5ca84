#include "gpu/squeeze_excite.h"

namespace ioscope::gpu {
namespace {

bool isMember(const std::vector<bool>& members, OpId id) {
    return size_t(id) < members.size() && members[size_t(id)];
}

// An op that reads `input` alone, adds nothing and is read by exactly one op.
bool plainLink(const Graph& g, OpId id, OpId input, const std::vector<bool>& members) {
    const Op& op = g.op(id);
    return op.inputs.size() == 1 && op.inputs.front() == input && op.residuals == 0 && op.sumTerms.empty() &&
           !isMember(members, id) && g.successors(id).size() == 1;
}

// A 1x1 conv on a 1x1 map: a dense layer of `in` to the op's channels.
bool isDenseConv(const Graph& g, const Op& op) {
    const Window& w = op.window;
    const Shape& in = g.op(op.inputs.front()).out;
    return op.kind == OpKind::Conv && op.groups == 1 && w.kh == 1 && w.kw == 1 && w.sh == 1 && w.sw == 1 &&
           w.ph == 0 && w.pw == 0 && in.h == 1 && in.w == 1;
}

} // namespace

SqueezeExciteChains squeezeExciteChains(const Graph& g, const std::vector<bool>& mergeMembers) {
    SqueezeExciteChains s;
    s.chainOf.assign(size_t(g.size()), -1);
    for (OpId pool = 0; pool < g.size(); ++pool) {
        const Op& p = g.op(pool);
        if (p.kind != OpKind::GlobalAvgPool || p.inputs.size() != 1 || p.residuals != 0 ||
            !p.sumTerms.empty() || p.activation != Activation::None || isMember(mergeMembers, pool) ||
            g.successors(pool).size() != 1)
            continue;
        const int channels = p.out.c;
        const OpId reduce = g.successors(pool).front();
        const Op& r = g.op(reduce);
        if (!plainLink(g, reduce, pool, mergeMembers) || !isDenseConv(g, r) || r.outChannels < 1 ||
            r.outChannels > kMaxSqueezeChannels)
            continue;
        const OpId expand = g.successors(reduce).front();
        const Op& e = g.op(expand);
        if (!plainLink(g, expand, reduce, mergeMembers) || !isDenseConv(g, e) || e.outChannels != channels)
            continue;
        // The gate multiplies a map of the pooled channel count; the other factor may be any map.
        const OpId scale = g.successors(expand).front();
        const Op& m = g.op(scale);
        if (m.kind != OpKind::Binary || m.binary != BinaryFn::Mul || m.inputs.size() != 2 ||
            m.residuals != 0 || !m.sumTerms.empty() || m.activation != Activation::None ||
            isMember(mergeMembers, scale))
            continue;
        const OpId mapId = m.inputs[0] == expand ? m.inputs[1] : m.inputs[0];
        if (mapId == expand || (m.inputs[0] != expand && m.inputs[1] != expand)) continue;
        const Shape& map = g.op(mapId).out;
        if (map.c != channels || !(m.out == map) || (long long)map.h * map.w > kMaxExcitePixels) continue;
        const int k = int(s.chains.size());
        s.chains.push_back({pool, reduce, expand, scale});
        for (OpId id : {pool, reduce, expand, scale}) s.chainOf[size_t(id)] = k;
    }
    return s;
}

} // namespace ioscope::gpu
