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

const float kOne = 1.0f, kZero = 0.0f;

// Strict fp32 means the convolution's own arithmetic: FFT and Winograd transforms trade
// accuracy (errors near 1e-4 relative on 5x5 kernels) for speed, which tf32 accepts anyway.
bool exactArithmetic(cudnnConvolutionFwdAlgo_t algo) {
    return algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM ||
           algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM ||
           algo == CUDNN_CONVOLUTION_FWD_ALGO_GEMM || algo == CUDNN_CONVOLUTION_FWD_ALGO_DIRECT;
}

// Milliseconds per call of one algorithm, or a negative value when it cannot run captured.
double timeCandidate(Device& device, const ConvProblem& p, const ConvAlgoChoice& c) {
    Slot& s = device.slot(0);
    IOSCOPE_CHECK(cudnnSetConvolutionMathType(p.conv, c.math));
    auto call = [&] {
        return cudnnConvolutionForward(s.cudnn, &kOne, p.x, p.xData, p.w, p.wData, p.conv, c.algo,
                                       s.workspace.data(), c.workspace, &kZero, p.y, p.yData);
    };
    if (call() != CUDNN_STATUS_SUCCESS || cudaStreamSynchronize(s.stream) != cudaSuccess) {
        cudaGetLastError();
        return -1;
    }
    try {
        const ModeLaunch graph(device, true, [&] {
            for (int i = 0; i < kCallsPerGraph; ++i)
                if (call() != CUDNN_STATUS_SUCCESS) throw RuntimeFailure("not capturable");
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

} // namespace

ConvAlgoChoice chooseConvAlgo(Device& device, const ConvProblem& p, Precision precision) {
    Slot& s0 = device.slot(0);
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int returned = 0;
    if (!p.grouped)
        IOSCOPE_CHECK(cudnnFindConvolutionForwardAlgorithmEx(
            s0.cudnn, p.x, p.xData, p.w, p.wData, p.conv, p.y, p.yData, CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
            &returned, perf, s0.workspace.data(), device.workspaceBytes()));
    else
        IOSCOPE_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
            s0.cudnn, p.x, p.w, p.conv, p.y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf));
    std::vector<ConvAlgoChoice> candidates;
    for (int i = 0; i < returned && int(candidates.size()) < kCandidates; ++i) {
        const cudnnConvolutionFwdAlgoPerf_t& r = perf[i];
        if (r.status != CUDNN_STATUS_SUCCESS || r.memory > device.workspaceBytes()) continue;
        if (precision == Precision::Fp32 && (r.mathType == CUDNN_TENSOR_OP_MATH || !exactArithmetic(r.algo)))
            continue;
        if (!p.grouped && !candidates.empty() && r.time > kWithin * candidates.front().ms) break;
        candidates.push_back({r.algo, r.mathType, r.memory, r.time});
    }
    if (candidates.empty()) throw RuntimeFailure("cuDNN has no convolution algorithm for this convolution");
    ConvAlgoChoice best = candidates.front();
    double bestMs = -1;
    for (ConvAlgoChoice& c : candidates) {
        const double ms = timeCandidate(device, p, c);
        if (ms >= 0 && (bestMs < 0 || ms < bestMs)) {
            bestMs = ms;
            best = c;
            best.ms = float(ms);
        }
    }
    IOSCOPE_CHECK(cudnnSetConvolutionMathType(p.conv, best.math));
    return best;
}

} // namespace ioscope::gpu
