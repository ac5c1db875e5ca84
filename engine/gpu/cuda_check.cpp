#include "gpu/cuda_check.h"

namespace ioscope::gpu {

void throwCuda(cudaError_t status, const char* call) {
    cudaGetLastError(); // clear a sticky-free error so later calls are not blamed for it
    const std::string what =
        status == cudaErrorMemoryAllocation ? "out of GPU memory" : cudaGetErrorString(status);
    throw RuntimeFailure("CUDA error: " + what + " (" + cudaGetErrorName(status) + " in " + call + ")");
}

void throwCudnn(cudnnStatus_t status, const char* call) {
    char detail[512] = {0};
    cudnnGetLastErrorString(detail, sizeof detail);
    std::string msg = std::string("cuDNN error: ") + cudnnGetErrorString(status) + " (in " + call + ")";
    if (detail[0]) msg += ": " + std::string(detail);
    throw RuntimeFailure(msg);
}

void throwCublas(cublasStatus_t status, const char* call) {
    throw RuntimeFailure(std::string("cuBLAS error: ") + cublasGetStatusString(status) + " (in " + call +
                         ")");
}

void throwCupti(CUptiResult status, const char* call) {
    const char* text = nullptr;
    cuptiGetResultString(status, &text);
    throw RuntimeFailure(std::string("CUPTI error: ") + (text ? text : "unknown") + " (in " + call + ")");
}

} // namespace ioscope::gpu
