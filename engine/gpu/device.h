#pragma once
// The GPU state of one GpuContext (gpu/gpu_context.h), owned by the front end that created it:
// one stream, cuDNN handle, cuBLAS handle and workspace per group slot (slot 0 is the main
// stream), the fork/join events, and the measured conv-algorithm and fused-plan caches. Callers
// hold lock() while they use it: the executor and the live profiler of one front end share it.
#include "cost/cost_model.h"
#include "gpu/cuda_check.h"
#include "gpu/gpu_context.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ioscope::gpu {

// One CUDA, cuDNN or cuBLAS handle, destroyed with its owner (as cudnn-frontend wraps its
// handles); converts to the raw handle for API calls. The destroy status is ignored: a handle
// may outlive the driver at process exit.
template <typename T, auto Destroy> class UniqueHandle {
  public:
    UniqueHandle() = default;
    ~UniqueHandle() { reset(); }
    UniqueHandle(UniqueHandle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    UniqueHandle& operator=(UniqueHandle&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    UniqueHandle(const UniqueHandle&) = delete;
    UniqueHandle& operator=(const UniqueHandle&) = delete;
    operator T() const { return h_; }
    T get() const { return h_; }
    // For the create call: the old handle (if any) is destroyed first.
    T* out() {
        reset();
        return &h_;
    }
    void reset() {
        if (h_) (void)Destroy(h_);
        h_ = nullptr;
    }

  private:
    T h_ = nullptr;
};
using StreamHandle = UniqueHandle<cudaStream_t, cudaStreamDestroy>;
using EventHandle = UniqueHandle<cudaEvent_t, cudaEventDestroy>;
using CudnnHandle = UniqueHandle<cudnnHandle_t, cudnnDestroy>;
using CublasHandle = UniqueHandle<cublasHandle_t, cublasDestroy>;
using CublasLtHandle = UniqueHandle<cublasLtHandle_t, cublasLtDestroy>;

// Owns one cudaMalloc'ed block; freed on destruction.
class DeviceBuffer {
  public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(size_t bytes, const char* what = "buffer");
    ~DeviceBuffer();
    DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) {
        o.ptr_ = nullptr;
        o.bytes_ = 0;
    }
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    float* floats() const { return static_cast<float*>(ptr_); }
    void* data() const { return ptr_; }
    size_t bytes() const { return bytes_; }

  private:
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
};

// Copies host floats to a new device buffer (synchronously).
DeviceBuffer uploadFloats(const std::vector<float>& values);

// Members are destroyed in reverse order: the handles, then the stream, then the workspaces.
struct Slot {
    DeviceBuffer workspace;
    DeviceBuffer cublasWorkspace;
    StreamHandle stream;
    EventHandle join; // recorded by this slot at the end of a concurrent stage
    CublasHandle cublas;
    CublasLtHandle cublasLt; // pointwise convs with their epilogue in the GEMM (shares cublasWorkspace)
    CudnnHandle cudnn;
};

struct ConvAlgoChoice {
    cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
    cudnnMathType_t math = CUDNN_DEFAULT_MATH;
    size_t workspace = 0;
    float ms = 0;
};

// A pointwise conv's cuBLASLt algorithm, chosen by measurement, and its time (one call).
struct LtAlgoChoice {
    cublasLtMatmulAlgo_t algo{};
    double ms = 0;
};

class Device {
  public:
    // Opens device 0 with the context's switches; throws RuntimeFailure (with the CUDA message)
    // when none is usable. Made by GpuContext::device().
    explicit Device(const GpuOptions& options);
    ~Device();
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mutex_); }
    const std::string& name() const { return name_; }
    const GpuOptions& options() const { return options_; }
    const std::string& versions() const { return versions_; }
    int cudaVersion() const { return cudaRuntime_; }
    int cudnnVersion() const { return cudnn_; }

    // Slots 0..count-1 exist afterwards.
    void ensureSlots(int count);
    Slot& slot(int index) { return *slots_.at(static_cast<size_t>(index)); }
    int slotCount() const { return static_cast<int>(slots_.size()); }
    cudaEvent_t forkEvent() const { return fork_; }
    size_t workspaceBytes() const { return workspaceBytes_; }
    size_t l2CacheBytes() const { return l2CacheBytes_; }

    // cuBLAS math mode for the precision on every slot (strict fp32 or TF32 tensor cores).
    void setPrecision(Precision p);
    // Throws InputError when this GPU cannot run `p` (bf16 needs compute capability 8.0,
    // fp16 and tf32 tensor cores 7.0 and 8.0).
    void requirePrecision(Precision p) const;
    int computeCapability() const { return computeCapability_; } // 90 for sm_90

    std::map<std::string, ConvAlgoChoice>& convAlgoCache() { return convAlgos_; }
    // Fused-convolution plans by problem (gpu/fused_conv_graph.cpp; null: cuDNN has none).
    std::map<std::string, std::shared_ptr<const void>>& fusedPlanCache() { return fusedPlans_; }
    // cuBLASLt algorithms chosen by measurement for pointwise convs, by problem (op_program_dense.cpp).
    std::map<std::string, LtAlgoChoice>& ltAlgoCache() { return ltAlgos_; }
    // Measured milliseconds of the small programs the compiler times as a whole (a GEMM and its
    // epilogue kernel, ioscope's dense kernel), by problem: a live search compiles each op into
    // many stages, and timing it again each time cost seconds (gpu/op_program_dense.cpp).
    std::map<std::string, double>& programMsCache() { return programMs_; }
    // gpu/lt_residual_relu.h's answers by DataType.
    std::map<int, bool>& ltReluSeesResidualCache() { return ltReluSeesResidual_; }

  private:
    std::recursive_mutex mutex_;
    const GpuOptions options_;
    std::string name_, versions_;
    int cudaRuntime_ = 0, cudnn_ = 0;
    EventHandle fork_;
    std::vector<std::unique_ptr<Slot>> slots_;
    size_t workspaceBytes_ = size_t(64) << 20;
    size_t l2CacheBytes_ = 0;
    int computeCapability_ = 0;
    Precision precision_ = Precision::Fp32;
    std::map<std::string, ConvAlgoChoice> convAlgos_;
    std::map<std::string, std::shared_ptr<const void>> fusedPlans_;
    std::map<std::string, LtAlgoChoice> ltAlgos_;
    std::map<std::string, double> programMs_;
    std::map<int, bool> ltReluSeesResidual_;
};

} // namespace ioscope::gpu
