#pragma once
// The GPU runtime seen from outside engine/gpu: CUDA-free, so the CLI and the explorer build
// and run everywhere. Without CUDA (or without a device) gpuRuntimeStatus() says why and
// executeOnGpu() throws RuntimeFailure with that reason.
#include "cost/cost_model.h"
#include "schedule/schedule.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ioscope {

enum class ExecMode { Stages, Graph };
inline std::string_view toString(ExecMode m) {
    return m == ExecMode::Graph ? "graph" : "stages";
}

struct GpuStatus {
    bool available = false;
    std::string reason;   // why not, when unavailable
    std::string device;   // "NVIDIA H100 80GB HBM3"
    std::string versions; // "CUDA 13.0, cuDNN 9.x"
};
GpuStatus gpuRuntimeStatus();

// Why a GPU of `computeCapability` (90 for sm_90) cannot run `p` (bf16 and tf32 need 8.0, fp16
// 7.0), or "" when it can. The runtime refuses such runs as bad input (exit 2).
std::string precisionUnsupported(Precision p, int computeCapability, const std::string& device);

struct ExecutionOptions {
    ExecMode mode = ExecMode::Graph;
    RunConfig run;
    int warmup = 20;
    int runs = 100;
    bool utilization = true;  // CUPTI kernel timeline of one extra run
    bool keepOutputs = false; // copy the network outputs back (correctness checks)
    std::uint64_t inputSeed =
        20210401; // input k is seededInput(shape, batch, inputSeed + k), as the CPU reference
};

// One network output copied back from the device (NCHW, batch samples).
struct OutputTensor {
    std::string name;
    int batch = 0;
    Shape shape;
    std::vector<float> data;
};

struct KernelRecord {
    std::string name;
    double startMs = 0, endMs = 0; // relative to the run's first kernel
    int stream = 0;
    int stage = -1;
    // The op (scheduling unit) the kernel ran for, so views can link kernels and ops; -1 when
    // unknown (a runtime that does not record it, or a kernel serving no single op).
    OpId op = -1;
};

struct ExecutionResult {
    std::string device;
    double medianMs = 0, p10Ms = 0, p90Ms = 0;
    std::vector<double> samplesMs;
    double busyFraction = 0;     // union of kernel time / wall time
    double meanConcurrency = 0;  // sum of kernel time / wall time
    std::vector<double> stageMs; // per-stage times from the kernel timeline
    std::vector<KernelRecord> kernels;
    // Additions beyond the first contract:
    std::string versions;              // "CUDA 13.0, cuDNN 9.14.0"
    std::vector<OutputTensor> outputs; // with keepOutputs, g.outputs() in order
    int streams = 1;                   // slots (streams) the schedule uses
};

ExecutionResult executeOnGpu(const Graph& g, const Schedule& s, const ExecutionOptions& options,
                             const std::atomic<bool>* cancel = nullptr);

// DESIGN.md §4: a searched schedule is judged as a whole. Measures it and the sequential
// schedule end to end (same options) and keeps the faster; `note` says which and by how much.
// DESIGN.md §4: a searched schedule is judged as a whole. It is run end to end with the
// sequential and the wavefront schedule, in the mode and precision of `options`, and the fastest
// of the three is kept (a stage-sum prediction can misjudge what a whole graph does).
struct MeasuredChoice {
    Schedule schedule;
    bool keptSearched = true;
    std::string kept = "searched"; // or "wavefront", "sequential"
    double keptMs = 0, searchedMs = 0, wavefrontMs = 0, sequentialMs = 0;
    std::string note;
};
// `maxStreams` builds the wavefront compared (the one the search's own comparison used).
MeasuredChoice keepFasterMeasured(const Graph& g, const Schedule& searched, const ExecutionOptions& options,
                                  int maxStreams = 10);

// The activation layout a network runs fastest in (DESIGN.md §4: "NHWC on the GPU where it
// measures faster"): its sequential schedule run end to end in NHWC and in NCHW, same options.
struct LayoutChoice {
    Layout layout = Layout::Nhwc;
    double nhwcMs = 0, nchwMs = 0;
    std::string note;
};
LayoutChoice chooseLayoutByMeasurement(const Graph& g, const ExecutionOptions& options);

class ProfileCache; // cost/profile_cache.h

// The live-profiling cost model ("gpu"): every stage is measured on the GPU through the runtime
// above, in `mode`, boundary cost included. Each measurement is also recorded into `record`
// when given (the profile database). Throws RuntimeFailure where no GPU runtime or device is.
std::unique_ptr<CostModel> makeGpuCostModel(ExecMode mode, std::shared_ptr<ProfileCache> record = nullptr);

} // namespace ioscope
