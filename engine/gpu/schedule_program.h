#pragma once
// A schedule compiled for the device: its buffer plan, one program per op (a merge stage's
// members share one merged program) and, per stage, the programs each group runs.
#include "gpu/gpu_execution.h"
#include "gpu/op_program.h"
#include "gpu/stage_launch.h"

#include <memory>
#include <vector>

namespace ioscope::gpu {

class ScheduleProgram {
  public:
    ScheduleProgram(Device& device, const Graph& g, const Schedule& s, const RunConfig& run);

    // Uploads input k = seededInput(shape, batch, seed + k) into every Input op's buffer.
    // Seeded inputs (as the CPU reference's), or `given` values (NCHW, one per Input op) when any.
    void uploadInputs(std::uint64_t seed, const std::vector<std::vector<float>>& given = {});
    // Enqueues one whole run on slot 0 (stages mode); `tagStages` tags each program's launches
    // for CUPTI.
    void launch(bool tagStages = false) const;
    // Captures launch() once into a CUDA graph (graph mode).
    CapturedGraph& graph();
    std::vector<OutputTensor> downloadOutputs() const;
    int slots() const { return slots_; }
    int stageCount() const { return static_cast<int>(stages_.size()); }

  private:
    Device& device_;
    const Graph& g_;
    RunConfig run_;
    int slots_ = 1;
    std::unique_ptr<BufferPlan> plan_;
    std::vector<Program> programs_;
    std::vector<std::vector<std::vector<const Program*>>> stages_;
    std::unique_ptr<CapturedGraph> graph_;
};

} // namespace ioscope::gpu
