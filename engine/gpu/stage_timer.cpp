#include "gpu/stage_timer.h"

#include "gpu/kernels.h"

#include <algorithm>
#include <chrono>

namespace ioscope::gpu {

namespace {
using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}
constexpr int kOneByOneSamples = 5; // timed runs per stage when stages are timed one by one
} // namespace

StageTimer::StageTimer(Device& device, bool graphMode, bool childGraphs, ReplaySampling sampling,
                       double flushL2Multiple)
    : device_(device), graphMode_(graphMode), childGraphs_(childGraphs), sampling_(sampling),
      flushL2Multiple_(flushL2Multiple) {}

StageTimer::~StageTimer() {
    for (const auto& set : events_)
        for (cudaEvent_t e : set) cudaEventDestroy(e);
    if (replayDone_) cudaEventDestroy(replayDone_);
    if (replayStream_) cudaStreamDestroy(replayStream_);
}

void StageTimer::use(ProfilingSession& session) {
    flushing_ = session.flush;
    children_ = graphMode_ && childGraphs_ ? &session.childGraphs() : nullptr;
    if (!flush_) {
        const size_t bytes = std::max<size_t>(
            size_t(flushL2Multiple_ * double(device_.l2CacheBytes())) & ~size_t(15), size_t(16) << 20);
        flush_ = std::make_unique<DeviceBuffer>(bytes, "cache flush buffer");
        flushSink_ = std::make_unique<DeviceBuffer>(sizeof(float), "cache flush sink");
    }
}

std::vector<cudaEvent_t>& StageTimer::timingEvents(int set, size_t count) {
    std::vector<cudaEvent_t>& events = events_[size_t(set)];
    while (events.size() < count) {
        cudaEvent_t e = nullptr;
        IOSCOPE_CHECK(cudaEventCreate(&e));
        events.push_back(e);
    }
    return events;
}

// Evicts the L2 cache before a timed stage. Batches hold many stages over the same ops, so
// without it a stage would find its weights in L2 where a whole run reads them from memory: on
// the H200 that made concurrent fp32 stages look up to a third faster than they run. Sessions
// whose network fits in L2 turn it off (ProfilingSession::flush).
void StageTimer::flushCache(cudaStream_t stream) {
    if (!flushing_) return;
    launchCacheFlush(flush_->floats(), static_cast<long long>(flush_->bytes() / sizeof(float)),
                     flushSink_->floats(), stream);
}

// Enqueues the stages on slot 0, each after a cache flush and between two timing events.
void StageTimer::enqueueTimed(const std::vector<StageGroups>& stages, const std::vector<cudaEvent_t>& marks,
                              bool captured) {
    ProgramLauncher launcher;
    if (captured && children_) launcher = [this](const Program& p, Slot& s) { children_->append(p, s); };
    cudaStream_t stream = device_.slot(0).stream;
    auto mark = [&](size_t i) {
        IOSCOPE_CHECK(captured ? cudaEventRecordWithFlags(marks[i], stream, cudaEventRecordExternal)
                               : cudaEventRecord(marks[i], stream));
    };
    for (size_t i = 0; i < stages.size(); ++i) {
        flushCache(stream);
        mark(2 * i);
        launchStage(device_, stages[i], launcher);
        mark(2 * i + 1);
    }
}

// With child graphs on, captures the programs of `stages` not captured yet (before the batch's
// own capture begins: a stream cannot capture two graphs at once).
void StageTimer::prepareChildren(const std::vector<StageGroups>& stages) {
    if (!children_) return;
    for (const StageGroups& stage : stages) children_->prepare(device_, stage);
}

void StageTimer::capture(Batch& batch, int eventSet) {
    const auto start = Clock::now();
    batch.eventSet = eventSet;
    const std::vector<cudaEvent_t>& marks = timingEvents(eventSet, 2 * batch.stages.size());
    batch.graph = std::make_unique<CapturedGraph>();
    prepareChildren(batch.stages);
    batch.graph->capture(device_, [&] { enqueueTimed(batch.stages, marks, true); });
    stats_.captureS += secondsSince(start);
    stats_.instantiateS += batch.graph->instantiateSeconds();
}

