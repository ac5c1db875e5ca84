#include "search_job.h"

#include "search_work.h"

namespace ioscope::app {

quint64 SearchJob::start(std::shared_ptr<const Graph> graph, const SearchRequest& request,
                         std::shared_ptr<GpuContext> gpu) {
    return run(
        QStringLiteral("search"),
        [this, graph = std::move(graph), request, gpu = std::move(gpu)](JobContext& job) {
            const ProgressCallback onProgress = [this, &job](const Progress& p) {
                SearchStatus s;
                s.progress = p;
                s.seconds = job.seconds();
                if (s.seconds > 0) {
                    s.statesPerSecond = double(p.states) / s.seconds;
                    s.stagesPerSecond = double(p.stagesCosted) / s.seconds;
                }
                job.progress(p.fraction >= 1.0, [this, s] { emit progressed(s); });
            };
            return runSearch(*graph, request, *gpu, onProgress, job.cancelFlag());
        },
        [this](const std::vector<ScheduleRun>& runs) { emit finished(runs); },
        [this](const QString& message) { emit failed(message); });
}

} // namespace ioscope::app
