#pragma once
// The --input NxCxHxW option: overrides the static input shape of an ONNX model.
#include "cli_args.h"
#include "models/model_registry.h"
#include "models/model_spec.h"

#include <string>
#include <vector>

namespace ioscope::cli {

// Parses "1x3x299x299" or "3x299x299" into a per-sample shape. The batch, when given, must be 1:
// the batch is a run parameter (--batch). Throws UsageError when malformed or out of range.
Shape parseInputShape(const std::string& text);

// Load options for MODEL from the command line: --input (ONNX files only; a usage error for
// bundled names and model JSON, whose shapes are fixed) and the notes sink.
ModelLoadOptions modelLoadOptions(const Args& args, const std::string& model,
                                  std::vector<std::string>* notes);

// Loads the MODEL positional at `index` with --input applied and prints the loader's notes
// (e.g. "weights absent, generated") on stderr as "ioscope-cli: note: ...".
Graph loadModelFromArgs(const Args& args, size_t index = 0);

} // namespace ioscope::cli
