#pragma once
// CUDA, cuDNN, cuBLAS and CUPTI status checks that turn failures into RuntimeFailure carrying the
// library's own message and the call that failed, so no GPU error ever aborts the process.
#include "util/errors.h"

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>
#include <cupti.h>

#include <string>

namespace ioscope::gpu {

[[noreturn]] void throwCuda(cudaError_t status, const char* call);
[[noreturn]] void throwCudnn(cudnnStatus_t status, const char* call);
[[noreturn]] void throwCublas(cublasStatus_t status, const char* call);
[[noreturn]] void throwCupti(CUptiResult status, const char* call);

inline void check(cudaError_t s, const char* call) {
    if (s != cudaSuccess) throwCuda(s, call);
}
inline void check(cudnnStatus_t s, const char* call) {
    if (s != CUDNN_STATUS_SUCCESS) throwCudnn(s, call);
}
inline void check(cublasStatus_t s, const char* call) {
    if (s != CUBLAS_STATUS_SUCCESS) throwCublas(s, call);
}
inline void check(CUptiResult s, const char* call) {
    if (s != CUPTI_SUCCESS) throwCupti(s, call);
}

} // namespace ioscope::gpu

#define IOSCOPE_CHECK(call) ::ioscope::gpu::check((call), #call)
