#pragma once
// The GPU runtime seen from outside engine/gpu: CUDA-free, so the CLI and the explorer build
// and run everywhere. Without CUDA (or without a device) gpuRuntimeStatus() says why and
// executeOnGpu() throws RuntimeFailure with that reason.
#include "cost/cost_model.h"
#include "schedule/schedule.h"

#include <atomic>
#include <string>
#include <vector>

namespace ioscope {

enum class ExecMode { Stages, Graph };

struct GpuStatus {
    bool available = false;
    std::string reason; // why not, when unavailable
    std::string device; // "NVIDIA H100 80GB HBM3"
    std::string versions; // "CUDA 13.0, cuDNN 9.x"
};
GpuStatus gpuRuntimeStatus();

struct ExecutionOptions {
    ExecMode mode = ExecMode::Graph;
    RunConfig run;
    int warmup = 20;
    int runs = 100;
    bool utilization = true; // CUPTI kernel timeline of one extra run
};

struct KernelRecord {
    std::string name;
    double startMs = 0, endMs = 0; // relative to the run's first kernel
    int stream = 0;
    int stage = -1;
};

struct ExecutionResult {
    std::string device;
    double medianMs = 0, p10Ms = 0, p90Ms = 0;
    std::vector<double> samplesMs;
    double busyFraction = 0;    // union of kernel time / wall time
    double meanConcurrency = 0; // sum of kernel time / wall time
    std::vector<double> stageMs; // per-stage times from the kernel timeline
    std::vector<KernelRecord> kernels;
};

ExecutionResult executeOnGpu(const Graph& g, const Schedule& s, const ExecutionOptions& options,
                             const std::atomic<bool>* cancel = nullptr);

} // namespace ioscope
