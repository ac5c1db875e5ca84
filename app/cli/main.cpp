// ioscope-cli: dispatches to one command and maps errors to exit statuses: 0 success,
// 1 failure while running, 2 bad input or usage (docs/semantics.md, "Command line contract").
#include "cli_args.h"
#include "commands.h"
#include "usage.h"
#include "util/errors.h"
#include "util/printable.h"

#include <cstdio>
#include <exception>
#include <iostream>
#include <new>

namespace {

void error(const std::string& message) {
    std::cerr << "ioscope-cli: error: " << ioscope::printable(message) << "\n"; // always one line
}

} // namespace

int main(int argc, char** argv) {
    using namespace ioscope;
    if (argc < 2) {
        std::cerr << cli::overviewUsage();
        return 2;
    }
    const std::string command = argv[1];
    const cli::ArgVector args(argv + 2, argv + argc);
    try {
        if (command == "-V" || command == "--version") {
            std::cout << cli::versionLine() << "\n";
            return 0;
        }
        if (command == "-h" || command == "--help" || (command == "help" && args.empty())) {
            std::cout << cli::overviewUsage();
            return 0;
        }
        if (command == "help") {
            const auto page = cli::commandUsage(args.front());
            if (!page) throw cli::UsageError{"no command '" + args.front() + "'"};
            std::cout << *page;
            return 0;
        }
        // COMMAND --help (or -h) anywhere among its arguments: its page, nothing run.
        for (const std::string& a : args)
            if (a == "--help" || a == "-h")
                if (const auto page = cli::commandUsage(command)) {
                    std::cout << *page;
                    return 0;
                }
        if (command == "info") return cli::runInfo(args);
        if (command == "export-model") return cli::runExportModel(args);
        if (command == "schedule") return cli::runSchedule(args);
        if (command == "evaluate") return cli::runEvaluate(args);
        if (command == "trace") return cli::runTrace(args);
        if (command == "execute") return cli::runExecute(args);
        if (command == "profile") return cli::runProfile(args);
        error("unknown command '" + command + "' (see ioscope-cli --help)");
        return 2;
    } catch (const cli::UsageError& e) {
        error(e.message + " (see ioscope-cli --help)");
        return 2;
    } catch (const InputError& e) {
        error(e.what());
        return 2;
    } catch (const Cancelled&) {
        error("cancelled");
        return 1;
    } catch (const RuntimeFailure& e) {
        error(e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        error("out of memory");
        return 1;
    } catch (const std::exception& e) {
        error(e.what());
        return 1;
    }
}
