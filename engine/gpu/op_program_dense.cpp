// Convolutions that are matrix products: dense layers on one pixel (squeeze-excite's 1x1 convs on
// pooled maps, fully connected heads) in ioscope's own kernel, and pointwise convs over many pixels
// as one cuBLAS GEMM; each measured against the cuDNN / cuBLAS paths by op_program.cpp.
#include "gpu/conv_algo.h"
#include "gpu/cuda_check.h"
#include "gpu/kernels.h"
#include "gpu/op_program.h"

#include <cublas_v2.h>

namespace ioscope::gpu {

double ProgramCompiler::timeProgram(const Program& prog) {
    return timeCapturedCalls(device_, [&](Slot& s) {
        prog.launch(s);
        return cudaPeekAtLastError() == cudaSuccess;
    });
}

double ProgramCompiler::tryDense(Program& prog, const View& x, const View& y,
                                 const std::vector<float>& kernel, const EpilogueSpec& epi) {
    if (x.shape.h * x.shape.w != 1 || y.shape.h * y.shape.w != 1 ||
        epi.residuals.size() > size_t(kMaxResiduals) ||
        kernel.size() != size_t(x.shape.c) * size_t(y.shape.c))
        return -1;
    DenseArgs a;
    a.x = operandOf(x);
    a.inChannels = x.shape.c;
    a.weights = uploadTyped(prog, kernel);
    a.epi = epilogueArgs(prog, epi);
    a.out = outputOf(y, plan_.batch());
    prog.steps.push_back([a](Slot& s) {
        launchDense(a, s.stream);
        IOSCOPE_CHECK(cudaPeekAtLastError());
    });
    return timeProgram(prog);
}

double ProgramCompiler::tryPointwiseGemm(Program& prog, const Op& op, const View& x, const View& y,
                                         const std::vector<float>& kernel, const EpilogueSpec& epi) {
    const Window& w = op.window;
    const long long pixels = (long long)x.shape.h * x.shape.w;
    // Every sample's pixels one uniform run of rows: channels-last, rows pixelStride apart.
    auto rows = [&](const View& v) {
        return v.channelStride == 1 && v.sampleStride == pixels * v.pixelStride &&
               v.pixelStride < (1LL << 31);
    };
    if (op.groups != 1 || w.kh != 1 || w.kw != 1 || w.sh != 1 || w.sw != 1 || w.ph != 0 || w.pw != 0 ||
        y.shape.h != x.shape.h || y.shape.w != x.shape.w || !rows(x) || !rows(y) ||
        kernel.size() != size_t(x.shape.c) * size_t(y.shape.c) || pixels * plan_.batch() >= (1LL << 31))
        return -1;
    const void* weights = uploadTyped(prog, kernel);
    const int out = y.shape.c, in = x.shape.c, n = int(pixels * plan_.batch());
    const int lda = int(x.pixelStride), ldc = int(y.pixelStride);
    const cudaDataType_t t = cudaType(type_);
    const cublasComputeType_t compute =
        precision_ == Precision::Tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    static const float one = 1.0f, zero = 0.0f;
    // Column-major Y^T[out][rows] = W[out][in] * X^T[in][rows], as the fully connected layer.
    const void* xp = x.ptr;
    void* yp = y.ptr;
    prog.steps.push_back([=](Slot& s) {
        IOSCOPE_CHECK(cublasGemmEx(s.cublas, CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &one, weights, t, in, xp,
                                   t, lda, &zero, yp, t, ldc, compute, CUBLAS_GEMM_DEFAULT));
    });
    if (epi.bias || !epi.residuals.empty() || epi.activation != Activation::None) {
        std::vector<View> terms{y};
        terms.insert(terms.end(), epi.residuals.begin(), epi.residuals.end());
        addElementwise(prog, terms, y, false, nullptr, epi.bias ? upload(prog, *epi.bias) : nullptr,
                       epi.activation);
    }
    return timeProgram(prog);
}

} // namespace ioscope::gpu
