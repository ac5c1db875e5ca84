#include "model_load_job.h"

#include <QtConcurrent/QtConcurrentRun>

namespace ioscope::app {

quint64 ModelLoadJob::start(const QString& spec) {
    const Ticket ticket = begin();
    const quint64 gen = ticket.generation;
    track(QtConcurrent::run(tsan::handOff(this, [this, spec, gen] {
        try {
            LoadedModel m = loadAndAnalyze(spec);
            finish(gen, [this, m = std::move(m)] { emit loaded(m); });
        } catch (const std::exception& e) {
            const QString message = QString::fromUtf8(e.what());
            finish(gen, [this, spec, message] { emit failed(spec, message); });
        }
    })));
    return gen;
}

} // namespace ioscope::app
