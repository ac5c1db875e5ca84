#include "models/model_registry.h"

#include "graph/fusion.h"

#include "io/model_json.h"
#include "util/errors.h"
#ifdef IOSCOPE_HAVE_ONNX
#include "onnx/onnx_import.h"
#endif

#include <filesystem>

namespace ioscope {

std::vector<std::string> bundledModelNames() {
    return {"inception_v3", "squeezenet", "randwire", "nasnet"};
}

std::optional<Graph> buildBundledModel(const std::string& name) {
    if (name == "inception_v3") return buildInceptionV3();
    if (name == "squeezenet") return buildSqueezeNet();
    if (name == "randwire") return buildRandWire();
    if (name == "nasnet") return buildNasNet();
    return std::nullopt;
}

namespace {
bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
} // namespace

namespace {

Graph loadAsWritten(const std::string& spec, const ModelLoadOptions& options) {
    if (auto g = buildBundledModel(spec)) return std::move(*g);
    if (endsWith(spec, ".onnx")) {
#ifdef IOSCOPE_HAVE_ONNX
        return importOnnx(spec, options);
#else
        throw InputError(spec, "this ioscope was built without ONNX support (IOSCOPE_ONNX=OFF)");
#endif
    }
    if (!std::filesystem::exists(spec)) {
        std::string names;
        for (const auto& n : bundledModelNames()) names += (names.empty() ? "" : ", ") + n;
        throw InputError(spec, "no such file, and not a bundled model (" + names + ")");
    }
    return loadModelFile(spec);
}

} // namespace

Graph loadModel(const std::string& spec, const ModelLoadOptions& options) {
    Graph g = loadAsWritten(spec, options);
    if (!options.fuse) return g;
    FusionReport report;
    Graph fused = fuseForRuntime(g, &report);
    if (options.notes && report.changed()) options.notes->push_back(report.summary());
    return fused;
}

} // namespace ioscope
