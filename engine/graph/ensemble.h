#pragma once
// Several networks run as one program (docs/semantics.md, "Graphs": "a MODEL may be several networks"): an
// ensemble or a multi-tenant mix is one DAG whose members share no op, so a scheduler can run
// one member's ops beside another's. Op names are prefixed with the member's name ("resnet/c1");
// each op records its member (Op::member, Graph::members()).
#include "graph/graph.h"

#include <string>
#include <vector>

namespace ioscope {

struct EnsembleMember {
    std::string name; // the prefix of its ops; made unique (name, name#2, ...)
    const Graph* graph = nullptr;
};

// Independent: every member keeps its own inputs (multi-tenant serving). Shared: the members'
// inputs are one op fed to all of them (an ensemble on one image); they must have one input
// each, of equal shapes.
enum class EnsembleInputs { Independent, Shared };

// The members (finalized graphs) joined into one finalized graph. Seeded weights stay those
// each op had alone (Op::weightKey), so members compute what they compute alone. Throws
// InputError on fewer than two members or, when shared, unequal or missing inputs.
Graph buildEnsemble(const std::vector<EnsembleMember>& members,
                    EnsembleInputs inputs = EnsembleInputs::Independent);

// "a+b+c" -> {"a", "b", "c"}; a spec without '+' gives one element. Empty parts are an error.
std::vector<std::string> splitEnsembleSpec(const std::string& spec);

} // namespace ioscope
