#include "cost/sim_kernels.h"

#include "graph/op_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace ioscope {
namespace {

constexpr double kBytesPerElement = 4.0;
constexpr double kElemsPerStreamingBlock = 1024; // 256 threads x 4 elements
constexpr int kStreamingBlocksPerSm = 8;

struct Tile {
    int tm, tn;
};
constexpr Tile kTiles[] = {{128, 128}, {128, 64}, {64, 128}, {64, 64}, {64, 32}, {32, 64}, {32, 32}};
constexpr int kSplitK[] = {1, 2, 4, 8, 16, 32};
constexpr double kMinKPerSplit = 32;

double perSmFlopsPerUs(const SimDevice& dev, double tflops) {
    return tflops * 1e6 / dev.sms;
}

// Activation traffic scales with the batch, weights are read once.
double batchedBytes(const OpMetrics& m, int batch) {
    const double weightBytes = kBytesPerElement * double(m.params);
    return double(batch) * std::max(0.0, m.bytes - weightBytes) + weightBytes;
}

std::vector<SimKernel> convKernels(const SimDevice& dev, const Op& op, const RunConfig& run) {
    const OpMetrics m = opMetrics(op);
    const double batch = run.batch;
    const double bytes = batchedBytes(m, run.batch);
    const int g = std::max(1, op.groups);
    if (g > 1 && g == op.in.c) // depthwise: a direct CUDA-core kernel, bound by bandwidth
        return {streamingKernel(dev, "depthwise conv", batch * double(op.out.elements()), bytes,
                                batch * m.flops)};
    const double pixels = batch * op.out.h * op.out.w;
    const double k = double(op.in.c / g) * op.window.kh * op.window.kw;
    // Tensor-core kernels need the input channels in multiples of 4; cuDNN falls back to FP32 else.
    const Precision prec = (op.in.c / g) % 4 == 0 ? run.precision : Precision::Fp32;
    std::vector<SimKernel> gemm = gemmKernels(dev, prec, pixels, double(op.outChannels / g), k, g, bytes);
    const bool spatial = op.window.kh * op.window.kw > 1;
    // A 1x1 conv is a plain GEMM on NCHW; the runtime's channels-last layout needs no transposes.
    if (!usesTensorCores(dev, prec) || !spatial || run.layout == Layout::Nhwc) return gemm;
    // cuDNN's tensor-core kernels for spatial filters run on NHWC: NCHW tensors are transposed in
    // and out by two extra streaming kernels.
    const double inElems = batch * double(op.in.elements()), outElems = batch * double(op.out.elements());
    std::vector<SimKernel> ks{streamingKernel(dev, "nchw->nhwc", inElems, 2 * kBytesPerElement * inElems, 0)};
    for (SimKernel& x : gemm) ks.push_back(std::move(x));
    ks.push_back(streamingKernel(dev, "nhwc->nchw", outElems, 2 * kBytesPerElement * outElems, 0));
    return ks;
}

std::vector<SimKernel> sepConvKernels(const SimDevice& dev, const Op& op, const RunConfig& run) {
    const double batch = run.batch;
    const double dwOut = double(op.in.c) * op.out.h * op.out.w;
    const double kk = double(op.window.kh) * op.window.kw;
    const double dwBytes =
        kBytesPerElement * (batch * (double(op.in.elements()) + dwOut) + double(op.in.c) * kk);
    const double pwWeights = double(op.outChannels) * op.in.c + (op.bias ? op.outChannels : 0);
    const double pwBytes = kBytesPerElement * (batch * (dwOut + double(op.out.elements())) + pwWeights);
    std::vector<SimKernel> ks{
        streamingKernel(dev, "depthwise conv", batch * dwOut, dwBytes, 2.0 * batch * dwOut * kk)};
    for (SimKernel& p :
         gemmKernels(dev, run.precision, batch * op.out.h * op.out.w, op.outChannels, op.in.c, 1, pwBytes))
        ks.push_back(std::move(p));
    return ks;
}

} // namespace

std::string describeKernel(const SimKernel& k) {
    std::string s = k.what;
    if (k.tileM > 0) s += ' ' + std::to_string(k.tileM) + 'x' + std::to_string(k.tileN);
    if (k.splitK > 1) s += " split-k " + std::to_string(k.splitK);
    return s;
}

bool usesTensorCores(const SimDevice& dev, Precision prec) {
    return prec != Precision::Fp32 && dev.tf32Tflops > dev.fp32Tflops;
}

// Dense fp16/bf16 tensor-core math runs at twice the TF32 rate on Ampere and Hopper.
double tensorTflops(const SimDevice& dev, Precision prec) {
    return prec == Precision::Fp16 || prec == Precision::Bf16 ? 2 * dev.tf32Tflops : dev.tf32Tflops;
}

