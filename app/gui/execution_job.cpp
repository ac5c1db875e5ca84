#include "execution_job.h"

#include "util/cancel.h"
#include "util/errors.h"

#include <QtConcurrent/QtConcurrentRun>

namespace ioscope::app {

quint64 ExecutionJob::start(std::shared_ptr<const Graph> graph, std::vector<Item> items,
                            const ExecutionOptions& options, std::shared_ptr<GpuContext> gpu) {
    const Ticket ticket = begin();
    const quint64 gen = ticket.generation;
    auto cancel = ticket.cancel;
    track(QtConcurrent::run(tsan::handOff(this, [this, graph = std::move(graph), items = std::move(items),
                                                 options, gpu = std::move(gpu), gen, cancel] {
        try {
            const int total = int(items.size());
            for (int i = 0; i < total; ++i) {
                throwIfCancelled(cancel.get());
                ExecutionResult r =
                    executeOnGpu(*gpu, *graph, items[size_t(i)].schedule, options, cancel.get());
                post([this, gen, id = items[size_t(i)].runId, r = std::move(r), i, total] {
                    if (!isCurrent(gen)) return;
                    emit executed(id, r);
                    emit progressed(i + 1, total);
                });
            }
            finish(gen, [this] { emit finished(); });
        } catch (const Cancelled&) {
        } catch (const std::exception& e) {
            const QString message = QString::fromUtf8(e.what());
            finish(gen, [this, message] { emit failed(message); });
        }
    })));
    return gen;
}

} // namespace ioscope::app
