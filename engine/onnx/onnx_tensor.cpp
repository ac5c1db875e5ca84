#include "onnx/onnx_tensor.h"

#include "util/errors.h"
#include "util/limits.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

namespace ioscope::onnximport {

struct ExternalFile {
    explicit ExternalFile(int descriptor) : fd(descriptor) {}
    ExternalFile(const ExternalFile&) = delete;
    ExternalFile& operator=(const ExternalFile&) = delete;
    ~ExternalFile() { ::close(fd); }
    int fd;
    std::int64_t size = 0;
};

struct ExternalSlice {
    std::shared_ptr<const ExternalFile> file;
    std::string tensor, location;
    std::int64_t offset = 0, length = 0;
    int type = 0; // FLOAT or DOUBLE
};

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
        std::vector<float> f(n);
        std::memcpy(f.data(), bytes, n * sizeof(float));
        t.setFloats(std::move(f));
    } else if (type == onnx::TensorProto::DOUBLE) {
        std::vector<float> f(n);
        for (size_t i = 0; i < n; ++i) {
            double d;
            std::memcpy(&d, bytes + i * 8, 8);
            f[i] = static_cast<float>(d);
        }
        t.setFloats(std::move(f));
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

// Reads exactly `size` bytes at `offset`: pread, so the file's pages stay in the page cache and
// never count as this process's memory (a mapping would hold them as well as the decoded copy).
void readAt(const ExternalSlice& slice, std::int64_t offset, char* out, size_t size) {
    size_t got = 0;
    while (got < size) {
        const ssize_t n = ::pread(slice.file->fd, out + got, size - got, static_cast<off_t>(offset) + got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            bad(slice.tensor,
                "cannot read external data '" + slice.location + "'" +
                    (n < 0 ? std::string(": ") + std::strerror(errno)
                           : std::string(": the file ended early (changed since the import began?)")));
        got += static_cast<size_t>(n);
    }
}

// Decodes a slice into floats, converting doubles in chunks so nothing but the result is held.
std::vector<float> decodeSlice(const ExternalSlice& slice) {
    if (slice.type == onnx::TensorProto::FLOAT) {
        std::vector<float> f(static_cast<size_t>(slice.length) / sizeof(float));
        readAt(slice, slice.offset, reinterpret_cast<char*>(f.data()), f.size() * sizeof(float));
        return f;
    }
    std::vector<float> f(static_cast<size_t>(slice.length) / sizeof(double));
    std::vector<double> chunk(8192);
    for (size_t done = 0; done < f.size();) {
        const size_t n = std::min(chunk.size(), f.size() - done);
        readAt(slice, slice.offset + static_cast<std::int64_t>(done * sizeof(double)),
               reinterpret_cast<char*>(chunk.data()), n * sizeof(double));
        for (size_t i = 0; i < n; ++i) f[done + i] = static_cast<float>(chunk[i]);
        done += n;
    }
    return f;
}

// Opened without blocking and checked on the descriptor: only a regular file is read (a FIFO
// must not hang the import).
std::shared_ptr<const ExternalFile> openExternal(const ConstTensor& t, const std::filesystem::path& file,
                                                 const std::string& location) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) bad(t.name, "cannot open external data '" + location + "': " + std::strerror(errno));
    auto open = std::make_shared<ExternalFile>(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        bad(t.name, "external data '" + location + "' is not a regular file");
    open->size = st.st_size;
    return open;
}

// The external data file `location` names, resolved through symlinks; it must stay inside the
// model's folder (a link in that folder to /etc/passwd is not weights). Empty when absent.
std::filesystem::path resolveExternal(const ConstTensor& t, const std::filesystem::path& modelDir,
                                      const std::string& location) {
    const std::filesystem::path rel(location);
    if (rel.is_absolute() || std::find(rel.begin(), rel.end(), "..") != rel.end())
        bad(t.name, "external data location '" + location + "' leaves the model's folder");
    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::canonical(modelDir.empty() ? "." : modelDir, ec);
    if (ec) bad(t.name, "cannot resolve the model's folder: " + ec.message());
    const std::filesystem::path file = std::filesystem::canonical(dir / rel, ec);
    if (ec) return {}; // absent (or a dangling link): structure only
    const auto [d, f] = std::mismatch(dir.begin(), dir.end(), file.begin(), file.end());
    if (d != dir.end() || f == file.end())
        bad(t.name, "external data location '" + location + "' resolves to '" + file.string() +
                        "', outside the model's folder");
    return file;
}

// Validates `length` bytes at `offset` of the external file for `t` and records where they lie
// (floating-point data is decoded when first used); returns false when the file is absent.
bool readExternal(ConstTensor& t, const onnx::TensorProto& proto, const std::filesystem::path& modelDir,
                  std::int64_t expectedBytes, int type, std::string& location, ExternalDataStats& stats,
                  const std::function<void()>& charge) {
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
    if (length < 0) length = expectedBytes;
    if (offset < 0 || length != expectedBytes)
        bad(t.name, "external data length " + std::to_string(length) + " does not match dims " +
                        t.dimsString() + " (" + std::to_string(expectedBytes) + " bytes)");
    const std::filesystem::path file = resolveExternal(t, modelDir, location);
    if (file.empty()) return false;
    auto& open = stats.files[file.string()];
    if (!open) open = openExternal(t, file, location);
    if (offset > open->size || length > open->size - offset)
        bad(t.name, "external data [" + std::to_string(offset) + ", +" + std::to_string(length) +
                        ") lies outside '" + location + "' (" + std::to_string(open->size) + " bytes)");
    charge();
    if (length == 0) return true;
    auto slice = std::make_shared<ExternalSlice>(ExternalSlice{open, t.name, location, offset, length, type});
    if (t.integral) {
        // Integer tensors are shapes and indices: small, and read by the converters at once.
        std::string bytes(static_cast<size_t>(length), '\0');
        readAt(*slice, offset, bytes.data(), bytes.size());
        decodeRaw(t, type, bytes.data(), bytes.size());
    } else {
        t.setExternal(std::move(slice)); // decoded when a converter asks for it
    }
    return true;
}

// Charges a tensor's decoded size (floats as float, integers as int64) to the weights budget
// before anything is read: a sparse 8 GiB external file must not become 8 GiB of memory.
void chargeWeights(const ConstTensor& t, std::int64_t elements, ExternalDataStats& stats) {
    const std::int64_t decoded =
        elements * static_cast<std::int64_t>(t.integral ? sizeof(std::int64_t) : sizeof(float));
    if (stats.decodedBytes + decoded > limits::value(limits::kWeightsMiB) * (std::int64_t(1) << 20))
        bad(t.name, limits::exceeded(limits::kWeightsMiB,
                                     "it holds " + std::to_string(decoded >> 20) + " MiB of data (" +
                                         std::to_string((stats.decodedBytes + decoded) >> 20) +
                                         " MiB with the tensors before it)"));
    stats.decodedBytes += decoded;
}

} // namespace