double memoryUs(const SimDevice& dev, const SimKernel& k, double blocks, double bandwidthShare) {
    blocks = std::clamp(blocks, 1.0, double(k.blocks));
    const double smUnits = blocks / k.blocksPerSm;
    const double bytesPerUs = dev.memGBs * 1e3 * dev.memEff *
                              std::min(1.0, smUnits / (dev.sms * dev.bwSaturation)) *
                              std::max(1e-6, bandwidthShare);
    return k.bytes * blocks / double(k.blocks) / bytesPerUs;
}

double batchUs(const SimDevice& dev, const SimKernel& k, double blocks, double bandwidthShare) {
    return std::max(k.blockUs, memoryUs(dev, k, blocks, bandwidthShare));
}

double kernelBusyUs(const SimDevice& dev, const SimKernel& k, double sms) {
    const double slots = std::max(1.0, std::floor(std::min(sms, double(dev.sms)))) * k.blocksPerSm;
    const double fullWaves = std::floor(double(k.blocks) / slots);
    const double rest = double(k.blocks) - fullWaves * slots;
    return fullWaves * batchUs(dev, k, slots) + (rest > 0 ? batchUs(dev, k, rest) : 0.0);
}

SimKernel streamingKernel(const SimDevice& dev, const char* what, double outElems, double bytes,
                          double flops) {
    SimKernel k;
    k.what = what;
    k.blocks = std::max(1LL, static_cast<long long>(std::ceil(outElems / kElemsPerStreamingBlock)));
    k.blocksPerSm = kStreamingBlocksPerSm;
    k.blockUs = kStreamingBlocksPerSm * (flops / double(k.blocks)) /
                (perSmFlopsPerUs(dev, dev.fp32Tflops) * dev.streamFlopEff);
    k.bytes = bytes;
    k.flops = flops;
    k.aloneUs = kernelBusyUs(dev, k, dev.sms);
    return k;
}

std::vector<SimKernel> gemmKernels(const SimDevice& dev, Precision prec, double m, double n, double k,
                                   double batchCount, double bytes) {
    const bool tensorCores = usesTensorCores(dev, prec);
    const double peak = perSmFlopsPerUs(dev, tensorCores ? tensorTflops(dev, prec) : dev.fp32Tflops);
    const double bestEff = tensorCores ? dev.gemmEffTf32 : dev.gemmEffFp32;
    SimKernel best, bestReduce;
    double bestUs = std::numeric_limits<double>::infinity();
    for (const Tile& t : kTiles) {
        const double area = double(t.tm) * t.tn;
        const double eff = bestEff * area / (area + dev.tileHalfArea);
        const int perSm = std::clamp(int(16384 / area), 1, 4);
        const double tiles = std::ceil(m / t.tm) * std::ceil(n / t.tn) * batchCount;
        // cuDNN's FP32 (CUDA-core) kernels do not split K; its tensor-core kernels do.
        for (int split : kSplitK) {
            if (split > 1 && (!tensorCores || k / split < kMinKPerSplit)) break;
            SimKernel main;
            main.what = "gemm";
            main.tileM = t.tm, main.tileN = t.tn, main.splitK = split;
            main.blocks = std::max(1LL, static_cast<long long>(tiles) * split); // degenerate shapes still run
            main.blocksPerSm = perSm;
            main.blockUs = perSm * 2.0 * area * std::ceil(k / split) / (peak * eff);
            main.bytes = bytes;
            main.flops = 2.0 * m * n * k * batchCount;
            main.aloneUs = kernelBusyUs(dev, main, dev.sms);
            double us = main.aloneUs;
            SimKernel reduce;
            if (split > 1) {
                const double outs = m * n * batchCount;
                reduce = streamingKernel(dev, "split-k reduce", outs, kBytesPerElement * outs * (split + 1),
                                         outs * split);
                us += reduce.aloneUs + dev.launchUs + dev.kernelTailUs;
            }
            if (us < bestUs) bestUs = us, best = main, bestReduce = reduce;
        }
    }
    if (best.splitK > 1) return {best, bestReduce};
    return {best};
}

std::vector<SimKernel> lowerOpBody(const SimDevice& dev, const Op& op, const RunConfig& run);

// Inputs summed element-wise before the op computes: a separate kernel in the runtime.
std::optional<SimKernel> inputSumKernel(const SimDevice& dev, const Op& op, const RunConfig& run) {
    const double hw = double(op.in.h) * op.in.w;
    double reads = 0;
    if (!op.sumTerms.empty()) {
        if (std::none_of(op.sumTerms.begin(), op.sumTerms.end(), [](int n) { return n > 1; }))
            return std::nullopt;
        for (size_t t = 0; t < op.sumTerms.size() && t < op.termChannels.size(); ++t)
            reads += double(op.sumTerms[t]) * op.termChannels[t] * hw;
    } else {
        const double combined = double(op.inputs.size()) - std::max(0, op.residuals);
        if (op.combine != Combine::Sum || combined < 2) return std::nullopt;
        reads = combined * double(op.in.elements());
    }
    const double batch = run.batch, writes = double(op.in.elements());
    return streamingKernel(dev, "sum inputs", batch * writes, kBytesPerElement * batch * (reads + writes),
                           batch * std::max(0.0, reads - writes));
}

