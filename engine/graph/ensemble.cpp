// buildEnsemble: several finalized graphs joined into one, members side by side.
#include "graph/ensemble.h"

#include "util/errors.h"

#include <algorithm>
#include <set>

namespace ioscope {
namespace {

// The key an op's seeded weights were drawn from alone, kept under its new name.
void keepWeights(Op& op) {
    if (op.kind == OpKind::Sequential)
        for (size_t i = 0; i < op.body.size(); ++i)
            if (op.body[i].weightKey.empty())
                op.body[i].weightKey = op.name + "/" + std::to_string(i) + "/" + op.body[i].name;
    if (op.weightKey.empty()) op.weightKey = op.name;
}

} // namespace

std::vector<std::string> splitEnsembleSpec(const std::string& spec) {
    std::vector<std::string> parts;
    size_t from = 0;
    for (size_t plus = spec.find('+');; plus = spec.find('+', from)) {
        const std::string part =
            spec.substr(from, plus == std::string::npos ? std::string::npos : plus - from);
        if (part.empty()) throw InputError(spec + ": an ensemble member's name is empty (expected a+b+c)");
        parts.push_back(part);
        if (plus == std::string::npos) break;
        from = plus + 1;
    }
    return parts;
}

Graph buildEnsemble(const std::vector<EnsembleMember>& members, EnsembleInputs inputs) {
    if (members.size() < 2)
        throw InputError("an ensemble needs at least two members, got " + std::to_string(members.size()));
    std::vector<std::string> names;
    std::set<std::string> used;
    for (const EnsembleMember& m : members) {
        if (!m.graph || !m.graph->finalized())
            throw InputError("ensemble member '" + m.name + "' is not loaded");
        std::string name = m.name;
        for (int k = 2; !used.insert(name).second; ++k) name = m.name + "#" + std::to_string(k);
        names.push_back(name);
    }
    std::string joined;
    for (const std::string& n : names) joined += (joined.empty() ? "" : "+") + n;
    Graph out(joined);

    OpId shared = -1;
    if (inputs == EnsembleInputs::Shared) {
        const Op* first = nullptr;
        for (size_t k = 0; k < members.size(); ++k) {
            int count = 0;
            for (const Op& op : members[k].graph->ops())
                if (op.kind == OpKind::Input) {
                    ++count;
                    if (!first) first = &op;
                    if (op.out.c != first->out.c || op.out.h != first->out.h || op.out.w != first->out.w)
                        throw InputError("ensemble member '" + names[k] +
                                         "': its input's shape differs from the first member's; a shared "
                                         "input needs equal shapes (use independent inputs)");
                }
            if (count != 1)
                throw InputError("ensemble member '" + names[k] + "' has " + std::to_string(count) +
                                 " inputs; a shared input needs exactly one per member");
        }
        shared = out.addInput("input", first->inputShape);
    }
    // Ops interleaved by relative depth (an op's longest path from the inputs over its
    // member's deepest), so the members' ops at the same stage of their networks sit close in
    // the topological order: parts of a search (consecutive in that order) then hold several
    // members side by side instead of one member after another. Depth grows along every edge,
    // so the order stays topological.
    struct Slot {
        double depth;
        size_t member;
        OpId id;
    };
    std::vector<Slot> order;
    for (size_t k = 0; k < members.size(); ++k) {
        const Graph& g = *members[k].graph;
        std::vector<int> level(static_cast<size_t>(g.size()), 0);
        int deepest = 1;
        for (OpId id = 0; id < g.size(); ++id) {
            for (OpId p : g.predecessors(id))
                level[static_cast<size_t>(id)] =
                    std::max(level[static_cast<size_t>(id)], level[static_cast<size_t>(p)] + 1);
            deepest = std::max(deepest, level[static_cast<size_t>(id)]);
        }
        for (OpId id = 0; id < g.size(); ++id)
            order.push_back({double(level[static_cast<size_t>(id)]) / deepest, k, id});
    }
    std::sort(order.begin(), order.end(), [](const Slot& a, const Slot& b) {
        return a.depth != b.depth     ? a.depth < b.depth
               : a.member != b.member ? a.member < b.member
                                      : a.id < b.id;
    });
    std::vector<std::vector<OpId>> remaps(members.size());
    for (size_t k = 0; k < members.size(); ++k)
        remaps[k].assign(static_cast<size_t>(members[k].graph->size()), -1);
    for (const Slot& slot : order) {
        const size_t k = slot.member;
        const Graph& g = *members[k].graph;
        std::vector<OpId>& remap = remaps[k];
        {
            const OpId id = slot.id;
            Op op = g.op(id);
            if (op.kind == OpKind::Input && shared >= 0) {
                remap[static_cast<size_t>(id)] = shared;
                continue;
            }
            keepWeights(op);
            op.name = names[k] + "/" + op.name;
            op.member = static_cast<int>(k);
            for (OpId& in : op.inputs) in = remap[static_cast<size_t>(in)];
            remap[static_cast<size_t>(id)] = out.addOp(std::move(op));
        }
    }
    out.setMembers(names);
    out.finalize(joined);
    return out;
}

} // namespace ioscope
