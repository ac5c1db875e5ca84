#include "gpu/child_graphs.h"

namespace ioscope::gpu {

ChildGraphs::~ChildGraphs() {
    for (const auto& [key, graph] : graphs_) cudaGraphDestroy(graph);
}

void ChildGraphs::prepare(Device& device, const std::vector<std::vector<const Program*>>& groups) {
    for (size_t g = 0; g < groups.size(); ++g) {
        Slot& slot = device.slot(static_cast<int>(g));
        for (const Program* program : groups[g]) {
            const auto key = std::make_pair(program, static_cast<const Slot*>(&slot));
            if (graphs_.count(key)) continue;
            IOSCOPE_CHECK(cudaStreamBeginCapture(slot.stream, cudaStreamCaptureModeThreadLocal));
            try {
                program->launch(slot);
            } catch (...) {
                cudaGraph_t partial = nullptr;
                cudaStreamEndCapture(slot.stream, &partial);
                if (partial) cudaGraphDestroy(partial);
                cudaGetLastError();
                throw;
            }
            cudaGraph_t graph = nullptr;
            IOSCOPE_CHECK(cudaStreamEndCapture(slot.stream, &graph));
            graphs_.emplace(key, graph);
        }
    }
}

void ChildGraphs::append(const Program& program, Slot& slot) const {
    const auto it = graphs_.find(std::make_pair(&program, static_cast<const Slot*>(&slot)));
    if (it == graphs_.end())
        throw RuntimeFailure("internal: a profiled program was not captured for its slot");
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    cudaGraph_t graph = nullptr;
    const cudaGraphNode_t* dependencies = nullptr;
    size_t count = 0;
    IOSCOPE_CHECK(
        cudaStreamGetCaptureInfo(slot.stream, &status, nullptr, &graph, &dependencies, nullptr, &count));
    if (status != cudaStreamCaptureStatusActive)
        throw RuntimeFailure("internal: child graphs are appended to a running capture only");
    cudaGraphNode_t node = nullptr;
    IOSCOPE_CHECK(cudaGraphAddChildGraphNode(&node, graph, dependencies, count, it->second));
    IOSCOPE_CHECK(cudaStreamUpdateCaptureDependencies(slot.stream, &node, nullptr, 1,
                                                      cudaStreamSetCaptureDependencies));
}

void ChildGraphs::forget(const Program* program) {
    for (auto it = graphs_.begin(); it != graphs_.end();) {
        if (it->first.first == program) {
            cudaGraphDestroy(it->second);
            it = graphs_.erase(it);
        } else {
            ++it;
        }
    }
}

} // namespace ioscope::gpu
