#pragma once
// Executes schedules on the GPU on a worker thread, one after the other, reporting each result
// as it arrives; cancel stops between and inside runs.
#include "gpu/gpu_execution.h"
#include "job_runner.h"

#include <memory>
#include <vector>

namespace ioscope::app {

class ExecutionJob : public JobRunner {
    Q_OBJECT
  public:
    using JobRunner::JobRunner;

    struct Item {
        int runId = 0;
        Schedule schedule;
    };
    // Runs on `gpu`, which the worker keeps alive until it is done.
    quint64 start(std::shared_ptr<const Graph> graph, std::vector<Item> items,
                  const ExecutionOptions& options, std::shared_ptr<GpuContext> gpu);

  signals:
    void executed(int runId, const ioscope::ExecutionResult& result);
    void progressed(int done, int total);
    void finished();
    void failed(const QString& message);
};

} // namespace ioscope::app
