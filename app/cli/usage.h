#pragma once
// ioscope-cli's help texts: the overview (`--help`) and one page per command (`help COMMAND`,
// `COMMAND --help`). The man page, docs/ioscope-cli.1, says the same at more length.
#include <optional>
#include <string>
#include <vector>

namespace ioscope::cli {

const std::string& overviewUsage();
// The help page of `command`, or nothing for an unknown command.
std::optional<std::string> commandUsage(const std::string& command);
// Every command, in the overview's order.
const std::vector<std::string>& commandNames();
// "ioscope-cli 0.1.0": the version of the CMake project it was built from.
std::string versionLine();

} // namespace ioscope::cli
