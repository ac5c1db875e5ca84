#pragma once
// Lowering of ops to the GPU kernels the simulated cost model times (docs/cost-model.md).
#include "cost/cost_model.h"
#include "cost/sim_device.h"

#include <string>
#include <vector>

namespace ioscope {

// One kernel: `blocks` thread blocks of `blockUs` each when `blocksPerSm` share an SM, plus the
// bytes it moves and the FLOPs it computes (for reports).
struct SimKernel {
    const char* what = "";                // "gemm", "pool", ... (a static string: kernels are copied often)
    int tileM = 0, tileN = 0, splitK = 1; // GEMM kernels: the tile and split-K factor chosen
    long long blocks = 1;
    int blocksPerSm = 1;
    double blockUs = 0; // compute time of one block on its share of an SM
    double bytes = 0;
    double flops = 0;
    double aloneUs = 0; // kernelBusyUs on the whole device, kept for the single-stream fast path
};

// An implicit GEMM of M x N x K (per group, `batchCount` independent groups), the way cuDNN runs
// convolutions: the tile shape and split-K factor are chosen as cuDNN's autotuner would, by the
// shortest time alone on the device. Split-K (tensor cores only) adds a reduction kernel.
std::vector<SimKernel> gemmKernels(const SimDevice& dev, Precision prec, double m, double n, double k,
                                   double batchCount, double bytes);

// A bandwidth kernel (pool, element-wise, depthwise): `outElems` outputs, `flops` of CUDA-core math.
SimKernel streamingKernel(const SimDevice& dev, const char* what, double outElems, double bytes,
                          double flops);

// The kernels of one op (at the run's batch), in stream order. Concat and flatten are free.
std::vector<SimKernel> lowerOp(const SimDevice& dev, const Op& op, const RunConfig& run);

// A merge stage: one convolution with the concatenated output channels and the largest kernel.
std::vector<SimKernel> lowerMergedConv(const SimDevice& dev, const std::vector<const Op*>& convs,
                                       const RunConfig& run);

// "gemm 64x32 split-k 2", "pool": for reports and tests.
std::string describeKernel(const SimKernel& k);

// TF32 GEMMs run on tensor cores where the device has them.
bool usesTensorCores(const SimDevice& dev, Precision prec);

// Time of one round of `blocks` co-resident blocks of a kernel: their compute, or the bytes they
// move at the bandwidth their SMs can draw (times `bandwidthShare` when others compete).
double batchUs(const SimDevice& dev, const SimKernel& k, double blocks, double bandwidthShare = 1.0);
// The memory part alone of batchUs.
double memoryUs(const SimDevice& dev, const SimKernel& k, double blocks, double bandwidthShare = 1.0);

// Time of one kernel alone on `sms` SMs: its waves (the last one partial), no launch or tail.
double kernelBusyUs(const SimDevice& dev, const SimKernel& k, double sms);

} // namespace ioscope
