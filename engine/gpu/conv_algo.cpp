#include "gpu/conv_algo.h"

#include "gpu/stage_launch.h"

#include <algorithm>
#include <vector>

namespace ioscope::gpu {
namespace {

constexpr int kCandidates = 4;    // re-timed from the top of cuDNN's ranking
constexpr double kWithin = 4.0;   // ...when cuDNN timed them within this factor of its best
constexpr int kCallsPerGraph = 8; // calls captured per timed graph
constexpr int kReplays = 5;       // timed replays; the median decides

// Strict fp32 means the convolution's own arithmetic: FFT and Winograd transforms trade
// accuracy (errors near 1e-4 relative on 5x5 kernels) for speed, which tf32 accepts anyway.
bool exactArithmetic(cudnnConvolutionFwdAlgo_t algo) {
    return algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM ||
           algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM ||
           algo == CUDNN_CONVOLUTION_FWD_ALGO_GEMM || algo == CUDNN_CONVOLUTION_FWD_ALGO_DIRECT;
}

// Milliseconds per call of one algorithm, or a negative value when it cannot run captured.
double timeCandidate(Device& device, const ConvProblem& p, const ConvAlgoChoice& c, const ConvCall& call) {
    IOSCOPE_CHECK(cudnnSetConvolutionMathType(p.conv, c.math));
    return timeCapturedCalls(device, [&](Slot& s) { return call(c, s) == CUDNN_STATUS_SUCCESS; });
}

} // namespace

double timeCapturedCalls(Device& device, const std::function<bool(Slot&)>& call) {
    Slot& s = device.slot(0);
    if (!call(s) || cudaStreamSynchronize(s.stream) != cudaSuccess) {
        cudaGetLastError();
        return -1;
    }
    try {
        const ModeLaunch graph(device, true, [&] {
            for (int i = 0; i < kCallsPerGraph; ++i)
                if (!call(s)) throw RuntimeFailure("not capturable");
        });
        graph(s.stream); // warm-up
        std::vector<double> ms;
        for (int r = 0; r < kReplays; ++r) ms.push_back(timeOnStream(s.stream, 1, [&] { graph(s.stream); }));
        return medianOf(ms) / kCallsPerGraph;
    } catch (const RuntimeFailure&) {
        cudaGetLastError();
        return -1;
    }
}

std::optional<ConvAlgoChoice> chooseConvAlgo(Device& device, const ConvProblem& p, Precision precision,
                                             const ConvCall& call, bool precompOnly) {
    Slot& s0 = device.slot(0);
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int returned = 0;
    // Strided (channel-slice) tensors or layouts cuDNN cannot run come back as a failed status:
    // the caller then takes another path.
    const cudnnStatus_t ranked =
        p.grouped || precompOnly
            ? cudnnGetConvolutionForwardAlgorithm_v7(s0.cudnn, p.x, p.w, p.conv, p.y,
                                                     CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf)
            : cudnnFindConvolutionForwardAlgorithmEx(s0.cudnn, p.x, p.xData, p.w, p.wData, p.conv, p.y,
                                                     p.yData, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned,
                                                     perf, s0.workspace.data(), device.workspaceBytes());
    if (ranked != CUDNN_STATUS_SUCCESS) {
        cudaGetLastError();
        return std::nullopt;
    }
    std::vector<ConvAlgoChoice> candidates;
    for (int i = 0; i < returned && int(candidates.size()) < kCandidates; ++i) {
        const cudnnConvolutionFwdAlgoPerf_t& r = perf[i];
        if (r.status != CUDNN_STATUS_SUCCESS || r.memory > device.workspaceBytes()) continue;
        if (precompOnly && r.algo != CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM) continue;
        // Strict fp32 means the convolution's own arithmetic; fp16 and bf16 keep to exact
        // algorithms too (their Winograd and FFT transforms lose most of the few mantissa bits).
        if (precision == Precision::Fp32 && r.mathType == CUDNN_TENSOR_OP_MATH) continue;
        if (precision != Precision::Tf32 && !exactArithmetic(r.algo)) continue;
        if (!p.grouped && !precompOnly && !candidates.empty() && r.time > kWithin * candidates.front().ms)
            break;
        candidates.push_back({r.algo, r.mathType, r.memory, r.time});
    }
    std::optional<ConvAlgoChoice> best;
    double bestMs = -1;
    for (ConvAlgoChoice& c : candidates) {
        const double ms = timeCandidate(device, p, c, call);
        if (ms >= 0 && (bestMs < 0 || ms < bestMs)) {
            bestMs = ms;
            best = c;
            best->ms = float(ms);
        }
    }
    if (best) IOSCOPE_CHECK(cudnnSetConvolutionMathType(p.conv, best->math));
    return best;
}

} // namespace ioscope::gpu
