#pragma once
// Calibration of the simulated cost model against real layer latencies: loading the layer
// microbenchmark of ../shared/tools/layer_microbench.py, the model's errors on it, and the fit
// of a device's constants (bench/bench_calibration.cpp prints them; docs/cost-model.md).
#include "cost/sim_device.h"
#include "cost/sim_kernels.h"

#include <functional>
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

CalibrationEvaluation evaluateCalibration(const SimDevice& dev, const CalibrationData& data);

struct FitParam {
    const char* name;
    double SimDevice::*field;
    double lo, hi;
};
const std::vector<FitParam>& fitParams();

// Coordinate descent with multiplicative steps on fitParams(); `progress` gets (step, loss).
SimDevice fitCalibration(SimDevice dev, const CalibrationData& data,
                         const std::function<void(double, double)>& progress = {});

// q-quantile (linear interpolation); of the absolute values when `absolute`.
double quantile(std::vector<double> v, double q, bool absolute = true);

} // namespace ioscope
