// executeOnGpu and friends: the CUDA side of gpu/gpu_execution.h.
#include "gpu/cupti_timeline.h"
#include "gpu/gpu_execution.h"
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

// The stage and op of each kernel of a graph replay, from a tagged stages-mode run of the same
// program. Stages are barriers, so the replay's kernels sorted by start fall into stages in the
// tagged run's counts; inside a stage, whose groups interleave, each kernel takes the op of the
// first unclaimed tagged kernel of that stage with the same name. Nothing is tagged when the
// kernel counts differ.
std::vector<LaunchTag> replayTags(const std::vector<RawKernel>& tagged, const std::vector<LaunchTag>& tagOf,
                                  const std::vector<RawKernel>& replay) {
    std::vector<LaunchTag> out(replay.size());
    if (replay.size() != tagged.size()) return out;
    std::vector<size_t> order(tagged.size()); // tagged kernels by (stage, start)
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return tagOf[a].stage < tagOf[b].stage; });
    for (size_t begin = 0; begin < order.size();) {
        size_t end = begin;
        while (end < order.size() && tagOf[order[end]].stage == tagOf[order[begin]].stage) ++end;
        std::vector<bool> claimed(end - begin, false);
        for (size_t r = begin; r < end; ++r) {
            out[r].stage = tagOf[order[begin]].stage;
            for (size_t t = begin; t < end; ++t) {
                if (claimed[t - begin] || tagged[order[t]].name != replay[r].name) continue;
                claimed[t - begin] = true;
                out[r].op = tagOf[order[t]].op;
                break;
            }
        }
        begin = end;
    }
    return out;
}

// The kernel timeline of one extra run: a tagged stages-mode run gives each stage's kernel
// count; in graph mode a graph run is recorded too and, since stages are barriers, its kernels
// sorted by start fall into stages in the same counts.
void recordTimeline(Device& d, ScheduleProgram& program, ExecMode mode, ExecutionResult& result) {
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
    // Kernels sorted by start: an untagged one belongs to the launch before it (stages are
    // barriers), those before the first tag to the first tagged launch.
    std::vector<LaunchTag> tagOf;
    for (const RawKernel& k : tagged) {
        LaunchTag t = decodeTag(k.tag);
        if (t.stage < 0 || t.stage >= program.stageCount()) t = tagOf.empty() ? LaunchTag{} : tagOf.back();
        tagOf.push_back(t);
    }
    const auto firstTagged =
        std::find_if(tagOf.begin(), tagOf.end(), [](const LaunchTag& t) { return t.stage >= 0; });
    if (firstTagged != tagOf.end()) std::fill(tagOf.begin(), firstTagged, *firstTagged);
    if (mode == ExecMode::Stages) {
        summarizeTimeline(tagged, tagOf, program.stageCount(), result);
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
    summarizeTimeline(replay, replayTags(tagged, tagOf, replay), program.stageCount(), result);
}

} // namespace

ExecutionResult executeOnGpu(GpuContext& gpu, const Graph& g, const Schedule& s,
                             const ExecutionOptions& options, CancelFlag cancel) {
    validateSchedule(g, s);
    if (options.run.batch < 1) throw InputError("batch must be at least 1");
    if (options.runs < 1 || options.warmup < 0)
        throw InputError("runs must be at least 1 and warm-up at least 0");
    Device& d = gpu.device();
    d.requirePrecision(options.run.precision);
    auto lock = d.lock();
    d.setPrecision(options.run.precision);
    ScheduleProgram program(d, g, s, options.run);
    program.uploadInputs(options.inputSeed, options.inputData);
    cudaStream_t stream = d.slot(0).stream;
    auto once = [&] {
        if (options.mode == ExecMode::Graph)
            program.graph().launch(stream);
        else
            program.launch();
    };
    for (int i = 0; i < options.warmup; ++i) {
        throwIfCancelled(cancel);
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
        throwIfCancelled(cancel);
        result.samplesMs.push_back(timeOnStream(stream, 1, once));
    }
    result.medianMs = percentile(result.samplesMs, 0.5);
    result.p10Ms = percentile(result.samplesMs, 0.1);
    result.p90Ms = percentile(result.samplesMs, 0.9);
    if (options.keepOutputs) result.outputs = program.downloadOutputs();
    if (options.utilization) {
        throwIfCancelled(cancel);
        recordTimeline(d, program, options.mode, result);
    }
    return result;
}

LayoutChoice chooseLayoutByMeasurement(GpuContext& gpu, const Graph& g, const ExecutionOptions& options) {
    const Schedule sequential = sequentialSchedule(g);
    ExecutionOptions o = options;
    o.utilization = false;
    o.keepOutputs = false;
    o.runs = std::min(o.runs, 50);
    LayoutChoice c;
    o.run.layout = Layout::Nhwc;
    c.nhwcMs = executeOnGpu(gpu, g, sequential, o).medianMs;
    o.run.layout = Layout::Nchw;
    c.nchwMs = executeOnGpu(gpu, g, sequential, o).medianMs;
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
