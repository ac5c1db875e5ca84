#include "models/model_spec.h"

#include "graph/ensemble.h"
#include "models/model_registry.h"
#include "util/errors.h"

#include <filesystem>
#include <vector>

namespace ioscope {

Graph loadModelSpec(const std::string& spec, const ModelLoadOptions& options) {
    std::string members = spec;
    EnsembleInputs inputs = EnsembleInputs::Independent;
    if (members.rfind("shared:", 0) == 0) {
        members = members.substr(7);
        inputs = EnsembleInputs::Shared;
    }
    std::error_code ec;
    if (members.find('+') == std::string::npos || std::filesystem::exists(spec, ec)) {
        if (inputs == EnsembleInputs::Shared)
            throw InputError(spec + ": shared: needs several models joined by '+' (shared:a+b)");
        return loadModel(spec, options);
    }
    std::vector<Graph> graphs;
    std::vector<EnsembleMember> parts;
    const std::vector<std::string> names = splitEnsembleSpec(members);
    graphs.reserve(names.size()); // parts point into it
    for (const std::string& name : names) {
        // A member's notes name it: "fused 375 -> 387 ops" alone read as the whole ensemble's.
        std::vector<std::string> notes;
        ModelLoadOptions own = options;
        own.notes = options.notes ? &notes : nullptr;
        graphs.push_back(loadModel(name, own));
        // The member's name: a bundled name as is, a file by its stem.
        std::string stem = std::filesystem::path(name).stem().string();
        parts.push_back({stem.empty() ? name : stem, &graphs.back()});
        for (const std::string& n : notes) options.notes->push_back(parts.back().name + ": " + n);
    }
    return buildEnsemble(parts, inputs);
}

} // namespace ioscope
