#pragma once
// Calibration of the simulated cost model against real latencies: loading the layer
// microbenchmark of ../shared/tools/layer_microbench.py and ioscope's own runtime stages, the
// model's errors on them, and the joint fit of a device's constants (bench/bench_calibration.cpp prints them;
// docs/cost-model.md).
#include "cost/sim_device.h"
#include "cost/sim_kernels.h"
#include "schedule/schedule.h"
#include "util/progress.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ioscope {

struct CalibrationLayer {
    Op op;              // shapes filled in; lowering needs no graph
    double measured[2]; // CUDA-graph replay latency in ms, [fp32, tf32]
    std::string label;
};

struct CalibrationSet {
    Precision precision = Precision::Fp32;
    std::vector<int> layers; // indices into CalibrationData::layers, one stream each
    double togetherMs = 0, sumAloneMs = 0;
};

struct CalibrationData {
    std::vector<CalibrationLayer> layers;
    std::vector<CalibrationSet> sets;
};

// Throws InputError naming the file and the JSON path of a bad value.
CalibrationData loadCalibrationData(const std::string& path);

// The kernels PyTorch runs for a layer of the microbenchmark: conv2d(bias) + relu_ is the
// convolution, a bias-add kernel and an in-place ReLU kernel; a pool is one kernel.
std::vector<SimKernel> torchLayerKernels(const SimDevice& dev, const Op& op, Precision prec);

struct CalibrationEvaluation {
    std::vector<double> aloneErr[2]; // relative error per layer, [fp32, tf32]
    std::vector<double> togetherErr; // relative error of each set's latency
    std::vector<double> speedupErr;  // relative error of each set's speedup (sum alone / together)
    std::vector<double> predSpeedup, measSpeedup;
    double loss = 0; // mean squared log error of the alone latencies plus that of the speedups
};

// The microbenchmark ran in another runtime (PyTorch 2.11 with its bundled cuDNN 9.19, one CUDA
// graph round per layer or set) than ioscope's (cuDNN 9.14, fused conv + bias + ReLU, the stage
// boundary of a long schedule graph). The device constants describe ioscope's runtime, which
// schedules are judged by; the harness differs by its per-round fork/join (roundUs replaces
// stageBaseUs) and by its conv kernels' speed (gemmScale multiplies both GEMM efficiencies):
// the same conv shapes measured 1.5-2x faster under PyTorch. Both are fitted jointly.
struct TorchHarness {
    double roundUs = 0.4021;
    double gemmScale = 5.0;
};
constexpr TorchHarness kTorchHarness{0.9391, 2.898};

CalibrationEvaluation evaluateCalibration(const SimDevice& dev, const CalibrationData& data,
                                          const TorchHarness& harness = kTorchHarness);

// ioscope's own runtime on one network and precision: the distinct stages the live IOS search
// profiled (CUDA-graph mode, stage boundary included) and whole schedules measured end to end.
struct RuntimeStage {
    Stage stage;
    double measuredMs = 0;
};
struct RuntimeSchedule {
    std::string label; // "sequential", "wavefront", "ios"
    Schedule schedule;
    double measuredMs = 0;
};
struct RuntimeNetwork {
    std::string model;
    RunConfig run;
    std::shared_ptr<const Graph> graph;
    std::vector<RuntimeStage> stages;
    std::vector<RuntimeSchedule> schedules;
};

struct RuntimeEvaluation {
    std::vector<std::vector<double>> stageErr;       // per network: sim / measured - 1 per stage
    std::vector<size_t> kernelFree;                  // per network: stages without kernels (not in stageErr)
    std::vector<std::vector<double>> schedulePredMs; // per network: sim sum of stages per schedule
    double stageLoss = 0; // mean over networks of the stages' mean squared log error
    double wholeLoss = 0; // mean squared log error of the whole-schedule predictions
};
RuntimeEvaluation evaluateRuntime(const SimDevice& dev, const std::vector<RuntimeNetwork>& nets);

struct FitParam {
    const char* name;
    double SimDevice::*field;
    double lo, hi;
};
const std::vector<FitParam>& fitParams();

// Weights of the joint objective: microbenchmark loss + stageWeight * runtime stage loss +
// wholeWeight * whole-schedule loss. The runtime terms are what schedules are judged by.
struct FitWeights {
    double stage = 1.0;
    double whole = 2.0;
};

struct FitResult {
    SimDevice dev;
    TorchHarness harness = kTorchHarness;
    double loss = 0;
};

double jointLoss(const SimDevice& dev, const TorchHarness& harness, const CalibrationData& data,
                 const std::vector<RuntimeNetwork>& nets, const FitWeights& w);

// Coordinate descent with multiplicative steps on fitParams() and, with runtime data, the harness;
// `nets` may be empty (microbenchmark only); `progress` gets each round of the step halving
// (Progress::done of total) with the loss so far.
FitResult fitCalibration(SimDevice dev, const CalibrationData& data, const std::vector<RuntimeNetwork>& nets,
                         const FitWeights& w = {}, const ProgressCallback& progress = {});

// q-quantile (linear interpolation); of the absolute values when `absolute`.
double quantile(std::vector<double> v, double q, bool absolute = true);

} // namespace ioscope