const std::vector<float>& ConstTensor::floats() const {
    if (external_) {
        floats_ = decodeSlice(*external_);
        external_.reset();
    }
    return floats_;
}

std::vector<float> ConstTensor::floatsCopy() const {
    return external_ ? decodeSlice(*external_) : floats_;
}

void ConstTensor::setFloats(std::vector<float> values) {
    external_.reset();
    floats_ = std::move(values);
}

std::vector<float>& ConstTensor::mutableFloats() {
    floats();
    return floats_;
}

std::int64_t ConstTensor::numel() const {
    std::int64_t n = 1;
    for (auto d : dims) n *= d;
    return n;
}

std::string ConstTensor::dimsString() const {
    std::string s = "[";
    for (size_t i = 0; i < dims.size(); ++i) {
        if (i) s += ',';
        s += std::to_string(dims[i]);
    }
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
        std::string location;
        if (!readExternal(t, proto, modelDir, bytes, type, location, stats,
                          [&] { chargeWeights(t, n, stats); })) {
            ++stats.missingTensors;
            if (std::find(stats.missingFiles.begin(), stats.missingFiles.end(), location) ==
                stats.missingFiles.end())
                stats.missingFiles.push_back(location);
            return t; // structure only: dims known, data generated later
        }
    } else if (proto.has_raw_data()) {
        if (static_cast<std::int64_t>(proto.raw_data().size()) != bytes)
            bad(t.name, "raw data holds " + std::to_string(proto.raw_data().size()) + " bytes, dims " +
                            t.dimsString() + " need " + std::to_string(bytes));
        chargeWeights(t, n, stats);
        decodeRaw(t, type, proto.raw_data().data(), proto.raw_data().size());
    } else {
        chargeWeights(t, n, stats);
        std::int64_t count = 0;
        if (type == onnx::TensorProto::FLOAT) {
            count = proto.float_data_size();
            t.setFloats({proto.float_data().begin(), proto.float_data().end()});
        } else if (type == onnx::TensorProto::DOUBLE) {
            count = proto.double_data_size();
            t.setFloats({proto.double_data().begin(), proto.double_data().end()});
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
            t.setFloats({a.f()});
        } else if (a.name() == "value_floats") {
            t.setFloats({a.floats().begin(), a.floats().end()});
            t.dims = {static_cast<std::int64_t>(a.floats().size())};
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
