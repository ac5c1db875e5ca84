#pragma once
// The GPU state of one front end (a CLI command, the explorer, a benchmark, a test suite): the
// device's streams, cuDNN and cuBLAS handles, workspaces, fork/join events and the measured
// algorithm and plan caches (gpu/device.h). The front end creates it and passes it by reference
// to everything that runs on the GPU: executeOnGpu, chooseLayoutByMeasurement and the live cost
// model (makeGpuCostModel; the cost-model factory makes it through LiveCostModels), which runs
// its whole-schedule checks on the same context. No process-wide device exists in the engine.
// Everything but gpuOptionsFromEnvironment is defined by the GPU runtime (gpu/device.cpp) or,
// without CUDA, by gpu/gpu_absent.cpp.
//
// Creating a context opens nothing, so a front end may hold one on a machine without a GPU. The
// device is opened on first use; an open that fails throws RuntimeFailure with CUDA's reason
// and is tried again on the next use. CUDA-free, so every front end builds without CUDA (then
// every use says the runtime is absent). Thread-safe; it must outlive the cost models and runs
// that use it.
//
// The runtime's and the live profiler's switches (GpuOptions) are given to the context; nothing
// in the engine reads the environment for them. Front ends that honour the documented
// IOSCOPE_PROFILER_*, IOSCOPE_CUDNN_GRAPH and IOSCOPE_CONV_LOG variables read them once with
// gpuOptionsFromEnvironment().
#include "cost/gpu_cost_model.h"
#include "cost/replay_samples.h"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace ioscope {

namespace gpu {
class Device; // gpu/device.h
}

// How the live profiler (gpu/stage_profiler.cpp) measures; the defaults are what it should do,
// the rest is for inspecting and comparing it on a GPU (docs/gpu-runtime.md).
struct ProfilerOptions {
    bool stats = false; // where the time goes, on stderr (IOSCOPE_PROFILER_STATS set)
    // The L2 flush before each stage: Auto flushes when the network does not fit in half the L2
    // (IOSCOPE_PROFILER_FLUSH unset); "0" never, "1" always.
    enum class Flush { Auto, Never, Always } flush = Flush::Auto;
    // One batch replayed while the next is captured; off, one after the other
    // (IOSCOPE_PROFILER_PIPELINE=0 turns it off).
    bool pipeline = true;
    // Graph mode: batches assembled from the programs' own graphs (gpu/child_graphs.h) instead of
    // re-capturing their cuDNN calls (IOSCOPE_PROFILER_CHILD_GRAPHS=0 turns it off).
    bool childGraphs = true;
    // Replays per batch: at least min, at most max (IOSCOPE_PROFILER_REPLAYS=MIN or MIN-MAX, for
    // measuring what fewer replays cost in the search's answers).
    int minReplays = ReplaySampling{}.minSamples, maxReplays = ReplaySampling{}.maxSamples;
    // Bytes the flush reads, as a multiple of the L2 size (IOSCOPE_PROFILER_FLUSH_L2=X).
    double flushL2Multiple = 2.0;
    bool operator==(const ProfilerOptions&) const = default;
};

// The ways a convolution can run (gpu/op_program.cpp measures those that apply and keeps the
// fastest): cuDNN's legacy fused call, the plain conv and an epilogue kernel, the conv into a dense
// buffer, the cuDNN operation graph, ioscope's dense kernel (1x1 maps), a cuBLAS GEMM (pointwise);
// and for a scale-shift joined to the 1x1 conv after it, ioscope's prologue GEMM kernel or a cuDNN
// operation graph with the scale-shift as its input prologue.
enum class ConvPath { Fastest, Fused, Plain, Dense, Graph, Gemv, Gemm, Prologue, PrologueGraph };
// "fused", "plain", "dense", "graph", "gemv", "gemm", "prologue", "prologue-graph"; empty for
// anything else.
std::optional<ConvPath> convPathFromString(std::string_view text);

