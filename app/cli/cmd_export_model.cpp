// ioscope-cli export-model MODEL -o FILE.json: writes model JSON v1 atomically.
#include "cli_args.h"
#include "commands.h"
#include "io/model_json.h"
#include "models/model_registry.h"

namespace ioscope::cli {

int runExportModel(const ArgVector& argv) {
    const Args args(argv, {"--output", "--input"}, {}, {{"-o", "--output"}});
    args.expectPositionals(1, "export-model MODEL -o FILE.json");
    const auto out = args.value("--output");
    if (!out) throw UsageError{"export-model needs -o FILE.json"};
    const Graph g = loadModel(args.positional(0, "MODEL"));
    saveModelFile(g, *out);
    return 0;
}

} // namespace ioscope::cli
