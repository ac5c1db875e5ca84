#include "input_shape.h"

#include "util/errors.h"
#include "util/printable.h"

#include <iostream>

#include "graph/shape_inference.h"

#include <charconv>

namespace ioscope::cli {

Shape parseInputShape(const std::string& text) {
    std::vector<int> dims;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
        int v = 0;
        const auto [next, ec] = std::from_chars(p, end, v);
        if (ec != std::errc() || v <= 0 || v > kMaxDim || next == p)
            throw UsageError{"--input '" + text + "' is not NxCxHxW with positive sizes up to " +
                             std::to_string(kMaxDim)};
        dims.push_back(v);
        p = next;
        if (p < end && *p != 'x' && *p != 'X')
            throw UsageError{"--input '" + text + "' is not NxCxHxW (dims are separated by 'x')"};
        if (p < end && ++p == end) throw UsageError{"--input '" + text + "' ends with a separator"};
    }
    if (dims.size() == 4) {
        if (dims[0] != 1) throw UsageError{"--input batch must be 1; the batch is set with --batch"};
        dims.erase(dims.begin());
    }
    if (dims.size() != 3) throw UsageError{"--input '" + text + "' is not NxCxHxW (e.g. 1x3x299x299)"};
    return {dims[0], dims[1], dims[2]};
}

ModelLoadOptions modelLoadOptions(const Args& args, const std::string& model,
                                  std::vector<std::string>* notes) {
    ModelLoadOptions options;
    options.notes = notes;
    options.fuse = !args.flag("--no-fuse"); // the runtime fusion rewrite, graph/fusion.h
    if (const auto text = args.value("--input")) {
        const bool onnx = model.size() >= 5 && model.compare(model.size() - 5, 5, ".onnx") == 0;
        if (!onnx) throw UsageError{"--input applies to ONNX models only"};
        options.inputOverride = parseInputShape(*text);
    }
    return options;
}

Graph loadModelFromArgs(const Args& args, size_t index) {
    std::vector<std::string> notes;
    const std::string model = args.positional(index, "MODEL");
    Graph g = loadModelSpec(model, modelLoadOptions(args, model, &notes));
    for (const auto& n : notes) std::cerr << "ioscope-cli: note: " << printable(n) << "\n";
    return g;
}

} // namespace ioscope::cli
