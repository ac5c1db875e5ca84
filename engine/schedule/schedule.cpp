#include "schedule/schedule.h"

#include "util/errors.h"

#include <algorithm>

namespace ioscope {

std::string_view toString(Strategy s) {
    return s == Strategy::Concurrent ? "concurrent" : "merge";
}
std::optional<Strategy> strategyFromString(std::string_view s) {
    if (s == "concurrent" || s == "parallel") return Strategy::Concurrent;
    if (s == "merge") return Strategy::Merge;
    return std::nullopt;
}

int Stage::opCount() const {
    int n = 0;
    for (const auto& g : groups) n += static_cast<int>(g.size());
    return n;
}

std::vector<OpId> Stage::allOps() const {
    std::vector<OpId> all;
    for (const auto& g : groups) all.insert(all.end(), g.begin(), g.end());
    return all;
}

Schedule sequentialSchedule(const Graph& g) {
    Schedule s;
    for (OpId u : g.units()) s.stages.push_back(Stage{Strategy::Concurrent, {{u}}});
    return s;
}

std::string mergeRuleViolation(const Graph& g, const std::vector<OpId>& ops) {
    if (ops.empty()) return "a merge stage needs at least one op";
    const Op& first = g.op(ops.front());
    for (OpId id : ops) {
        const Op& op = g.op(id);
        const std::string who = "op '" + op.name + "'";
        if (op.kind != OpKind::Conv) return who + " is not a convolution";
        if (op.groups != 1) return who + " is a grouped convolution";
        if (op.inputs.size() != 1 || first.inputs.size() != 1 || op.inputs != first.inputs)
            return who + " does not read the same single input as '" + first.name + "'";
        if (op.window.sh != first.window.sh || op.window.sw != first.window.sw)
            return who + " has another stride";
        if (op.window.dh != first.window.dh || op.window.dw != first.window.dw)
            return who + " has another dilation";
        if (op.activation != first.activation) return who + " has another activation";
        if (op.out.h != first.out.h || op.out.w != first.out.w) return who + " has another output size";
        // Centred zero padding of the kernel keeps outputs aligned only when the padding grows
        // with the kernel: (k - 1) / 2 - p must agree across the merged convs, and the kernel
        // difference must be even so the smaller kernel can be centred.
        const int offH = (op.window.kh - 1) - 2 * op.window.ph, offW = (op.window.kw - 1) - 2 * op.window.pw;
        const int offH0 = (first.window.kh - 1) - 2 * first.window.ph,
                  offW0 = (first.window.kw - 1) - 2 * first.window.pw;
        if (offH != offH0 || offW != offW0 || (op.window.kh - first.window.kh) % 2 != 0 ||
            (op.window.kw - first.window.kw) % 2 != 0)
            return who + " is not aligned with '" + first.name + "' under centred kernel padding";
    }
    return {};
}

void validateSchedule(const Graph& g, const Schedule& s, const std::string& source) {
    const int n = g.size();
    std::vector<int> stageOf(static_cast<size_t>(n), -1);
    std::vector<int> groupOf(static_cast<size_t>(n), -1);
    std::vector<int> posOf(static_cast<size_t>(n), -1);
    for (size_t si = 0; si < s.stages.size(); ++si) {
        const Stage& st = s.stages[si];
        const std::string where = "stage " + std::to_string(si);
        if (st.groups.empty()) throw InputError(source, where + " has no groups");
        if (st.strategy == Strategy::Merge && st.groups.size() != 1)
            throw InputError(source, where + " is a merge stage with more than one group");
        if (!st.devices.empty() && st.devices.size() != st.groups.size())
            throw InputError(source, where + " has " + std::to_string(st.devices.size()) + " devices for " +
                                         std::to_string(st.groups.size()) + " groups");
        for (int d : st.devices)
            if (d < 0 || d >= kMaxDevices)
                throw InputError(source, where + ": device " + std::to_string(d) + " is not in 0.." +
                                             std::to_string(kMaxDevices - 1));
        for (size_t gi = 0; gi < st.groups.size(); ++gi) {
            if (st.groups[gi].empty()) throw InputError(source, where + " has an empty group");
            for (size_t k = 0; k < st.groups[gi].size(); ++k) {
                const OpId id = st.groups[gi][k];
                if (id < 0 || id >= n)
                    throw InputError(source, where + " names an op that is not in the model");
                const Op& op = g.op(id);
                if (op.kind == OpKind::Input)
                    throw InputError(source, where + ": input op '" + op.name + "' is not scheduled");
                if (stageOf[static_cast<size_t>(id)] != -1)
                    throw InputError(source, "op '" + op.name + "' appears twice (stages " +
                                                 std::to_string(stageOf[static_cast<size_t>(id)]) + " and " +
                                                 std::to_string(si) + ")");
                stageOf[static_cast<size_t>(id)] = static_cast<int>(si);
                groupOf[static_cast<size_t>(id)] = static_cast<int>(gi);
                posOf[static_cast<size_t>(id)] = static_cast<int>(k);
            }
        }
        if (st.strategy == Strategy::Merge) {
            const std::string why = mergeRuleViolation(g, st.groups.front());
            if (!why.empty()) throw InputError(source, where + " breaks the merge rule: " + why);
        }
    }
    for (OpId id : g.units())
        if (stageOf[static_cast<size_t>(id)] == -1)
            throw InputError(source, "op '" + g.op(id).name + "' is missing from the schedule");
    for (OpId id : g.units()) {
        const auto i = static_cast<size_t>(id);
        for (OpId p : g.predecessors(id)) {
            if (!g.isUnit(p)) continue;
            const auto pi = static_cast<size_t>(p);
            const std::string edge = "op '" + g.op(id).name + "' reads '" + g.op(p).name + "'";
            if (stageOf[pi] > stageOf[i]) throw InputError(source, edge + ", which runs in a later stage");
            if (stageOf[pi] < stageOf[i]) continue;
            const Stage& st = s.stages[static_cast<size_t>(stageOf[i])];
            if (st.strategy == Strategy::Merge)
                throw InputError(source, edge + " inside the same merge stage " + std::to_string(stageOf[i]));
            if (groupOf[pi] != groupOf[i])
                throw InputError(source, edge + " from another group of stage " + std::to_string(stageOf[i]));
            if (posOf[pi] > posOf[i]) throw InputError(source, edge + ", which comes later in its group");
        }
    }
}

} // namespace ioscope
