#pragma once
// What the GPU runtime tests (tst_gpu_*.cpp) share: skipping where no GPU runtime is usable, and
// how GPU results are compared with the CPU reference.
#include "exec/tensor.h"
#include "gpu/gpu_execution.h"

#include <QtTest>

#include <algorithm>
#include <cmath>

namespace gputest {
// The test program's GPU context, opened on first use and shared by all its tests (the test
// program is the front end that owns it).
inline ioscope::GpuContext& gpu() {
    static ioscope::GpuContext context(ioscope::gpuOptionsFromEnvironment());
    return context;
}

// A checked run: graph mode, one warm-up, two runs, outputs copied back, the CPU reference's
// input seed (20210401, as the tests' seededInputs calls use).
inline ioscope::ExecutionOptions checkedRun(int batch, ioscope::Precision p, ioscope::Layout layout) {
    ioscope::ExecutionOptions o;
    o.mode = ioscope::ExecMode::Graph;
    o.run = {batch, p, layout};
    o.warmup = 1;
    o.runs = 2;
    o.keepOutputs = true;
    o.inputSeed = 20210401;
    return o;
}
} // namespace gputest

// In a test slot (initTestCase): skips with the reason where no GPU runtime is usable, and logs the
// device otherwise.
#define GPUTEST_REQUIRE_GPU()                                                                                \
    do {                                                                                                     \
        const ioscope::GpuStatus status = gputest::gpu().status();                                           \
        if (!status.available)                                                                               \
            QSKIP(qPrintable("no GPU runtime: " + QString::fromStdString(status.reason)));                   \
        qInfo("GPU: %s (%s)", status.device.c_str(), status.versions.c_str());                               \
    } while (false)

namespace gputest {

using namespace ioscope;

// Tolerances (max |gpu - cpu| / (1 + max |cpu|) over a tensor, against the fp32 CPU reference):
// strict fp32 differs from the CPU only by summation order; TF32 rounds products' inputs to 10
// mantissa bits; fp16 stores every tensor with 11 significant bits, bf16 with 8 (accumulation
// in fp32 for both), so their errors grow with depth more than TF32's.
inline constexpr double kFp32Tolerance = 1e-4;
inline constexpr double kTf32Tolerance = 2e-2;
inline constexpr double kFp16Tolerance = 2e-2;
inline constexpr double kBf16Tolerance = 8e-2;

inline double toleranceFor(Precision p) {
    switch (p) {
    case Precision::Fp32:
        return kFp32Tolerance;
    case Precision::Tf32:
        return kTf32Tolerance;
    case Precision::Fp16:
        return kFp16Tolerance;
    case Precision::Bf16:
        return kBf16Tolerance;
    }
    return 0;
}

inline double relativeError(const OutputTensor& gpu, const Tensor& cpu) {
    if (gpu.data.size() != cpu.data.size()) return INFINITY;
    double diff = 0, scale = 0;
    for (size_t i = 0; i < cpu.data.size(); ++i) {
        if (!std::isfinite(gpu.data[i])) return INFINITY;
        diff = std::max(diff, double(std::fabs(gpu.data[i] - cpu.data[i])));
        scale = std::max(scale, double(std::fabs(cpu.data[i])));
    }
    return diff / (1 + scale);
}

} // namespace gputest
