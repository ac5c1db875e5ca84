#pragma once
// One function per ioscope-cli command (docs/semantics.md, "Command line contract"). Each returns the exit
// status and throws UsageError / InputError (exit 2) or RuntimeFailure (exit 1); main() maps them.
#include <string>
#include <vector>

namespace ioscope::cli {

using ArgVector = std::vector<std::string>;

int runInfo(const ArgVector& args);        // cmd_info.cpp
int runExportModel(const ArgVector& args); // cmd_export_model.cpp
int runSchedule(const ArgVector& args);    // cmd_schedule.cpp
int runEvaluate(const ArgVector& args);    // cmd_evaluate.cpp
int runTrace(const ArgVector& args);       // cmd_trace.cpp
int runExecute(const ArgVector& args);     // cmd_execute.cpp
int runProfile(const ArgVector& args);     // cmd_profile.cpp

} // namespace ioscope::cli
