#pragma once
// Constant tensors of an ONNX graph (initializers and Constant nodes), decoded into plain vectors.
// Weights stored in a missing external file stay "unavailable": their dims are known, their data
// is not, and the importer builds a structure-only model from them.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
class NodeProto;
} // namespace onnx

namespace ioscope::onnximport {

struct ConstTensor {
    std::string name;
    std::vector<std::int64_t> dims;
    std::vector<float> floats;      // floating-point data, when available
    std::vector<std::int64_t> ints; // integer data, when available
    bool integral = false;          // INT64/INT32 element type
    bool available = false;         // false when the external data file is missing

    std::int64_t numel() const;
    std::string dimsString() const;
};

// What reading a tensor's external data found, for the import notes.
struct ExternalDataStats {
    int missingTensors = 0;
    std::vector<std::string> missingFiles;
    std::int64_t decodedBytes = 0; // tensor data decoded so far (the weights_mb budget)
};

// Decodes one TensorProto. `modelDir` resolves external data locations. Throws InputError
// (message without the file name) when the tensor is malformed: sizes that disagree, absurd
// dims, unsupported element types, external data outside the model's folder or file (symlinks
// resolved), data beyond the weights_mb budget (util/limits.h).
ConstTensor readTensor(const onnx::TensorProto& proto, const std::filesystem::path& modelDir,
                       ExternalDataStats& stats);

// The tensor of a Constant node (value, value_float(s), value_int(s)).
ConstTensor readConstantNode(const onnx::NodeProto& node, const std::filesystem::path& modelDir,
                             ExternalDataStats& stats);

} // namespace ioscope::onnximport
