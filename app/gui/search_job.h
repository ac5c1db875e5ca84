#pragma once
// Runs a schedule search on a worker thread: progress (throttled), rates, best latency so far,
// prompt cancel, stale results dropped (see JobRunner).
#include "gpu/gpu_context.h"
#include "job_runner.h"
#include "schedule_run.h"

#include <memory>
#include <vector>

namespace ioscope::app {

struct SearchStatus {
    Progress progress;
    double seconds = 0;
    double statesPerSecond = 0;
    double stagesPerSecond = 0;
};

class SearchJob : public JobRunner {
    Q_OBJECT
  public:
    using JobRunner::JobRunner;

    // Starts a search (cancelling one in flight) on `gpu`, which the worker keeps alive until it
    // is done. Returns its generation.
    quint64 start(std::shared_ptr<const Graph> graph, const SearchRequest& request,
                  std::shared_ptr<GpuContext> gpu);

  signals:
    void progressed(const ioscope::app::SearchStatus& status);
    // The requested run first, then its baselines.
    void finished(const std::vector<ioscope::app::ScheduleRun>& runs);
    void failed(const QString& message);
};

} // namespace ioscope::app
