// Convolutions that are matrix products: dense layers on one pixel (squeeze-excite's 1x1 convs on
// pooled maps, fully connected heads) in ioscope's own kernel, and pointwise convs over many pixels
// as one cuBLAS GEMM, with bias, residual and ReLU in the GEMM's epilogue (cuBLASLt) where they
// fit; each measured against the cuDNN / cuBLAS paths by op_program.cpp.
#include "gpu/conv_algo.h"
#include "gpu/cuda_check.h"
#include "gpu/kernels.h"
#include "gpu/lt_residual_relu.h"
#include "gpu/op_program.h"

#include <cublasLt.h>
#include <cublas_v2.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

namespace ioscope::gpu {
namespace {

// The cuBLASLt descriptors and chosen algorithm of one pointwise conv, alive as long as its program.
struct LtMatmul {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr, d = nullptr;
    cublasLtMatmulPreference_t preference = nullptr;
    cublasLtMatmulAlgo_t algo{};
    LtMatmul() = default;
    LtMatmul(const LtMatmul&) = delete;
    LtMatmul& operator=(const LtMatmul&) = delete;
    ~LtMatmul() {
        if (preference) cublasLtMatmulPreferenceDestroy(preference);
        for (cublasLtMatrixLayout_t l : {a, b, c, d})
            if (l) cublasLtMatrixLayoutDestroy(l);
        if (desc) cublasLtMatmulDescDestroy(desc);
    }
};

// The largest power of two up to 256 dividing both the address and a row's bytes: what the
// GEMM's vectorized loads may assume (channel slices start mid-buffer).
uint32_t alignmentBytes(const void* p, long long rowBytes) {
    const auto bits = reinterpret_cast<uintptr_t>(p) | uintptr_t(rowBytes) | uintptr_t(256);
    return uint32_t(bits & (~bits + 1));
}

// cuBLASLt's heuristic ranks algorithms by a model, and its first pick can be a kernel without
// the epilogue, which cuBLASLt then runs as a second kernel of its own (on the H100 in tf32,
// ResNet-50's residual convs got an sm80 CUTLASS GEMM plus `cublasLt::epilogue::impl::
// globalKernel`: 13 extra kernels, 8% of its kernel time). Nothing tells them apart beforehand
// (every candidate reports all epilogues in CUBLASLT_ALGO_CAP_EPILOGUE_MASK), so the first few are
// timed as the runtime runs them and the fastest kept, with its milliseconds; negative when none
// runs. Once per problem (the caller's cache): on Inception V3's live search that costs about
// 0.25 s (session 18).
double chooseLtAlgo(Device& device, LtMatmul& lt, const std::function<cublasStatus_t(Slot&)>& call) {
    constexpr int kCandidates = 4;
    cublasLtMatmulHeuristicResult_t found[kCandidates]{};
    int count = 0;
    if (cublasLtMatmulAlgoGetHeuristic(device.slot(0).cublasLt, lt.desc, lt.a, lt.b, lt.c, lt.d,
                                       lt.preference, kCandidates, found, &count) != CUBLAS_STATUS_SUCCESS)
        return -1;
    double best = -1;
    cublasLtMatmulAlgo_t bestAlgo{};
    for (int i = 0; i < count; ++i) {
        if (found[i].state != CUBLAS_STATUS_SUCCESS) continue;
        lt.algo = found[i].algo;
        const double ms =
            timeCapturedCalls(device, [&](Slot& s) { return call(s) == CUBLAS_STATUS_SUCCESS; });
        if (ms > 0 && (best < 0 || ms < best)) {
            best = ms;
            bestAlgo = found[i].algo;
        }
    }
    lt.algo = bestAlgo;
    return best > 0 ? best : -1;
}

// Alignment, shape and strides of a view: what a timed program's speed depends on (not where
// the buffer lies), for the caches' keys.
std::string viewKey(const View& v) {
    char key[160];
    std::snprintf(key, sizeof key, "%s/%lld,%lld,%lld@%u", v.shape.str().c_str(), v.sampleStride,
                  v.channelStride, v.pixelStride,
                  alignmentBytes(v.ptr, v.pixelStride * (long long)elementBytes(v.type)));
    return key;
}

} // namespace

std::string timedProblemKey(const char* kind, const View& x, const View& y, const EpilogueSpec& epi) {
    std::string key = std::string(kind) + "|" + viewKey(x) + ">" + viewKey(y) + "|b" +
                      std::to_string(epi.bias ? 1 : 0) + "a" + std::to_string(int(epi.activation));
    for (const View& r : epi.residuals) key += "r" + viewKey(r);
    return key;
}

// Column-major D[out][rows] = act(W^T X^T + C + bias), one cuBLASLt call: the residual is the C
// matrix (beta 1), bias and ReLU the epilogue (C under ReLU only where gpu/lt_residual_relu.h says
// this cuBLASLt adds C first). Its measured milliseconds, or negative, with nothing added, when
// cuBLASLt offers no algorithm that runs these layouts.
double ProgramCompiler::addPointwiseLt(Program& prog, const void* weights, const View& x, const View& y,
                                       const EpilogueSpec& epi, int rows) {
    const int out = y.shape.c, in = x.shape.c;
    const cudaDataType_t t = cudaType(type_);
    const long long bytes = elementBytes(type_);
    auto lt = std::make_shared<LtMatmul>();
    const cublasComputeType_t compute =
        precision_ == Precision::Tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    IOSCOPE_CHECK(cublasLtMatmulDescCreate(&lt->desc, compute, CUDA_R_32F));
    const cublasOperation_t transposed = CUBLAS_OP_T, plain = CUBLAS_OP_N;
    IOSCOPE_CHECK(cublasLtMatmulDescSetAttribute(lt->desc, CUBLASLT_MATMUL_DESC_TRANSA, &transposed,
                                                 sizeof transposed));
    IOSCOPE_CHECK(
        cublasLtMatmulDescSetAttribute(lt->desc, CUBLASLT_MATMUL_DESC_TRANSB, &plain, sizeof plain));
    const bool relu = epi.activation == Activation::Relu;
    const void* bias = epi.bias ? uploadTyped(prog, *epi.bias) : nullptr;
    const cublasLtEpilogue_t epilogue = bias ? (relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS)
                                             : (relu ? CUBLASLT_EPILOGUE_RELU : CUBLASLT_EPILOGUE_DEFAULT);
    IOSCOPE_CHECK(
        cublasLtMatmulDescSetAttribute(lt->desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof epilogue));
    if (bias) {
        IOSCOPE_CHECK(
            cublasLtMatmulDescSetAttribute(lt->desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias));
        IOSCOPE_CHECK(
            cublasLtMatmulDescSetAttribute(lt->desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &t, sizeof t));
    }
    const View c = epi.residuals.empty() ? y : epi.residuals.front();
    IOSCOPE_CHECK(cublasLtMatrixLayoutCreate(&lt->a, t, in, out, in));
    IOSCOPE_CHECK(cublasLtMatrixLayoutCreate(&lt->b, t, in, rows, x.pixelStride));
    IOSCOPE_CHECK(cublasLtMatrixLayoutCreate(&lt->c, t, out, rows, c.pixelStride));
    IOSCOPE_CHECK(cublasLtMatrixLayoutCreate(&lt->d, t, out, rows, y.pixelStride));
    IOSCOPE_CHECK(cublasLtMatmulPreferenceCreate(&lt->preference));
    Slot& slot0 = device_.slot(0);
    const size_t workspace = slot0.cublasWorkspace.bytes();
    IOSCOPE_CHECK(cublasLtMatmulPreferenceSetAttribute(
        lt->preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof workspace));
    const std::pair<cublasLtMatmulPreferenceAttributes_t, uint32_t> alignments[] = {
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, alignmentBytes(weights, in * bytes)},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, alignmentBytes(x.ptr, x.pixelStride * bytes)},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, alignmentBytes(c.ptr, c.pixelStride * bytes)},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, alignmentBytes(y.ptr, y.pixelStride * bytes)}};
    for (const auto& [attribute, value] : alignments)
        IOSCOPE_CHECK(cublasLtMatmulPreferenceSetAttribute(lt->preference, attribute, &value, sizeof value));
    const float beta = epi.residuals.empty() ? 0.0f : 1.0f;
    const void* xp = x.ptr;
    const void* cp = c.ptr;
    void* yp = y.ptr;
    LtMatmul* m = lt.get();
    auto call = [=](Slot& s) {
        static const float one = 1.0f;
        return cublasLtMatmul(s.cublasLt, m->desc, &one, weights, m->a, xp, m->b, &beta, cp, m->c, yp, m->d,
                              &m->algo, s.cublasWorkspace.data(), s.cublasWorkspace.bytes(), s.stream);
    };
    // The problem as cuBLASLt sees it: the algorithm chosen for it once is reused by every later
    // program (a live search compiles the same conv into many stages).
    char key[256];
    std::snprintf(key, sizeof key, "%d %d %d %d %d %d %lld %lld %lld %u %u %u %u %d", int(type_),
                  int(compute), int(epilogue), out, in, rows, x.pixelStride, c.pixelStride, y.pixelStride,
                  alignments[0].second, alignments[1].second, alignments[2].second, alignments[3].second,
                  int(beta));
    auto& cache = device_.ltAlgoCache();
    auto known = cache.find(key);
    if (known == cache.end()) {
        const double ms = chooseLtAlgo(device_, *lt, call);
        if (ms < 0) return -1;
        known = cache.emplace(key, LtAlgoChoice{lt->algo, ms}).first;
    }
    lt->algo = known->second.algo;
    prog.keepAlive.push_back(lt);
    prog.steps.push_back([call](Slot& s) { IOSCOPE_CHECK(call(s)); });
    return known->second.ms;
}

