// executeOnGpu and friends: the CUDA side of exec/gpu_execution.h.
#include "exec/gpu_execution.h"
#include "gpu/cupti_timeline.h"
#include "gpu/schedule_program.h"
#include "sched/scheduler.h"

#include <algorithm>
#include <cstdio>

namespace ioscope {

using namespace gpu;

namespace {

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double pos = q * double(v.size() - 1);
    const size_t lo = size_t(pos);
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

void checkCancel(const std::atomic<bool>* cancel) {
    if (cancel && cancel->load()) throw Cancelled();
}

// The kernel timeline of one extra run: a tagged stages-mode run gives each stage's kernel
// count; in graph mode a graph run is recorded too and, since stages are barriers, its kernels
// sorted by start fall into stages in the same counts.
void recordTimeline(ScheduleProgram& program, ExecMode mode, ExecutionResult& result) {
    Device& d = Device::instance();
    KernelRecorder recorder;
    // A first recorded run pays CUPTI's one-time instrumentation of each kernel; it is discarded.
    recorder.start();
    try {
        program.launch(true);
    } catch (...) {
        try {
            recorder.stop();
        } catch (...) {
        }
        throw;
    }
    recorder.stop();
    recorder.start();
    std::vector<RawKernel> tagged;
    try {
        program.launch(true);
        tagged = recorder.stop();
    } catch (...) {
        try {
            recorder.stop();
        } catch (...) {
        }
        throw;
    }
    std::vector<int> counts(static_cast<size_t>(program.stageCount()), 0);
    std::vector<int> stageOf;
    for (const RawKernel& k : tagged) {
        int s = k.tag >= 0 && k.tag < program.stageCount() ? int(k.tag) : -1;
        // Stages are barriers, so an untagged kernel belongs to the stage running when it started.
        if (s < 0 && !stageOf.empty()) s = stageOf.back();
        stageOf.push_back(s);
        if (s >= 0) ++counts[size_t(s)];
    }
    // Kernels launched before the first tag took effect belong to the first tagged stage.
    const auto firstTagged = std::find_if(stageOf.begin(), stageOf.end(), [](int s) { return s >= 0; });
    if (firstTagged != stageOf.end())
        for (auto it = stageOf.begin(); it != firstTagged; ++it) {
            *it = *firstTagged;
            ++counts[size_t(*firstTagged)];
        }
    if (mode == ExecMode::Stages) {
        summarizeTimeline(tagged, stageOf, program.stageCount(), result);
        return;
    }
    CapturedGraph& graph = program.graph();
    recorder.start();
    std::vector<RawKernel> replay;
    try {
        graph.reinstantiate(); // CUPTI sees kernels of graphs instantiated while it records
        graph.launch(d.slot(0).stream);
        IOSCOPE_CHECK(cudaStreamSynchronize(d.slot(0).stream));
        recorder.stop();
        recorder.start();
        graph.launch(d.slot(0).stream);
        replay = recorder.stop();
    } catch (...) {
        try {
            recorder.stop();
        } catch (...) {
        }
        throw;
    }
    stageOf.assign(replay.size(), -1);
    if (replay.size() == tagged.size()) {
        size_t i = 0;
        for (int s = 0; s < program.stageCount(); ++s)
            for (int c = 0; c < counts[size_t(s)]; ++c) stageOf[i++] = s;
    }
    summarizeTimeline(replay, stageOf, program.stageCount(), result);
}

} // namespace

GpuStatus gpuRuntimeStatus() {
    GpuStatus status;
    try {
        Device& d = Device::instance();
        status.available = true;
        status.device = d.name();
        status.versions = d.versions();
    } catch (const std::exception& e) {
        status.reason = e.what();
    }
    return status;
}

ExecutionResult executeOnGpu(const Graph& g, const Schedule& s, const ExecutionOptions& options,
                             const std::atomic<bool>* cancel) {
    validateSchedule(g, s);
    if (options.run.batch < 1) throw InputError("batch must be at least 1");
    if (options.runs < 1 || options.warmup < 0)
        throw InputError("runs must be at least 1 and warm-up at least 0");
    Device& d = Device::instance();
    d.requirePrecision(options.run.precision);
    auto lock = d.lock();
    d.setPrecision(options.run.precision);
    ScheduleProgram program(d, g, s, options.run);
    program.uploadInputs(options.inputSeed);
    cudaStream_t stream = d.slot(0).stream;
    auto once = [&] {
        if (options.mode == ExecMode::Graph)
            program.graph().launch(stream);
        else
            program.launch();
    };
    for (int i = 0; i < options.warmup; ++i) {
        checkCancel(cancel);
        once();
    }
    IOSCOPE_CHECK(cudaStreamSynchronize(stream));
    ExecutionResult result;
    result.device = d.name();
    result.versions = d.versions();
    result.streams = program.slots();
    // Each run timed alone (event, launch, event, wait): the latency of one inference, launch
    // overhead included, as a user sees it.
    for (int i = 0; i < options.runs; ++i) {
        checkCancel(cancel);
        result.samplesMs.push_back(timeOnStream(stream, 1, once));
    }
    result.medianMs = percentile(result.samplesMs, 0.5);
    result.p10Ms = percentile(result.samplesMs, 0.1);
    result.p90Ms = percentile(result.samplesMs, 0.9);
    if (options.keepOutputs) result.outputs = program.downloadOutputs();
    if (options.utilization) {
        checkCancel(cancel);
        recordTimeline(program, options.mode, result);
    }
    return result;
}

MeasuredChoice keepFasterMeasured(const Graph& g, const Schedule& searched, const ExecutionOptions& options,
                                  int maxStreams) {
    const Schedule sequential = sequentialSchedule(g), wavefront = wavefrontSchedule(g, maxStreams);
    ExecutionOptions o = options;
    o.utilization = false;
    o.keepOutputs = false;
    MeasuredChoice c;
    c.searchedMs = executeOnGpu(g, searched, o).medianMs;
    c.wavefrontMs = executeOnGpu(g, wavefront, o).medianMs;
    c.sequentialMs = executeOnGpu(g, sequential, o).medianMs;
    c.keptMs = c.searchedMs;
    c.schedule = searched;
    if (c.wavefrontMs < c.keptMs) {
        c.kept = "wavefront";
        c.keptMs = c.wavefrontMs;
        c.schedule = wavefront;
    }
    if (c.sequentialMs < c.keptMs) {
        c.kept = "sequential";
        c.keptMs = c.sequentialMs;
        c.schedule = sequential;
    }
    c.keptSearched = c.kept == "searched";
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "measured end to end: searched %.4f ms, wavefront %.4f ms, sequential %.4f ms; kept the %s "
                  "schedule (%.2fx sequential)",
                  c.searchedMs, c.wavefrontMs, c.sequentialMs, c.kept.c_str(), c.sequentialMs / c.keptMs);
    c.note = buf;
    return c;
}

LayoutChoice chooseLayoutByMeasurement(const Graph& g, const ExecutionOptions& options) {
    const Schedule sequential = sequentialSchedule(g);
    ExecutionOptions o = options;
    o.utilization = false;
    o.keepOutputs = false;
    o.runs = std::min(o.runs, 50);
    LayoutChoice c;
    o.run.layout = Layout::Nhwc;
    c.nhwcMs = executeOnGpu(g, sequential, o).medianMs;
    o.run.layout = Layout::Nchw;
    c.nchwMs = executeOnGpu(g, sequential, o).medianMs;
    c.layout = c.nchwMs < c.nhwcMs ? Layout::Nchw : Layout::Nhwc;
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "layout by measurement (sequential, %s): nhwc %.4f ms, nchw %.4f ms; using %s",
                  std::string(toString(o.run.precision)).c_str(), c.nhwcMs, c.nchwMs,
                  std::string(toString(c.layout)).c_str());
    c.note = buf;
    return c;
}

} // namespace ioscope
