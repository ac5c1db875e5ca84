#include "gpu/device.h"

#include "gpu/gpu_execution.h"

#include <cstdio>

namespace ioscope::gpu {

DeviceBuffer::DeviceBuffer(size_t bytes, const char* what) : bytes_(bytes) {
    if (bytes == 0) return;
    const cudaError_t s = cudaMalloc(&ptr_, bytes);
    if (s != cudaSuccess) {
        cudaGetLastError();
        ptr_ = nullptr;
        char size[64];
        std::snprintf(size, sizeof size, "%.1f MiB", double(bytes) / (1 << 20));
        throw RuntimeFailure(std::string("CUDA error: out of GPU memory allocating ") + size + " for " +
                             what + " (" + cudaGetErrorString(s) + ")");
    }
}

DeviceBuffer::~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
        if (ptr_) cudaFree(ptr_);
        ptr_ = o.ptr_;
        bytes_ = o.bytes_;
        o.ptr_ = nullptr;
        o.bytes_ = 0;
    }
    return *this;
}

DeviceBuffer uploadFloats(const std::vector<float>& values) {
    DeviceBuffer b(values.size() * sizeof(float), "weights");
    if (!values.empty())
        IOSCOPE_CHECK(
            cudaMemcpy(b.data(), values.data(), values.size() * sizeof(float), cudaMemcpyHostToDevice));
    return b;
}

namespace {
std::string cudaVersionText(int v) {
    return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}
} // namespace

Device::Device(const GpuOptions& options) : options_(options) {
    int count = 0;
    if (const cudaError_t status = cudaGetDeviceCount(&count); status != cudaSuccess) {
        // CUDA says "driver version is insufficient" where there is no driver at all, which
        // misleads people on machines that simply have no NVIDIA GPU.
        cudaGetLastError();
        int driver = 0, runtime = 0;
        cudaDriverGetVersion(&driver);
        cudaRuntimeGetVersion(&runtime);
        if (driver == 0)
            throw RuntimeFailure(
                "no NVIDIA driver found (this machine has no NVIDIA GPU, or its driver is not installed)");
        if (status == cudaErrorInsufficientDriver)
            throw RuntimeFailure("the NVIDIA driver supports CUDA " + cudaVersionText(driver) +
                                 ", this build needs CUDA " + cudaVersionText(runtime) +
                                 ": update the driver");
        IOSCOPE_CHECK(status);
    }
    if (count == 0) throw RuntimeFailure("no CUDA device found");
    IOSCOPE_CHECK(cudaSetDevice(0));
    cudaDeviceProp prop{};
    IOSCOPE_CHECK(cudaGetDeviceProperties(&prop, 0));
    name_ = prop.name;
    l2CacheBytes_ = static_cast<size_t>(prop.l2CacheSize);
    computeCapability_ = prop.major * 10 + prop.minor;
    IOSCOPE_CHECK(cudaRuntimeGetVersion(&cudaRuntime_));
    cudnn_ = static_cast<int>(cudnnGetVersion());
    versions_ = "CUDA " + std::to_string(cudaRuntime_ / 1000) + "." +
                std::to_string(cudaRuntime_ % 1000 / 10) + ", cuDNN " + std::to_string(cudnn_ / 10000) + "." +
                std::to_string(cudnn_ % 10000 / 100) + "." + std::to_string(cudnn_ % 100);
    IOSCOPE_CHECK(cudaEventCreateWithFlags(fork_.out(), cudaEventDisableTiming));
    ensureSlots(1);
}

Device::~Device() {
    // Plans go before the handles they were built with; each slot's handles before its stream
    // and workspaces (Slot's member order); the handles ignore their destroy statuses.
    fusedPlans_.clear();
    slots_.clear();
    fork_.reset();
}

void Device::ensureSlots(int count) {
    while (static_cast<int>(slots_.size()) < count) {
        auto s = std::make_unique<Slot>();
        IOSCOPE_CHECK(cudaStreamCreateWithFlags(s->stream.out(), cudaStreamNonBlocking));
        IOSCOPE_CHECK(cudaEventCreateWithFlags(s->join.out(), cudaEventDisableTiming));
        IOSCOPE_CHECK(cudnnCreate(s->cudnn.out()));
        IOSCOPE_CHECK(cudnnSetStream(s->cudnn, s->stream));
        IOSCOPE_CHECK(cublasCreate(s->cublas.out()));
        IOSCOPE_CHECK(cublasSetStream(s->cublas, s->stream));
        IOSCOPE_CHECK(cublasLtCreate(s->cublasLt.out()));
        // A fixed cuBLAS workspace keeps cuBLAS from allocating during graph capture.
        s->cublasWorkspace = DeviceBuffer(size_t(4) << 20, "cuBLAS workspace");
        IOSCOPE_CHECK(cublasSetWorkspace(s->cublas, s->cublasWorkspace.data(), s->cublasWorkspace.bytes()));
        IOSCOPE_CHECK(cublasSetMathMode(s->cublas, precision_ == Precision::Tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                                                 : CUBLAS_DEFAULT_MATH));
        s->workspace = DeviceBuffer(workspaceBytes_, "cuDNN workspace");
        slots_.push_back(std::move(s));
    }
}

void Device::requirePrecision(Precision p) const {
    if (const std::string why = precisionUnsupported(p, computeCapability_, name_); !why.empty())
        throw InputError(why);
}

void Device::setPrecision(Precision p) {
    precision_ = p;
    for (auto& s : slots_)
        IOSCOPE_CHECK(cublasSetMathMode(s->cublas, p == Precision::Tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                                        : CUBLAS_DEFAULT_MATH));
}

} // namespace ioscope::gpu

namespace ioscope {

GpuContext::GpuContext(GpuOptions options) : options_(options) {}
GpuContext::~GpuContext() = default;

void GpuContext::DeviceDeleter::operator()(gpu::Device* d) const {
    delete d;
}

gpu::Device& GpuContext::device() {
    // A failed open throws and is tried again on the next call.
    std::lock_guard lock(mutex_);
    if (!device_) device_.reset(new gpu::Device(options_));
    return *device_;
}

GpuStatus GpuContext::status() {
    GpuStatus status;
    try {
        gpu::Device& d = device();
        status.available = true;
        status.device = d.name();
        status.versions = d.versions();
    } catch (const std::exception& e) {
        status.reason = e.what();
    }
    return status;
}

} // namespace ioscope
