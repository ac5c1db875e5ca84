#pragma once
// Constant tensors of an ONNX graph (initializers and Constant nodes), decoded into plain vectors.
// Weights stored in a missing external file stay "unavailable": their dims are known, their data
// is not, and the importer builds a structure-only model from them.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace onnx {
class TensorProto;
class NodeProto;
} // namespace onnx

namespace ioscope::onnximport {

struct ExternalFile;  // an open external-data file, shared by the tensors stored in it
struct ExternalSlice; // where one tensor's floating-point data lies in that file

struct ConstTensor {
    std::string name;
    std::vector<std::int64_t> dims;
    std::vector<std::int64_t> ints; // integer data, when available
    bool integral = false;          // INT64/INT32 element type
    bool available = false;         // false when the external data file is missing

    std::int64_t numel() const;
    std::string dimsString() const;

    // Floating-point data, when available. External data stays in its file until asked for:
    // floats() decodes it once and keeps it (the small constants converters read), floatsCopy()
    // returns a copy and keeps nothing, decoding straight from the file (weights an op takes), so
    // a model's weights are in memory once, not as tensor and op weights both. Throws InputError
    // when the file cannot be read any more.
    const std::vector<float>& floats() const;
    std::vector<float> floatsCopy() const;
    void setFloats(std::vector<float> values);
    std::vector<float>& mutableFloats(); // decodes first, like floats()
    void setExternal(std::shared_ptr<const ExternalSlice> slice) { external_ = std::move(slice); }

  private:
    mutable std::vector<float> floats_;
    mutable std::shared_ptr<const ExternalSlice> external_; // set until floats() decodes it
};

// What reading a tensor's external data found, for the import notes.
struct ExternalDataStats {
    int missingTensors = 0;
    std::vector<std::string> missingFiles;
    std::int64_t decodedBytes = 0; // tensor data decoded so far (the weights_mb budget)
    // Each external file opened once (by its resolved path) and held open by the tensors in it.
    std::unordered_map<std::string, std::shared_ptr<const ExternalFile>> files;
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
