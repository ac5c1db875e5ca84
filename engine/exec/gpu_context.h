#pragma once
// The GPU state of one front end (a CLI command, the explorer, a benchmark, a test suite): the
// device's streams, cuDNN and cuBLAS handles, workspaces, fork/join events and the measured
// algorithm and plan caches (gpu/device.h). The front end creates it and passes it by reference
// to everything that runs on the GPU: executeOnGpu, chooseLayoutByMeasurement and the live cost
// model (cost/gpu_cost_model.h), which runs its whole-schedule checks on the same context. No
// process-wide device exists in the engine.
//
// Creating a context opens nothing, so a front end may hold one on a machine without a GPU. The
// device is opened on first use; an open that fails throws RuntimeFailure with CUDA's reason
// and is tried again on the next use. CUDA-free, so every front end builds without CUDA (then
// every use says the runtime is absent). Thread-safe; it must outlive the cost models and runs
// that use it.
#include <memory>
#include <mutex>
#include <string>

namespace ioscope {

namespace gpu {
class Device; // gpu/device.h
}

struct GpuStatus {
    bool available = false;
    std::string reason;   // why not, when unavailable
    std::string device;   // "NVIDIA H100 80GB HBM3"
    std::string versions; // "CUDA 13.0, cuDNN 9.x"
};

class GpuContext {
  public:
    GpuContext();
    ~GpuContext();
    GpuContext(const GpuContext&) = delete;
    GpuContext& operator=(const GpuContext&) = delete;

    // Opens the device if need be; whether it is usable, and why not.
    GpuStatus status();
    // The runtime's device (for engine/gpu): opened on first use; throws RuntimeFailure when
    // none is usable or the build has no GPU runtime.
    gpu::Device& device();

  private:
    struct DeviceDeleter {
        void operator()(gpu::Device* d) const;
    };
    std::mutex mutex_;
    std::unique_ptr<gpu::Device, DeviceDeleter> device_;
};

} // namespace ioscope
