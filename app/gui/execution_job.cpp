#include "execution_job.h"

namespace ioscope::app {

quint64 ExecutionJob::start(std::shared_ptr<const Graph> graph, std::vector<Item> items,
                            const ExecutionOptions& options, std::shared_ptr<GpuContext> gpu) {
    return run(
        QStringLiteral("execution"),
        [this, graph = std::move(graph), items = std::move(items), options,
         gpu = std::move(gpu)](JobContext& job) {
            const int total = int(items.size());
            for (int i = 0; i < total; ++i) {
                throwIfCancelled(job.cancelFlag());
                ExecutionResult r =
                    executeOnGpu(*gpu, *graph, items[size_t(i)].schedule, options, job.cancelFlag());
                job.post([this, id = items[size_t(i)].runId, r = std::move(r), i, total] {
                    emit executed(id, r);
                    emit progressed(i + 1, total);
                });
            }
        },
        [this] { emit finished(); }, [this](const QString& message) { emit failed(message); });
}

} // namespace ioscope::app
