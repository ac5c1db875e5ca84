#pragma once
// Programs captured once each into their own CUDA graph (per slot they run on), so a batch of
// profiled stages can be assembled from child-graph nodes instead of re-enqueueing every cuDNN
// call: capturing a stage then costs a few graph API calls, not cuDNN's host work per call.
// Used by the profiler in graph mode; IOSCOPE_PROFILER_CHILD_GRAPHS=0 re-captures instead.
#include "gpu/op_program.h"

#include <map>
#include <utility>
#include <vector>

namespace ioscope::gpu {

class ChildGraphs {
  public:
    ChildGraphs() = default;
    ~ChildGraphs();
    ChildGraphs(const ChildGraphs&) = delete;
    ChildGraphs& operator=(const ChildGraphs&) = delete;

    // Captures every program of `groups` not captured yet for its slot (group g runs on slot
    // g, as launchStage runs it). No slot stream may be capturing.
    void prepare(Device& device, const std::vector<std::vector<const Program*>>& groups);
    // Adds the program's graph as a child node to the capture running on the slot's stream, in
    // place of enqueueing the program there.
    void append(const Program& program, Slot& slot) const;
    // Drops the graphs of a program about to be destroyed.
    void forget(const Program* program);
    size_t size() const { return graphs_.size(); }

  private:
    std::map<std::pair<const Program*, const Slot*>, cudaGraph_t> graphs_;
};

} // namespace ioscope::gpu
