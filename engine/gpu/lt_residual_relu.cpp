#include "gpu/lt_residual_relu.h"

#include "gpu/device.h"
#include "gpu/tensor_view.h"
#include "gpu/weights_upload.h"

#include <cublasLt.h>

#include <cstdio>
#include <vector>

namespace ioscope::gpu {

namespace {

// The probe's descriptors, destroyed on every path out.
struct ProbeDescriptors {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t layout = nullptr;
    cublasLtMatmulPreference_t preference = nullptr;
    ~ProbeDescriptors() {
        if (preference) cublasLtMatmulPreferenceDestroy(preference);
        if (layout) cublasLtMatrixLayoutDestroy(layout);
        if (desc) cublasLtMatmulDescDestroy(desc);
    }
};

// 16×16 matrices: A = 1/16 and B = 1 make A·B = 1 exactly in every type; bias 0.5 and C = -2 give
// relu(1 + 0.5 - 2) = 0 if ReLU sees C, relu(1.5) - 2 = -0.5 if not.
bool probe(Device& device, DataType type) {
    constexpr int n = 16;
    const cudaDataType_t t = cudaType(type);
    Slot& slot = device.slot(0);
    const DeviceBuffer a = uploadAs(std::vector<float>(n * n, 1.0f / n), type);
    const DeviceBuffer b = uploadAs(std::vector<float>(n * n, 1.0f), type);
    const DeviceBuffer c = uploadAs(std::vector<float>(n * n, -2.0f), type);
    const DeviceBuffer bias = uploadAs(std::vector<float>(n, 0.5f), type);
    DeviceBuffer d(size_t(n) * n * size_t(elementBytes(type)), "cuBLASLt probe");
    ProbeDescriptors p;
    if (cublasLtMatmulDescCreate(&p.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F) != CUBLAS_STATUS_SUCCESS ||
        cublasLtMatrixLayoutCreate(&p.layout, t, n, n, n) != CUBLAS_STATUS_SUCCESS ||
        cublasLtMatmulPreferenceCreate(&p.preference) != CUBLAS_STATUS_SUCCESS)
        return false;
    const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_RELU_BIAS;
    const void* biasPtr = bias.data();
    const size_t workspace = slot.cublasWorkspace.bytes();
    if (cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof epilogue) !=
            CUBLAS_STATUS_SUCCESS ||
        cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &biasPtr, sizeof biasPtr) !=
            CUBLAS_STATUS_SUCCESS ||
        cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &t, sizeof t) !=
            CUBLAS_STATUS_SUCCESS ||
        cublasLtMatmulPreferenceSetAttribute(p.preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                             &workspace, sizeof workspace) != CUBLAS_STATUS_SUCCESS)
        return false;
    cublasLtMatmulHeuristicResult_t found{};
    int count = 0;
    if (cublasLtMatmulAlgoGetHeuristic(slot.cublasLt, p.desc, p.layout, p.layout, p.layout, p.layout,
                                       p.preference, 1, &found, &count) != CUBLAS_STATUS_SUCCESS ||
        count < 1)
        return false;
    const float one = 1.0f;
    IOSCOPE_CHECK(cublasLtMatmul(slot.cublasLt, p.desc, &one, a.data(), p.layout, b.data(), p.layout, &one,
                                 c.data(), p.layout, d.data(), p.layout, &found.algo,
                                 slot.cublasWorkspace.data(), workspace, slot.stream));
    IOSCOPE_CHECK(cudaStreamSynchronize(slot.stream));
    std::vector<unsigned char> result(d.bytes());
    IOSCOPE_CHECK(cudaMemcpy(result.data(), d.data(), d.bytes(), cudaMemcpyDeviceToHost));
    // +0 is all zero bits in fp32, fp16 and bf16; -0.5 is not.
    for (unsigned char byte : result)
        if (byte != 0) return false;
    return true;
}

} // namespace

bool ltReluSeesResidual(Device& device, DataType type) {
    auto& known = device.ltReluSeesResidualCache();
    const auto it = known.find(int(type));
    if (it != known.end()) return it->second;
    const bool answer = probe(device, type);
    known.emplace(int(type), answer);
    if (device.options().convLog)
        std::fprintf(stderr, "ioscope: cuBLASLt's ReLU epilogue %s the residual (%d-byte elements)\n",
                     answer ? "sees" : "does not see", elementBytes(type));
    return answer;
}

} // namespace ioscope::gpu
