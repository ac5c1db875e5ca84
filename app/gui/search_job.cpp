#include "search_job.h"

#include "search_work.h"
#include "util/errors.h"

#include <QtConcurrent/QtConcurrentRun>

#include <chrono>

namespace ioscope::app {

quint64 SearchJob::start(std::shared_ptr<const Graph> graph, const SearchRequest& request,
                         std::shared_ptr<GpuContext> gpu) {
    const Ticket ticket = begin();
    const quint64 gen = ticket.generation;
    auto cancel = ticket.cancel;
    track(QtConcurrent::run(
        tsan::handOff(this, [this, graph = std::move(graph), request, gpu = std::move(gpu), gen, cancel] {
            using Clock = std::chrono::steady_clock;
            const auto t0 = Clock::now();
            auto lastPost = t0 - std::chrono::seconds(1);
            // The scheduler may call back thousands of times a second; the GUI needs ~20.
            const ProgressCallback onProgress = [&](const Progress& p) {
                const auto now = Clock::now();
                if (now - lastPost < std::chrono::milliseconds(50) && p.fraction < 1.0) return;
                lastPost = now;
                SearchStatus s;
                s.progress = p;
                s.seconds = std::chrono::duration<double>(now - t0).count();
                if (s.seconds > 0) {
                    s.statesPerSecond = double(p.states) / s.seconds;
                    s.stagesPerSecond = double(p.stagesCosted) / s.seconds;
                }
                post([this, gen, s] {
                    if (isCurrent(gen)) emit progressed(s);
                });
            };
            try {
                auto runs = runSearch(*graph, request, *gpu, onProgress, cancel.get());
                finish(gen, [this, runs = std::move(runs)] { emit finished(runs); });
            } catch (const Cancelled&) {
                // cancel() already reported it; nothing to deliver.
            } catch (const std::exception& e) {
                const QString message = QString::fromUtf8(e.what());
                finish(gen, [this, message] { emit failed(message); });
            }
        })));
    return gen;
}

} // namespace ioscope::app
