#pragma once
// The operators an ONNX file uses and what ioscope makes of each (`ioscope-cli info --ops`).
#include <string>
#include <vector>

namespace ioscope {

struct OnnxOperatorUse {
    std::string domain; // "" for ai.onnx
    std::string opType;
    int count = 0;       // nodes of this type
    int opset = 0;       // the file's opset of the domain
    std::string support; // "yes", "partly" (some attribute values), "constants" (folded at import only), "no"
    std::string note;    // what is supported, or missing
};

// In first-use order. Throws InputError (naming the file) when the file cannot be read.
std::vector<OnnxOperatorUse> onnxOperators(const std::string& path);

} // namespace ioscope
