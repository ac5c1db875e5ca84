#include "onnx/onnx_tensor.h"

#include "util/errors.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>

namespace ioscope::onnximport {
namespace {

constexpr std::int64_t kMaxTensorElements = 1LL << 31;

[[noreturn]] void bad(const std::string& tensor, const std::string& what) {
    throw InputError("tensor '" + tensor + "': " + what);
}

int elementSize(int type) {
    switch (type) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::INT32:
        return 4;
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::INT64:
        return 8;
    default:
        return 0;
    }
}

bool isIntegral(int type) {
    return type == onnx::TensorProto::INT64 || type == onnx::TensorProto::INT32;
}

// Little-endian raw bytes (ONNX's raw_data layout; x86 and arm64 hosts alike) to our vectors.
void decodeRaw(ConstTensor& t, int type, const char* bytes, size_t size) {
    const size_t n = size / static_cast<size_t>(elementSize(type));
    if (n == 0 || !bytes) return; // an empty tensor: nothing to copy (and no pointer to copy from)
    if (type == onnx::TensorProto::FLOAT) {
        t.floats.resize(n);
        std::memcpy(t.floats.data(), bytes, n * sizeof(float));
    } else if (type == onnx::TensorProto::DOUBLE) {
        t.floats.resize(n);
        for (size_t i = 0; i < n; ++i) {
            double d;
            std::memcpy(&d, bytes + i * 8, 8);
            t.floats[i] = static_cast<float>(d);
        }
    } else if (type == onnx::TensorProto::INT64) {
        t.ints.resize(n);
        std::memcpy(t.ints.data(), bytes, n * sizeof(std::int64_t));
    } else {
        t.ints.resize(n);
        for (size_t i = 0; i < n; ++i) {
            std::int32_t v;
            std::memcpy(&v, bytes + i * 4, 4);
            t.ints[i] = v;
        }
    }
}

// Reads `length` bytes at `offset` of the external file; returns false when the file is absent.
bool readExternal(const ConstTensor& t, const onnx::TensorProto& proto, const std::filesystem::path& modelDir,
                  std::int64_t expectedBytes, std::string& bytes, std::string& location) {
    std::int64_t offset = 0, length = -1;
    for (const auto& kv : proto.external_data()) {
        try {
            if (kv.key() == "location")
                location = kv.value();
            else if (kv.key() == "offset")
                offset = std::stoll(kv.value());
            else if (kv.key() == "length")
                length = std::stoll(kv.value());
        } catch (const std::exception&) {
            bad(t.name, "external data " + kv.key() + " '" + kv.value() + "' is not a number");
        }
    }
    if (location.empty()) bad(t.name, "external data has no location");
    const std::filesystem::path rel(location);
    if (rel.is_absolute() || std::find(rel.begin(), rel.end(), "..") != rel.end())
        bad(t.name, "external data location '" + location + "' leaves the model's folder");
    if (length < 0) length = expectedBytes;
    if (offset < 0 || length != expectedBytes)
        bad(t.name, "external data length " + std::to_string(length) + " does not match dims " +
                        t.dimsString() + " (" + std::to_string(expectedBytes) + " bytes)");
    const std::filesystem::path file = modelDir / rel;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) return false;
    const auto fileSize = static_cast<std::int64_t>(std::filesystem::file_size(file, ec));
    if (ec || offset > fileSize || length > fileSize - offset)
        bad(t.name, "external data [" + std::to_string(offset) + ", +" + std::to_string(length) +
                        ") lies outside '" + location + "' (" + std::to_string(fileSize) + " bytes)");
    std::ifstream in(file, std::ios::binary);
    bytes.resize(static_cast<size_t>(length));
    in.seekg(offset);
    if (!in.read(bytes.data(), length)) bad(t.name, "cannot read external data from '" + location + "'");
    return true;
}

} // namespace

std::int64_t ConstTensor::numel() const {
    std::int64_t n = 1;
    for (auto d : dims) n *= d;
    return n;
}

