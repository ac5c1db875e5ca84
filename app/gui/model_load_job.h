#pragma once
// Loads and analyses a model on a worker (ONNX files and NasNet's width take a moment).
#include "job_runner.h"
#include "loaded_model.h"

namespace ioscope::app {

class ModelLoadJob : public JobRunner {
    Q_OBJECT
  public:
    using JobRunner::JobRunner;
    quint64 start(const QString& spec);

  signals:
    void loaded(const ioscope::app::LoadedModel& model);
    // `message` names the file and the place ("FILE: what is wrong, where").
    void failed(const QString& spec, const QString& message);
};

} // namespace ioscope::app
