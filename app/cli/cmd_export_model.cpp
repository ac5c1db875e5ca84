// ioscope-cli export-model MODEL -o FILE.json: writes model JSON v1 atomically.
#include "cli_args.h"
#include "commands.h"
#include "input_shape.h"
#include "io/model_json.h"
#include "models/model_spec.h"

#include <iostream>

namespace ioscope::cli {

int runExportModel(const ArgVector& argv) {
    const Args args(argv, {"--output", "--input"}, {"--fused"}, {{"-o", "--output"}});
    args.expectPositionals(1, "export-model MODEL [--input 1xCxHxW] [--fused] -o FILE.json");
    const auto out = args.value("--output");
    if (!out) throw UsageError{"export-model needs -o FILE.json"};
    std::vector<std::string> notes;
    const std::string model = args.positional(0, "MODEL");
    // The network as written, unless the fused units are asked for.
    ModelLoadOptions options = modelLoadOptions(args, model, &notes);
    options.fuse = args.flag("--fused");
    const Graph g = loadModelSpec(model, options); // a+b too, like every other command
    for (const auto& n : notes) std::cerr << "ioscope-cli: note: " << n << "\n";
    saveModelFile(g, *out);
    return 0;
}

} // namespace ioscope::cli