double ProgramCompiler::timeProgram(const Program& prog) {
    return timeCapturedCalls(device_, [&](Slot& s) {
        prog.launch(s);
        return cudaPeekAtLastError() == cudaSuccess;
    });
}

double ProgramCompiler::timeProgramOnce(const Program& prog, const std::string& problem) {
    const std::string key = problem + "|t" + std::to_string(int(type_)) + "p" +
                            std::to_string(int(precision_)) + "n" + std::to_string(plan_.batch());
    auto& cache = device_.programMsCache();
    if (const auto known = cache.find(key); known != cache.end()) return known->second;
    const double ms = timeProgram(prog);
    cache.emplace(key, ms);
    return ms;
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
    return timeProgramOnce(prog, timedProblemKey("dense", x, y, epi));
}

double ProgramCompiler::tryPointwiseGemm(Program& prog, const Op& op, const View& x, const View& y,
                                         const std::vector<float>& kernel, const EpilogueSpec& epi) {
    const long long pixels = (long long)x.shape.h * x.shape.w;
    // Every sample's pixels one uniform run of rows: channels-last, rows pixelStride apart.
    auto rows = [&](const View& v) {
        return v.channelStride == 1 && v.sampleStride == pixels * v.pixelStride &&
               v.pixelStride < (1LL << 31);
    };
    if (op.groups != 1 || !op.window.isPointwise() || y.shape.h != x.shape.h || y.shape.w != x.shape.w ||
        !rows(x) || !rows(y) || kernel.size() != size_t(x.shape.c) * size_t(y.shape.c) ||
        pixels * plan_.batch() >= (1LL << 31))
        return -1;
    const void* weights = uploadTyped(prog, kernel);
    const int out = y.shape.c, in = x.shape.c, n = int(pixels * plan_.batch());
    // Bias, one residual and ReLU fit cuBLASLt's epilogue: one kernel that writes y's slice in
    // place, where cuDNN's fused conv copies a slice (nhwcSliceCKernel) and the GEMM below needs an
    // element-wise pass. A residual under ReLU only where this device's cuBLASLt was seen to apply
    // ReLU after adding it (its documentation does not say).
    const bool reluFits = epi.activation == Activation::None || epi.activation == Activation::Relu;
    const bool residualFits =
        epi.residuals.empty() ||
        (epi.residuals.size() == 1 && rows(epi.residuals.front()) && epi.residuals.front().shape == y.shape &&
         (epi.activation == Activation::None || ltReluSeesResidual(device_, type_)));
    const bool epilogueFits = device_.options().gemmEpilogues && reluFits && residualFits;
    if (const double ms = epilogueFits ? addPointwiseLt(prog, weights, x, y, epi, n) : -1; ms >= 0) {
        if (device_.options().convLog)
            std::fprintf(stderr,
                         "ioscope: conv '%s' gemm: cuBLASLt, %zu residual(s), activation %d, %.4f ms\n",
                         op.name.c_str(), epi.residuals.size(), int(epi.activation), ms);
        return ms;
    }
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
    return timeProgramOnce(prog, timedProblemKey("gemm", x, y, epi));
}

} // namespace ioscope::gpu
