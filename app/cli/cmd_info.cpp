// ioscope-cli info MODEL [--json]: ops, edges, width and its antichain, blocks, FLOPs.
#include "analysis/model_totals.h"
#include "analysis/partition.h"
#include "analysis/width.h"
#include "cli_args.h"
#include "commands.h"
#include "input_shape.h"
#include "io/json_reader.h"
#include "models/model_registry.h"
#include "util/errors.h"
#include "util/printable.h"

#ifdef IOSCOPE_HAVE_ONNX
#include "onnx/onnx_operators.h"
#endif

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ioscope::cli {
namespace {

// An ensemble's members: [{name, ops}] with the scheduling units of each.
nlohmann::json membersJson(const Graph& g) {
    std::vector<int> ops(g.members().size(), 0);
    for (OpId u : g.units())
        if (const int m = g.op(u).member; m >= 0 && size_t(m) < ops.size()) ++ops[size_t(m)];
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < ops.size(); ++i) out.push_back({{"name", g.members()[i]}, {"ops", ops[i]}});
    return out;
}

} // namespace

namespace {

// `info --ops`: the file's operators and what ioscope supports of each, then the import itself
// (an unsupported node ends it with the usual one-line error, exit status 2).
void printOperators(const std::string& model, bool asJson) {
#ifdef IOSCOPE_HAVE_ONNX
    if (model.size() < 5 || model.compare(model.size() - 5, 5, ".onnx") != 0)
        throw InputError(model, "--ops lists the operators of an ONNX file (*.onnx)");
    const auto uses = onnxOperators(model);
    if (asJson) {
        nlohmann::json ops = nlohmann::json::array();
        for (const auto& u : uses)
            ops.push_back({{"op", u.opType},
                           {"domain", u.domain},
                           {"count", u.count},
                           {"opset", u.opset},
                           {"support", u.support},
                           {"note", u.note}});
        std::cout << json::dump(nlohmann::json{{"operators", ops}}, 2) << "\n";
        return;
    }
    std::printf("%-22s %6s %6s  %-9s %s\n", "operator", "nodes", "opset", "supported", "notes");
    for (const auto& u : uses)
        std::printf("%-22s %6d %6d  %-9s %s\n",
                    printable((u.domain.empty() ? "" : u.domain + ".") + u.opType).c_str(), u.count, u.opset,
                    u.support.c_str(), printable(u.note).c_str());
#else
    (void)asJson;
    throw InputError(model, "this build has no ONNX support (libonnx-dev was not found)");
#endif
}

} // namespace

int runInfo(const ArgVector& argv) {
    const Args args(argv, {"--input"}, {"--json", "--no-fuse", "--ops"});
    args.expectPositionals(1, "info MODEL [--input 1xCxHxW] [--json] [--ops]");
    std::vector<std::string> notes;
    const std::string model = args.positional(0, "MODEL");
    if (args.flag("--ops")) {
        printOperators(model, args.flag("--json"));
        const Graph g = loadModelSpec(model, modelLoadOptions(args, model, &notes));
        if (!args.flag("--json")) std::printf("import: ok, %zu scheduling units\n", g.units().size());
        return 0;
    }
    const Graph g = loadModelSpec(model, modelLoadOptions(args, model, &notes));

    const ModelTotals totals = modelTotals(g);
    const int edges = totals.edges;
    const double flops = totals.flops, bytes = totals.bytes;
    const long long params = totals.params;
    const auto& kinds = totals.kinds;
    const WidthResult width = maximumAntichain(g);
    const std::vector<Block> blocks = partitionBlocks(g);
    const CriticalPath critical = criticalPathByFlops(g);
    int parts = 0;
    for (const Block& b : blocks) parts += static_cast<int>(b.parts.size());
    const Op& input = g.op(0);

    if (args.flag("--json")) {
        nlohmann::json j;
        j["name"] = g.name();
        j["input"] = {input.out.c, input.out.h, input.out.w};
        j["ops"] = g.units().size();
        j["edges"] = edges;
        j["width"] = width.width;
        nlohmann::json anti = nlohmann::json::array();
        for (OpId id : width.antichain) anti.push_back(g.op(id).name);
        j["antichain"] = anti;
        j["blocks"] = blocks.size();
        j["parts"] = parts;
        j["flops"] = flops;
        j["gflops"] = flops / 1e9;
        j["bytes"] = bytes;
        j["params"] = params;
        j["kinds"] = kinds;
        j["critical_path_flops"] = critical.flops;
        j["critical_path_ops"] = critical.ops.size();
        j["hash"] = g.contentHash();
        j["notes"] = notes;
        if (!g.members().empty()) j["members"] = membersJson(g);
        std::cout << json::dump(j, 2) << "\n";
        return 0;
    }
    for (const auto& n : notes) std::cout << "note: " << n << "\n";
    std::printf("model      %s\n", printable(g.name()).c_str());
    std::printf("input      %s\n", input.out.str().c_str());
    std::printf("units      %zu\n", g.units().size());
    std::printf("edges      %d\n", edges);
    std::printf("width      %d\n", width.width);
    std::printf("blocks     %zu (%d parts)\n", blocks.size(), parts);
    std::printf("GFLOPs     %.3f\n", flops / 1e9);
    std::printf("params     %.2f M\n", double(params) / 1e6);
    std::printf("critical   %zu ops, %.3f GFLOPs\n", critical.ops.size(), critical.flops / 1e9);
    if (!g.members().empty()) {
        std::printf("members   ");
        const nlohmann::json members = membersJson(g);
        for (const auto& m : members)
            std::printf(" %s (%d ops)", printable(m["name"].get<std::string>()).c_str(), m["ops"].get<int>());
        std::printf("\n");
    }
    std::printf("kinds     ");
    for (const auto& [k, n] : kinds) std::printf(" %s=%d", k.c_str(), n);
    std::printf("\nantichain ");
    for (OpId id : width.antichain) std::printf(" %s", printable(g.op(id).name).c_str());
    std::printf("\n");
    return 0;
}

} // namespace ioscope::cli
