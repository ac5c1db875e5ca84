#pragma once
// The GPU runtime seen from outside engine/gpu: CUDA-free, so the CLI and the explorer build
// and run everywhere. Everything runs on a GpuContext the front end owns (gpu/gpu_context.h).
// Without CUDA (or without a device) GpuContext::status() says why and executeOnGpu() throws
// RuntimeFailure with that reason.
#include "cost/cost_model.h"
#include "cost/gpu_cost_model.h"
#include "gpu/gpu_context.h"
#include "schedule/kernel_record.h"
#include "schedule/schedule.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ioscope {

// Why a GPU of `computeCapability` (90 for sm_90) cannot run `p` (bf16 and tf32 need 8.0, fp16
// 7.0), or "" when it can. The runtime refuses such runs as bad input (exit 2).
std::string precisionUnsupported(Precision p, int computeCapability, const std::string& device);

// A cost model that measures on a GPU context: the live profiler (makeGpuCostModel). A searched
// schedule is judged as a whole on the same context, in the same mode (pipeline/
// schedule_pipeline.h finds it with isLiveCostModel); the cost layer below knows no GPU.
class GpuMeasuredCostModel : public CostModel {
  public:
    // The context every stage is measured on; it outlives the model.
    virtual GpuContext& gpuContext() const = 0;
    // How stages are measured: as whole-schedule CUDA graphs run them ("gpu") or stage by stage
    // ("gpu:stages").
    virtual ExecMode mode() const = 0;
};

// The live-profiling cost model ("gpu"): every stage is measured on `gpu` through the runtime,
// in `mode`, boundary cost included; `gpu` must outlive it. Each measurement is also recorded
// into `record` when given (the profile database). Throws RuntimeFailure where no GPU runtime or
// device is. (GpuContext::makeLiveCostModel, which the cost-model factory calls, is this.)
std::unique_ptr<CostModel> makeGpuCostModel(GpuContext& gpu, ExecMode mode,
                                            std::shared_ptr<ProfileCache> record = nullptr);

struct ExecutionOptions {
    ExecMode mode = ExecMode::Graph;
    RunConfig run;
    int warmup = 20;
    int runs = 100;
    bool utilization = true;  // CUPTI kernel timeline of one extra run
    bool keepOutputs = false; // copy the network outputs back (correctness checks)
    std::uint64_t inputSeed =
        20210401; // input k is seededInput(shape, batch, inputSeed + k), as the CPU reference
    // Given input values instead (one per Input op in graph order, NCHW, batch samples each): a
    // check against another runtime's output on the same data.
    std::vector<std::vector<float>> inputData;
};

// One network output copied back from the device (NCHW, batch samples).
struct OutputTensor {
    std::string name;
    int batch = 0;
    Shape shape;
    std::vector<float> data;
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

ExecutionResult executeOnGpu(GpuContext& gpu, const Graph& g, const Schedule& s,
                             const ExecutionOptions& options, CancelFlag cancel = nullptr);

// A searched schedule judged as a whole (docs/semantics.md, "Judging a schedule as a whole"): it
// is run end to end with its rivals (the wavefront, the sequential and each fast scheduler's
// schedule) and the fastest is kept, the searched one on ties. Made by chooseFastestWhole
// (pipeline/schedule_pipeline.h).
struct MeasuredCandidate {
    std::string name; // "searched", "wavefront", "sequential", "nimble", ...
    double ms = 0;    // median of the whole run
    // The earlier candidate with the same schedule, whose time this one shares (it was not run
    // again); empty when it was run.
    std::string sameAs;
};
struct MeasuredChoice {
    Schedule schedule;
    bool keptSearched = true;
    std::string kept = "searched"; // or the candidate's name: "wavefront", "sequential", "hios", ...
    double keptMs = 0, searchedMs = 0, wavefrontMs = 0, sequentialMs = 0;
    std::vector<MeasuredCandidate> candidates; // in the order judged, the searched one first
    int runs = 0;                              // whole runs timed (identical schedules once)
    std::string note;
};

// The activation layout a network runs fastest in (docs/semantics.md, "GPU runtime rules": NHWC
// where it measures faster): its sequential schedule run end to end in NHWC and in NCHW, same options.
struct LayoutChoice {
    Layout layout = Layout::Nhwc;
    double nhwcMs = 0, nchwMs = 0;
    std::string note;
};
LayoutChoice chooseLayoutByMeasurement(GpuContext& gpu, const Graph& g, const ExecutionOptions& options);

} // namespace ioscope
