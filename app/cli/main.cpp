// ioscope-cli: dispatches to one command and maps errors to the exit statuses of DESIGN.md §6.
#include "cli_args.h"
#include "commands.h"
#include "util/errors.h"
#include "util/printable.h"

#include <cstdio>
#include <exception>
#include <iostream>
#include <new>

namespace {

constexpr const char* kUsage = R"(usage: ioscope-cli COMMAND [ARGS]

commands:
  info MODEL [--json]                     ops, edges, width, blocks, FLOPs
  schedule MODEL [--scheduler ios|wavefront|sequential|nimble|lios|opara|hios]
           [--strategy parallel|merge|both] [--time-limit SECONDS] [--quiet]
           [-r N] [-s N] [--cost sim[:DEVICE]|gpu|cache:FILE] [--batch N]
           [--precision fp32|tf32|fp16|bf16] [-o SCHEDULE.json] [--json]
           [--devices N [--link nvlink|pcie|GBS,US]]   (several GPUs, simulated)
  evaluate MODEL SCHEDULE.json [--cost ...] [--json]
  execute MODEL SCHEDULE.json [--mode stages|graph] [--precision ...] [--runs N] [--json]
  trace MODEL SCHEDULE.json -o TRACE.json
  profile MODEL [--batch N] [--precision ...] -o PROFILES.json
  export-model MODEL -o FILE.json

MODEL is a bundled name (inception_v3, squeezenet, randwire, nasnet), a model JSON file or an
ONNX file. Exit status: 0 success, 1 failure while running, 2 bad input or usage.
)";

void error(const std::string& message) {
    std::cerr << "ioscope-cli: error: " << ioscope::printable(message) << "\n"; // always one line
}

} // namespace

int main(int argc, char** argv) {
    using namespace ioscope;
    if (argc < 2) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string command = argv[1];
    const cli::ArgVector args(argv + 2, argv + argc);
    try {
        if (command == "-h" || command == "--help" || command == "help") {
            std::cout << kUsage;
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
