#pragma once
// Reading an ONNX file into a ModelProto, with every failure (missing, too large, corrupt,
// truncated, not a model) turned into an InputError naming the file.
#include <string>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace ioscope::onnximport {

// The largest ONNX file read (protobuf's own message limit is 2 GiB).
inline constexpr long long kMaxModelFileBytes = (1LL << 31) - 1;

void readModelFile(const std::string& path, onnx::ModelProto& model);

// The ai.onnx opset the model imports; throws InputError when absent or older than 11.
int defaultDomainOpset(const std::string& path, const onnx::ModelProto& model);

// The newest ai.onnx opset the linked ONNX library (Debian's libonnx) defines.
int newestKnownOpset();

} // namespace ioscope::onnximport
