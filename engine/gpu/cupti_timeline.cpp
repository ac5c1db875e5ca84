#include "gpu/cupti_timeline.h"

#include "gpu/cuda_check.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>

namespace ioscope::gpu {
namespace {

constexpr size_t kBufferBytes = size_t(8) << 20;

struct Collected {
    std::mutex mutex;
    std::vector<RawKernel> kernels;
    std::map<std::uint32_t, std::uint64_t> external; // correlation id -> stage tag
};
Collected& collected() {
    static Collected c;
    return c;
}

void CUPTIAPI bufferRequested(uint8_t** buffer, size_t* size, size_t* maxRecords) {
    *buffer = static_cast<uint8_t*>(std::aligned_alloc(8, kBufferBytes));
    *size = *buffer ? kBufferBytes : 0;
    *maxRecords = 0;
}

void CUPTIAPI bufferCompleted(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t valid) {
    Collected& c = collected();
    std::lock_guard lock(c.mutex);
    CUpti_Activity* record = nullptr;
    while (cuptiActivityGetNextRecord(buffer, valid, &record) == CUPTI_SUCCESS) {
        if (record->kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL) {
            const auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(record);
            c.kernels.push_back(
                {k->start, k->end, k->streamId, k->correlationId, -1, k->name ? k->name : "?"});
        } else if (record->kind == CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION) {
            const auto* e = reinterpret_cast<const CUpti_ActivityExternalCorrelation*>(record);
            c.external[e->correlationId] = e->externalId;
        }
    }
    std::free(buffer);
}

} // namespace

void KernelRecorder::start() {
    {
        std::lock_guard lock(collected().mutex);
        collected().kernels.clear();
        collected().external.clear();
    }
    IOSCOPE_CHECK(cuptiActivityRegisterCallbacks(bufferRequested, bufferCompleted));
    IOSCOPE_CHECK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL));
    IOSCOPE_CHECK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION));
    // External-correlation records are emitted for API records, so the APIs are recorded too.
    IOSCOPE_CHECK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_RUNTIME));
    IOSCOPE_CHECK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_DRIVER));
}

std::vector<RawKernel> KernelRecorder::stop() {
    IOSCOPE_CHECK(cudaDeviceSynchronize()); // once, after the recorded run: every record is final
    IOSCOPE_CHECK(cuptiActivityFlushAll(1));
    cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
    cuptiActivityDisable(CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION);
    cuptiActivityDisable(CUPTI_ACTIVITY_KIND_RUNTIME);
    cuptiActivityDisable(CUPTI_ACTIVITY_KIND_DRIVER);
    Collected& c = collected();
    std::lock_guard lock(c.mutex);
    std::vector<RawKernel> out = std::move(c.kernels);
    c.kernels.clear();
    for (RawKernel& k : out) {
        auto it = c.external.find(k.correlation);
        if (it != c.external.end()) k.tag = static_cast<std::int64_t>(it->second);
    }
    std::sort(out.begin(), out.end(),
              [](const RawKernel& a, const RawKernel& b) { return a.start < b.start; });
    return out;
}

void KernelRecorder::pushTag(std::uint64_t tag) {
    IOSCOPE_CHECK(cuptiActivityPushExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, tag));
}

void KernelRecorder::popTag() {
    std::uint64_t last = 0;
    IOSCOPE_CHECK(cuptiActivityPopExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, &last));
}

std::uint64_t encodeTag(const LaunchTag& t) {
    return (std::uint64_t(std::uint32_t(t.stage)) << 32) | std::uint32_t(t.op + 1);
}

LaunchTag decodeTag(std::int64_t tag) {
    if (tag < 0) return {};
    return {int(std::uint64_t(tag) >> 32), OpId(std::uint32_t(tag)) - 1};
}

void summarizeTimeline(const std::vector<RawKernel>& kernels, const std::vector<LaunchTag>& tagOf,
                       int stageCount, ExecutionResult& result) {
    result.kernels.clear();
    result.stageMs.assign(static_cast<size_t>(stageCount), 0.0);
    if (kernels.empty()) return;
    const std::uint64_t t0 = kernels.front().start;
    std::uint64_t tEnd = t0, busy = 0, sum = 0, coveredTo = t0;
    std::map<std::uint32_t, int> streamIndex;
    std::vector<std::uint64_t> stageStart(static_cast<size_t>(stageCount), UINT64_MAX),
        stageEnd(static_cast<size_t>(stageCount), 0);
    for (size_t i = 0; i < kernels.size(); ++i) {
        const RawKernel& k = kernels[i];
        // Union of busy intervals (kernels sorted by start).
        if (k.end > coveredTo) {
            busy += k.end - std::max(k.start, coveredTo);
            coveredTo = k.end;
        }
        sum += k.end - k.start;
        tEnd = std::max(tEnd, k.end);
        const int stream = streamIndex.emplace(k.stream, int(streamIndex.size())).first->second;
        const LaunchTag tag = i < tagOf.size() ? tagOf[i] : LaunchTag{};
        const int stage = tag.stage;
        result.kernels.push_back(
            {k.name, double(k.start - t0) / 1e6, double(k.end - t0) / 1e6, stream, stage, tag.op});
        if (stage >= 0 && stage < stageCount) {
            stageStart[size_t(stage)] = std::min(stageStart[size_t(stage)], k.start);
            stageEnd[size_t(stage)] = std::max(stageEnd[size_t(stage)], k.end);
        }
    }
    const double wall = double(tEnd - t0);
    result.busyFraction = wall > 0 ? double(busy) / wall : 0;
    result.meanConcurrency = wall > 0 ? double(sum) / wall : 0;
    // A stage lasts from its first kernel's start to the next stage's first start (its share of
    // the launch gaps included); the last one ends with its last kernel.
    for (int s = 0; s < stageCount; ++s) {
        if (stageStart[size_t(s)] == UINT64_MAX) continue;
        std::uint64_t next = stageEnd[size_t(s)];
        for (int t = s + 1; t < stageCount; ++t)
            if (stageStart[size_t(t)] != UINT64_MAX) {
                next = stageStart[size_t(t)];
                break;
            }
        result.stageMs[size_t(s)] = double(next - stageStart[size_t(s)]) / 1e6;
    }
}

} // namespace ioscope::gpu
