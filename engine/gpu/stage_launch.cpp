#include "gpu/stage_launch.h"

#include <chrono>

namespace ioscope::gpu {

void launchStage(Device& device, const std::vector<std::vector<const Program*>>& groups,
                 const ProgramLauncher& launcher) {
    auto put = [&](const Program* p, Slot& slot) {
        if (launcher)
            launcher(*p, slot);
        else
            p->launch(slot);
    };
    Slot& main = device.slot(0);
    if (groups.size() == 1) {
        for (const Program* p : groups.front()) put(p, main);
        return;
    }
    IOSCOPE_CHECK(cudaEventRecord(device.forkEvent(), main.stream));
    for (size_t g = 1; g < groups.size(); ++g)
        IOSCOPE_CHECK(cudaStreamWaitEvent(device.slot(int(g)).stream, device.forkEvent(), 0));
    // Side groups first so their kernels are queued while slot 0 issues its own.
    for (size_t g = 1; g < groups.size(); ++g) {
        Slot& s = device.slot(int(g));
        for (const Program* p : groups[g]) put(p, s);
        IOSCOPE_CHECK(cudaEventRecord(s.join, s.stream));
    }
    for (const Program* p : groups.front()) put(p, main);
    for (size_t g = 1; g < groups.size(); ++g)
        IOSCOPE_CHECK(cudaStreamWaitEvent(main.stream, device.slot(int(g)).join, 0));
}

CapturedGraph::~CapturedGraph() {
    if (exec_) cudaGraphExecDestroy(exec_);
    if (graph_) cudaGraphDestroy(graph_);
}

void CapturedGraph::begin(Device& device) {
    IOSCOPE_CHECK(cudaStreamBeginCapture(device.slot(0).stream, cudaStreamCaptureModeThreadLocal));
}

void CapturedGraph::end(Device& device) {
    IOSCOPE_CHECK(cudaStreamEndCapture(device.slot(0).stream, &graph_));
    const auto start = std::chrono::steady_clock::now();
    IOSCOPE_CHECK(cudaGraphInstantiate(&exec_, graph_, 0));
    instantiateS_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void CapturedGraph::abort(Device& device) {
    cudaGraph_t partial = nullptr;
    cudaStreamEndCapture(device.slot(0).stream, &partial);
    if (partial) cudaGraphDestroy(partial);
    cudaGetLastError();
}

void CapturedGraph::launch(cudaStream_t stream) const {
    IOSCOPE_CHECK(cudaGraphLaunch(exec_, stream));
}

void CapturedGraph::reinstantiate() {
    if (exec_) cudaGraphExecDestroy(exec_);
    exec_ = nullptr;
    IOSCOPE_CHECK(cudaGraphInstantiate(&exec_, graph_, 0));
}

size_t CapturedGraph::nodeCount() const {
    size_t count = 0;
    if (graph_) cudaGraphGetNodes(graph_, nullptr, &count);
    return count;
}

} // namespace ioscope::gpu