// Byte counts above assume 4-byte elements; fp16 and bf16 move half as many bytes.
void scaleBytes(const SimDevice& dev, std::vector<SimKernel>& ks, const RunConfig& run) {
    const double f = bytesPerElement(run.precision) / kBytesPerElement;
    if (f == 1.0) return;
    for (SimKernel& k : ks) {
        k.bytes *= f;
        k.aloneUs = kernelBusyUs(dev, k, dev.sms);
    }
}

std::vector<SimKernel> lowerOp(const SimDevice& dev, const Op& op, const RunConfig& run) {
    const bool combinesItself = op.kind == OpKind::Identity || op.kind == OpKind::Add ||
                                op.kind == OpKind::Mul || op.kind == OpKind::Binary ||
                                op.kind == OpKind::Concat || op.kind == OpKind::Input ||
                                op.kind == OpKind::Sequential;
    std::vector<SimKernel> ks;
    if (!combinesItself)
        if (auto sum = inputSumKernel(dev, op, run)) ks.push_back(std::move(*sum));
    for (SimKernel& k : lowerOpBody(dev, op, run)) ks.push_back(std::move(k));
    if (op.kind != OpKind::Sequential) scaleBytes(dev, ks, run); // body ops scaled themselves
    return ks;
}

std::vector<SimKernel> lowerOpBody(const SimDevice& dev, const Op& op, const RunConfig& run) {
    const auto streaming = [&](const char* what) {
        const OpMetrics m = opMetrics(op);
        return std::vector<SimKernel>{
            streamingKernel(dev, what, double(run.batch) * double(op.out.elements()),
                            batchedBytes(m, run.batch), double(run.batch) * m.flops)};
    };
    switch (op.kind) {
    case OpKind::Input:
    case OpKind::Concat: // producers write straight into their channel slice
    case OpKind::Flatten:
        return {};
    case OpKind::Identity: {
        auto sum = inputSumKernel(dev, op, run);
        return sum ? std::vector<SimKernel>{*sum} : std::vector<SimKernel>{};
    }
    case OpKind::Conv:
        return convKernels(dev, op, run);
    case OpKind::SepConv:
        return sepConvKernels(dev, op, run);
    case OpKind::MaxPool:
    case OpKind::AvgPool:
    case OpKind::GlobalAvgPool:
        return streaming("pool");
    case OpKind::Activation:
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::ScaleShift:
    case OpKind::Softmax:
    case OpKind::Binary:
        return streaming("element-wise");
    case OpKind::Slice:
    case OpKind::Pad:
    case OpKind::Resize:
    case OpKind::ChannelShuffle: // one streaming copy kernel each in the runtime
        return streaming("data movement");
    case OpKind::FullyConnected: {
        const OpMetrics m = opMetrics(op);
        return gemmKernels(dev, run.precision, run.batch, op.outChannels, double(op.in.elements()), 1,
                           batchedBytes(m, run.batch));
    }
    case OpKind::Sequential: {
        std::vector<SimKernel> ks;
        for (size_t i = 0; i < op.body.size(); ++i) {
            Op inner = op.body[i];
            if (i == 0) inner.inputs = op.inputs, inner.combine = op.combine;
            for (SimKernel& k : lowerOp(dev, inner, run)) ks.push_back(std::move(k));
        }
        return ks;
    }
    }
    return {};
}

std::vector<SimKernel> lowerMergedConv(const SimDevice& dev, const std::vector<const Op*>& convs,
                                       const RunConfig& run) {
    if (convs.empty()) return {};
    const Op& first = *convs.front();
    int kh = 0, kw = 0, outChannels = 0;
    for (const Op* c : convs)
        kh = std::max(kh, c->window.kh), kw = std::max(kw, c->window.kw), outChannels += c->outChannels;
    const double batch = run.batch;
    const double weights = double(outChannels) * first.in.c * kh * kw + outChannels;
    const double outElems = double(outChannels) * first.out.h * first.out.w;
    const double bytes = kBytesPerElement * (batch * (double(first.in.elements()) + outElems) + weights);
    std::vector<SimKernel> ks = gemmKernels(dev, run.precision, batch * first.out.h * first.out.w,
                                            outChannels, double(first.in.c) * kh * kw, 1, bytes);
    scaleBytes(dev, ks, run);
    return ks;
}

} // namespace ioscope
