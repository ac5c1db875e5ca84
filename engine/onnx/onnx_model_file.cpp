#include "onnx/onnx_model_file.h"

#include "util/atomic_file.h"
#include "util/errors.h"

#include <onnx/onnx_pb.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace ioscope::onnximport {

void readModelFile(const std::string& path, onnx::ModelProto& model) {
    // The shared reader: only a regular file (not a FIFO or device, whatever a symlink points at),
    // never more than protobuf's limit whatever st_size claims.
    std::string bytes;
    try {
        bytes = readFile(path, static_cast<size_t>(kMaxModelFileBytes));
    } catch (const InputError& e) {
        if (std::string(e.what()).find("too large") == std::string::npos) throw;
        throw InputError(path, "the file is larger than 2 GiB; store the weights as external data");
    }
    google::protobuf::io::ArrayInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
    google::protobuf::io::CodedInputStream coded(&stream);
    coded.SetTotalBytesLimit(static_cast<int>(kMaxModelFileBytes));
    coded.SetRecursionLimit(64); // nested subgraphs beyond this are hostile input, not CNNs
    if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
        throw InputError(path, "not a valid ONNX model: the protobuf data is corrupt or truncated");
    if (!model.has_graph() || model.graph().node_size() == 0)
        throw InputError(path, "not an ONNX model: it has no graph nodes");
}

int defaultDomainOpset(const std::string& path, const onnx::ModelProto& model) {
    int opset = -1;
    for (const auto& o : model.opset_import())
        if (o.domain().empty() || o.domain() == "ai.onnx") opset = static_cast<int>(o.version());
    if (opset < 0) throw InputError(path, "the model imports no ai.onnx opset");
    if (opset < 11)
        throw InputError(path, "opset " + std::to_string(opset) +
                                   " is not supported (ioscope reads opset 11 and later; convert it with "
                                   "onnx.version_converter)");
    return opset;
}

int newestKnownOpset() {
    return 17;
} // libonnx 1.12 (Debian 12) defines ai.onnx up to opset 17

} // namespace ioscope::onnximport
