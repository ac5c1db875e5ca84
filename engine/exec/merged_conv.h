#pragma once
// A merge stage as one convolution (docs/semantics.md, "Schedules"): output channels concatenated in the
// stage's op order, kernel and padding the maxima, each op's kernel zero-padded and centred into the larger
// one. Consumers of member i read channels [offsets[i], offsets[i] + counts[i]) of the merged output. The CPU
// reference executor and the GPU runtime both build it here.
#include "graph/graph.h"

#include <vector>

namespace ioscope {

struct MergedConv {
    Op conv;               // kind Conv, inputs = the members' common input, in/out shapes set
    Weights weights;       // kernel [sum Cout][Cin][KH][KW], bias [sum Cout] (empty when no member has one)
    std::vector<OpId> ops; // the members, in output-channel order
    std::vector<int> offsets; // first output channel of each member
    std::vector<int> counts;  // output channels of each member
};

// `weights[i]` are the weights of ops[i] (as seededWeights returns them). Throws InputError
// when mergeRuleViolation(g, ops) is not empty or a weight vector has the wrong size. Members
// without bias contribute zero bias when another member has one.
MergedConv buildMergedConv(const Graph& g, const std::vector<OpId>& ops, const std::vector<Weights>& weights);

} // namespace ioscope
