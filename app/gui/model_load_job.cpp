#include "model_load_job.h"

namespace ioscope::app {

quint64 ModelLoadJob::start(const QString& spec) {
    return run(
        QStringLiteral("loading ") + spec, [spec](JobContext&) { return loadAndAnalyze(spec); },
        [this](const LoadedModel& m) { emit loaded(m); },
        [this, spec](const QString& message) { emit failed(spec, message); });
}

} // namespace ioscope::app
