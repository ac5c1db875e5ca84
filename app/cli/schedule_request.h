#pragma once
// `ioscope-cli schedule`'s arguments as the pipeline's request (pipeline/schedule_pipeline.h);
// separate so tests can check the CLI asks what the explorer asks for the same choices.
#include "cli_args.h"
#include "commands.h"
#include "pipeline/schedule_pipeline.h"

namespace ioscope::cli {

// The options `schedule` accepts, parsed (UsageError for unknown ones).
Args scheduleArgs(const ArgVector& argv);
// --scheduler, --strategy, -r, -s, --max-part-size, --max-streams, --batch, --precision, --layout
// and --time-limit (default 60 s); UsageError for bad values.
ScheduleRequest scheduleRequestFromArgs(const Args& args);

} // namespace ioscope::cli
