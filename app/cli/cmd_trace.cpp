// Temporary until its owner lands the real command.
#include "cli_args.h"
#include "commands.h"
#include "util/errors.h"

namespace ioscope::cli {
int runTrace(const ArgVector&) { throw RuntimeFailure("'trace' is not available in this build yet"); }
} // namespace ioscope::cli
