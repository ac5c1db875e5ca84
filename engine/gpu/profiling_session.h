#pragma once
// What live profiling needs to run one graph's candidate stages at one run configuration: the
// executor's buffer plan (inputs filled with finite values), its program compiler, the
// programs of single ops (compiled once) and of merge candidates (built per batch, freed after
// it), and the child graphs the profiler assembles batches from.
#include "cost/cost_model.h"
#include "gpu/buffer_plan.h"
#include "gpu/child_graphs.h"
#include "gpu/op_program.h"
#include "schedule/schedule.h"

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ioscope::gpu {

// groups[g] = the programs group g of a stage runs, in order (as launchStage takes them).
using StageGroups = std::vector<std::vector<const Program*>>;

class ProfilingSession {
  public:
    ProfilingSession(Device& device, const Graph& g, const RunConfig& run);

    const Graph& graph() const { return *graph_; }
    // The same content under a new object (the caller rebuilt an equal graph).
    void rebind(const Graph& g) { graph_ = &g; }
    const std::string& hash() const { return hash_; }
    const RunConfig& run() const { return run_; }

    // The programs a stage runs: one merged convolution for a merge stage, one program per
    // op in each group otherwise. Merge programs are tagged with the current batch.
    StageGroups stageGroups(const Stage& stage);
    const Program& opProgram(OpId id);

    // Batches are numbered; merge programs last used by batch `index` or earlier are freed
    // once it is measured (with their child graphs).
    size_t beginBatch() { return ++batch_; }
    void releaseMergesUpTo(size_t index);

    // Bytes a whole run touches: weights (fp32) and activations at the run's batch.
    double workingSetBytes() const;

    ChildGraphs& childGraphs() { return children_; }

    double boundaryMs = 0; // what a stage's timing boundary costs in a whole run (calibration)
    bool flush = true;     // whether stages are timed after an L2 flush

  private:
    const Program& mergedProgram(std::vector<OpId> ops);

    struct Merged {
        std::unique_ptr<DeviceBuffer> buffer; // own output, when the members' slices are apart
        std::unique_ptr<Program> program;
        size_t lastBatch = 0;
    };
    const Graph* graph_;
    std::string hash_;
    RunConfig run_;
    std::unique_ptr<BufferPlan> plan_;
    std::unique_ptr<ProgramCompiler> compiler_;
    std::unordered_map<OpId, std::unique_ptr<Program>> programs_;
    std::map<std::vector<OpId>, Merged> merged_;
    size_t batch_ = 0;
    ChildGraphs children_;
};

} // namespace ioscope::gpu
