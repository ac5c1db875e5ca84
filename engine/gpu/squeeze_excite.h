#pragma once
// Squeeze-and-excitation run as two kernels instead of four. Its gate is a global average pool, a
// 1x1 conv down to a few channels, a 1x1 conv back up with a sigmoid, and a broadcast multiply of
// the feature map: four launches of which three touch almost no data (efficientnet_b0, H200 tf32:
// 17 pools, 33 dense kernels and 16 multiplies, 209 us of 487). The pool's kernel also runs the
// reduction conv on the means it has just computed (gpu/kernels_squeeze_excite.cu), and the
// multiply computes the expansion conv and its activation for the channels it scales; the two
// convs in between launch nothing. Their outputs: the reduction's is written (the multiply reads
// it), the expansion's is not (nothing else reads it).
#include "graph/graph.h"

#include <vector>

namespace ioscope::gpu {

// The widest reduction run this way. Wider gates keep four kernels: with mobilenet_v3_large's
// 120- to 240-wide gates the pool's kernel took 14-16 us and the multiply 7-11 us, against about
// 11 us for the four (H200, tf32, batch 1), because these kernels then wait on weight loads in a
// loop; for 4- to 48-wide gates the two took 10-12 us against 13.
inline constexpr int kMaxSqueezeChannels = 64;
// The largest map the multiply takes (its grid holds 32 pixels a block in 65535 rows).
inline constexpr long long kMaxExcitePixels = 65535LL * 32;

struct SqueezeExcite {
    OpId pool = -1, reduce = -1, expand = -1, scale = -1;
};

struct SqueezeExciteChains {
    std::vector<SqueezeExcite> chains;
    std::vector<int> chainOf; // per op: the index of the chain it belongs to, or -1
    const SqueezeExcite* of(OpId id) const {
        const int k = size_t(id) < chainOf.size() ? chainOf[size_t(id)] : -1;
        return k < 0 ? nullptr : &chains[size_t(k)];
    }
};

// `mergeMembers`: ops computed as part of a merged convolution (never taken into a chain).
SqueezeExciteChains squeezeExciteChains(const Graph& g, const std::vector<bool>& mergeMembers);

} // namespace ioscope::gpu
