#pragma once
// The runtime fusion rewrite (docs/semantics.md, "GPU runtime rules": "element-wise work fused into the
// kernels around it ... a graph rewrite before scheduling"). Element-wise ops whose work can ride in the
// epilogue of the op before them are folded into it, so the scheduler, the views, the CPU
// reference and the GPU runtime all see the same fused units:
//   - an activation that alone reads a conv, separable conv, FC, pool, sum or scale-shift
//     becomes that op's activation;
//   - a sum (an Add, or a term of an identity's sums) of a conv, separable conv or pool and
//     other tensors becomes a residual epilogue of that producer (Op::residuals): ResNet's
//     conv + add + ReLU, NasNet's branch sums;
//   - ReLUs that several consumers apply to one tensor (ReLU ops and ReLU-first sequential
//     units) are computed once;
//   - identities left with one input and nothing to do disappear;
//   - a 1x1 conv that alone reads an average pool (stride 1, same size) and has fewer channels
//     than the pool runs first: conv + pool become one sequential unit, the pool on the conv's
//     fewer channels (its bias after the mean where the pool counts padding);
//   - a 1x1 conv that alone reads a scale-shift (+ ReLU) becomes one sequential unit with it (a
//     pre-activation batch norm: the GPU runtime may apply it as the conv loads its input).
// Graph outputs are never folded away, so the rewritten graph has the same outputs, in order.
// Seeded weights are kept (Op::weightKey, Op::weightActivation), so the rewritten graph computes
// what the original computes up to rounding; tests check this on the CPU reference.
#include "graph/graph.h"

#include <string>

namespace ioscope {

struct FusionReport {
    int activationsFolded = 0;   // activation ops folded into their producer
    int residualsFolded = 0;     // sums folded into a producer's epilogue (inputs added)
    int reluShared = 0;          // ReLU applications replaced by one shared ReLU
    int identitiesRemoved = 0;   // pass-through identities dropped
    int poolsCommuted = 0;       // average pools moved after the 1x1 conv that read them
    int scaleShiftsPrefixed = 0; // scale-shifts made one unit with the 1x1 conv that reads them
    int opsBefore = 0, opsAfter = 0;
    bool changed() const { return opsBefore != opsAfter || reluShared > 0; }
    std::string summary() const; // "fused 374 -> 290 units: 40 activations, ..."
};

// The rewritten graph (finalized, same name). `g` must be finalized.
Graph fuseForRuntime(const Graph& g, FusionReport* report = nullptr);

} // namespace ioscope