std::string ConstTensor::dimsString() const {
    std::string s = "[";
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
    return s + "]";
}

ConstTensor readTensor(const onnx::TensorProto& proto, const std::filesystem::path& modelDir,
                       ExternalDataStats& stats) {
    ConstTensor t;
    t.name = proto.name();
    std::int64_t n = 1;
    for (auto d : proto.dims()) {
        if (d < 0) bad(t.name, "negative dimension " + std::to_string(d));
        t.dims.push_back(d);
        if (d > 0 && n > kMaxTensorElements / d) bad(t.name, "too many elements");
        n *= d;
    }
    const int type = proto.data_type();
    const int size = elementSize(type);
    if (size == 0)
        bad(t.name, "element type " +
                        std::string(onnx::TensorProto::DataType_Name(
                            static_cast<onnx::TensorProto::DataType>(type))) +
                        " (" + std::to_string(type) + ") is not supported (float, double, int32, int64 are)");
    t.integral = isIntegral(type);
    const std::int64_t bytes = n * size;

    if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
        std::string data, location;
        if (!readExternal(t, proto, modelDir, bytes, data, location)) {
            ++stats.missingTensors;
            if (std::find(stats.missingFiles.begin(), stats.missingFiles.end(), location) ==
                stats.missingFiles.end())
                stats.missingFiles.push_back(location);
            return t; // structure only: dims known, data generated later
        }
        decodeRaw(t, type, data.data(), data.size());
    } else if (proto.has_raw_data()) {
        if (static_cast<std::int64_t>(proto.raw_data().size()) != bytes)
            bad(t.name, "raw data holds " + std::to_string(proto.raw_data().size()) + " bytes, dims " +
                            t.dimsString() + " need " + std::to_string(bytes));
        decodeRaw(t, type, proto.raw_data().data(), proto.raw_data().size());
    } else {
        std::int64_t count = 0;
        if (type == onnx::TensorProto::FLOAT) {
            count = proto.float_data_size();
            t.floats.assign(proto.float_data().begin(), proto.float_data().end());
        } else if (type == onnx::TensorProto::DOUBLE) {
            count = proto.double_data_size();
            for (double d : proto.double_data()) t.floats.push_back(static_cast<float>(d));
        } else if (type == onnx::TensorProto::INT64) {
            count = proto.int64_data_size();
            t.ints.assign(proto.int64_data().begin(), proto.int64_data().end());
        } else {
            count = proto.int32_data_size();
            t.ints.assign(proto.int32_data().begin(), proto.int32_data().end());
        }
        if (count != n)
            bad(t.name, "holds " + std::to_string(count) + " values, dims " + t.dimsString() + " need " +
                            std::to_string(n));
    }
    t.available = true;
    return t;
}

ConstTensor readConstantNode(const onnx::NodeProto& node, const std::filesystem::path& modelDir,
                             ExternalDataStats& stats) {
    for (const auto& a : node.attribute()) {
        ConstTensor t;
        t.name = node.output_size() > 0 ? node.output(0) : node.name();
        t.available = true;
        if (a.name() == "value") {
            ConstTensor r = readTensor(a.t(), modelDir, stats);
            r.name = t.name;
            return r;
        }
        if (a.name() == "value_float") {
            t.floats = {a.f()};
        } else if (a.name() == "value_floats") {
            t.floats.assign(a.floats().begin(), a.floats().end());
            t.dims = {static_cast<std::int64_t>(t.floats.size())};
        } else if (a.name() == "value_int") {
            t.ints = {a.i()};
            t.integral = true;
        } else if (a.name() == "value_ints") {
            t.ints.assign(a.ints().begin(), a.ints().end());
            t.dims = {static_cast<std::int64_t>(t.ints.size())};
            t.integral = true;
        } else {
            continue;
        }
        return t;
    }
    throw InputError("Constant has no supported value attribute (value, value_float(s), value_int(s))");
}

} // namespace ioscope::onnximport