std::optional<std::vector<double>> StageTimer::replay(const Batch& batch) {
    IOSCOPE_CHECK(cudaSetDevice(0));
    const auto start = Clock::now();
    if (!replayStream_) {
        IOSCOPE_CHECK(cudaStreamCreateWithFlags(&replayStream_, cudaStreamNonBlocking));
        IOSCOPE_CHECK(cudaEventCreateWithFlags(&replayDone_, cudaEventBlockingSync | cudaEventDisableTiming));
    }
    const std::vector<cudaEvent_t>& marks = events_[size_t(batch.eventSet)];
    // Waits asleep: a spinning wait polls the driver, and its locks then slow the capture
    // running in the other thread (RandWire: 1.3 ms instead of 0.4 ms per stage captured).
    std::optional<std::vector<double>> medians = readMarks(batch.stages.size(), marks, [&] {
        batch.graph->launch(replayStream_);
        IOSCOPE_CHECK(cudaEventRecord(replayDone_, replayStream_));
        IOSCOPE_CHECK(cudaEventSynchronize(replayDone_));
    });
    stats_.replayS += secondsSince(start);
    return medians;
}

// Runs `once` (which must finish the work) as many times as the adaptive rule asks for and
// reads the median time of each stage between its two marks. No warm-up run: every stage starts
// behind a flush or a join anyway, and the median of at least three runs sheds a slow first one.
std::optional<std::vector<double>> StageTimer::readMarks(size_t n, const std::vector<cudaEvent_t>& marks,
                                                         const std::function<void()>& once) {
    ReplaySamples samples(n);
    std::vector<double> replayMs(n);
    while (!samples.enough(sampling_)) {
        once();
        for (size_t i = 0; i < n; ++i) {
            float ms = 0;
            if (cudaEventElapsedTime(&ms, marks[2 * i], marks[2 * i + 1]) != cudaSuccess) {
                cudaGetLastError();
                return std::nullopt;
            }
            replayMs[i] = ms;
        }
        samples.add(replayMs);
        if (samples.replays() == size_t(sampling_.minSamples))
            stats_.settledAtMin += samples.settledShare(sampling_);
    }
    stats_.replays += samples.replays();
    ++stats_.batches;
    return samples.medians();
}

std::vector<double> StageTimer::measure(const std::vector<StageGroups>& stages) {
    if (!inGraphTiming_) return measureOneByOne(stages);
    const std::vector<cudaEvent_t>& marks = timingEvents(0, 2 * stages.size());
    cudaStream_t stream = device_.slot(0).stream;
    const auto captureStart = Clock::now();
    if (graphMode_) prepareChildren(stages);
    const ModeLaunch once(device_, graphMode_, [&] { enqueueTimed(stages, marks, graphMode_); });
    stats_.captureS += secondsSince(captureStart);
    const auto replayStart = Clock::now();
    std::optional<std::vector<double>> medians = readMarks(stages.size(), marks, [&] {
        once(stream);
        IOSCOPE_CHECK(cudaStreamSynchronize(stream));
    });
    stats_.replayS += secondsSince(replayStart);
    return medians ? *medians : measureOneByOne(stages);
}

std::vector<double> StageTimer::measureOneByOne(const std::vector<StageGroups>& stages) {
    inGraphTiming_ = false;
    cudaStream_t stream = device_.slot(0).stream;
    std::vector<double> medians;
    for (const StageGroups& stage : stages) {
        const ModeLaunch once(device_, graphMode_, [&] { launchStage(device_, stage); });
        once(stream);
        std::vector<double> samples;
        for (int k = 0; k < kOneByOneSamples; ++k) {
            flushCache(stream);
            samples.push_back(timeOnStream(stream, 1, [&] { once(stream); }));
        }
        medians.push_back(medianOf(samples));
    }
    return medians;
}

} // namespace ioscope::gpu