struct GpuOptions {
    // Each convolution's candidates and chosen path on stderr (IOSCOPE_CONV_LOG=1).
    bool convLog = false;
    // One path kept wherever it applies instead of the fastest (IOSCOPE_CONV_PATH=NAME): for tests
    // that must exercise a path, and per-path A/B measurements.
    ConvPath convPath = ConvPath::Fastest;
    // 3-row pools at vertical stride 1 have two kernels, timed and the faster kept; one can be
    // kept instead (IOSCOPE_POOL_KERNEL=tile|slide: tests, A/B measurements).
    enum class PoolKernel { Fastest, Tile, Slide } poolKernel = PoolKernel::Fastest;
    // Depthwise convs with nothing applied on load run in ioscope's row kernel or its staged-tile
    // kernel, timed in fp32/tf32 and the faster kept; one can be kept instead wherever it applies, or
    // cuDNN's grouped conv run (IOSCOPE_DEPTHWISE_KERNEL=row|tile|cudnn: tests, A/B). With cudnn, no
    // epilogue or ReLU op is left to a depthwise conv, so cuDNN runs every one of them. With timed,
    // ioscope's kernel and cuDNN (after an element-wise pass for what is applied on load) are timed
    // per problem and the faster kept.
    enum class DepthwiseKernel {
        Fastest,
        Row,
        Tile,
        Library,
        Timed
    } depthwiseKernel = DepthwiseKernel::Fastest;
    // Whether ioscope's kernels run depthwise convs (and so may apply a producer's epilogue on load).
    bool ownDepthwiseKernels() const { return depthwiseKernel != DepthwiseKernel::Library; }
    // Output columns one thread of the depthwise row kernel computes, 1 or 4; 0: four in fp32 and tf32,
    // one in 16-bit types (IOSCOPE_DEPTHWISE_COLUMNS=1|4 forces one). Four reuse each loaded pixel and the
    // row's weights across neighbouring outputs: on an H100 at batch 16, tf32 nasnetalarge 5.1 % and
    // pnasnet5large 6.3 % faster, none of five networks slower at batch 1; fp16 slower everywhere
    // (nasnetalarge b1 3.19 -> 4.43 ms): at 8 channels a thread it takes 80-122 registers (the row
    // kernel 39-56; ptxas, no spills), so two or three 256-thread blocks a multiprocessor, and a
    // quarter of the threads (a batch-1 42x42 map of 168 channels: 42 blocks for 132 multiprocessors).
    int depthwiseColumns = 0;
    // Channels per thread of the one-column row kernel at most (IOSCOPE_DEPTHWISE_VECTOR=1|2|4|8: A/B,
    // tests). 0: in fp16 and bf16 the widest vector that fits, its half and its quarter (down to two
    // channels) are timed per problem and the fastest kept, where nothing forces a kernel; a small
    // map (nasnetalarge at batch 1: 42x42x168 is 37 k threads of 8 channels, a quarter of what 132
    // multiprocessors hold) gets more threads, each with a shorter chain of loads.
    int depthwiseVector = 0;
    // fp16/bf16: the row kernel reads its weights in the run's type, one 16-byte load per tap and
    // pack instead of two fp32 ones (IOSCOPE_DEPTHWISE_WEIGHTS=typed: A/B; weights then rounded to
    // the run's type, as cuDNN's convs take them).
    bool depthwiseTypedWeights = false;
    // The prologue GEMM kernel's block shapes are timed and the fastest kept; one can be kept
    // instead (IOSCOPE_PROLOGUE_TILE=N, 0 to gpu::kPrologueGemmTiles - 1: tests, A/B); -1 times them.
    int prologueTile = -1;
    // Pointwise GEMMs take bias, ReLU and a residual in cuBLASLt's epilogue (IOSCOPE_GEMM_EPILOGUE=0
    // turns it off for A/B measurements: cublasGemmEx and the epilogue kernel).
    bool gemmEpilogues = true;
    // The conv + epilogue as one cuDNN operation graph is a candidate (IOSCOPE_CUDNN_GRAPH=0 turns
    // it off for A/B measurements) ...
    bool fusedConvGraphs = true;
    // ... and, with IOSCOPE_CUDNN_GRAPH=rtc, so are engines that compile a kernel per shape (seconds each).
    bool runtimeCompiledEngines = false;
    // fp16 and bf16 keep fp32 accumulation: cuDNN engines noted as reducing in reduced precision are
    // left out unless asked for (IOSCOPE_CUDNN_REDUCED_PRECISION=1: diagnostics, A/B; PyTorch takes them).
    bool reducedPrecisionReduction = false;
    ProfilerOptions profiler;
    bool operator==(const GpuOptions&) const = default;
};

// The switches as the environment variables above set them (the defaults where unset).
GpuOptions gpuOptionsFromEnvironment();

struct GpuStatus {
    bool available = false;
    std::string reason;   // why not, when unavailable
    std::string device;   // "NVIDIA H100 80GB HBM3"
    std::string versions; // "CUDA 13.0, cuDNN 9.x"
};

class GpuContext : public LiveCostModels {
  public:
    explicit GpuContext(GpuOptions options = {});
    ~GpuContext() override;
    GpuContext(const GpuContext&) = delete;
    GpuContext& operator=(const GpuContext&) = delete;

    // Opens the device if need be; whether it is usable, and why not.
    GpuStatus status();
    // The runtime's device (for engine/gpu): opened on first use; throws RuntimeFailure when
    // none is usable or the build has no GPU runtime.
    gpu::Device& device();
    const GpuOptions& options() const { return options_; }
    // makeGpuCostModel(*this, mode, record).
    std::unique_ptr<CostModel> makeLiveCostModel(ExecMode mode,
                                                 std::shared_ptr<ProfileCache> record = nullptr) override;

  private:
    struct DeviceDeleter {
        void operator()(gpu::Device* d) const;
    };
    const GpuOptions options_;
    std::mutex mutex_;
    std::unique_ptr<gpu::Device, DeviceDeleter> device_;
};

} // namespace ioscope
