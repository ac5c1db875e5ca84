#include "usage.h"

#include <map>

namespace ioscope::cli {
namespace {

constexpr const char* kModel =
    "MODEL is a bundled name (inception_v3, squeezenet, randwire, nasnet), a model JSON file or an ONNX\n"
    "file; several joined by '+' run together (an ensemble; 'shared:a+b' feeds them one input).\n";

constexpr const char* kCommon =
    "  --input NxCxHxW      input shape of an ONNX model with a symbolic one\n"
    "  --no-fuse            do not fuse element-wise work into the kernels around it\n";

const std::map<std::string, std::string>& pages() {
    static const std::map<std::string, std::string> p{
        {"info",
         "usage: ioscope-cli info MODEL [--json] [--ops]\n\n"
         "The graph's facts: scheduling units, edges, width and a widest antichain, blocks, FLOPs.\n\n"
         "  --json               machine-readable (ops, edges, width, antichain, blocks, flops)\n"
         "  --ops                every operator with its kind and shapes\n"},
        {"schedule",
         "usage: ioscope-cli schedule MODEL [options]\n\n"
         "Searches a schedule: IOS (the dynamic program; anytime under --time-limit) or a fast scheduler.\n"
         "With --cost gpu the searched, wavefront and sequential schedules are also run end to end and\n"
         "the fastest is kept.\n\n"
         "  --scheduler NAME     ios (default), sequential, wavefront, nimble, lios, opara or hios\n"
         "  --strategy S         parallel, merge or both (default)\n"
         "  -r, --max-group-size N   ops per group (default 3)\n"
         "  -s, --max-groups N   groups per stage (default 8)\n"
         "  --max-part-size N    ops per part of a block (default 50)\n"
         "  --max-streams N      the wavefront's stage width (default 10)\n"
         "  --time-limit SECONDS the search's budget (default 60; 0: none)\n"
         "  --cost SPEC          sim[:V100|A100|H100|H200|FILE.json] (default sim), gpu, gpu:stages,\n"
         "                       cache:FILE\n"
         "  --batch N, --precision fp32|tf32|fp16|bf16, --layout nhwc|nchw|auto\n"
         "  -o, --output FILE    write the schedule (Schedule JSON v1, atomically)\n"
         "  --json               machine-readable (latency_ms, stages, search, baselines)\n"
         "  --quiet              no progress line\n"
         "  --devices N          place ops on N GPUs of one host (simulated; docs/multi_gpu.md)\n"
         "  --link L             their link: nvlink (default), pcie or GBS,US\n"},
        {"evaluate",
         "usage: ioscope-cli evaluate MODEL SCHEDULE.json [options]\n\n"
         "The predicted latency of a saved schedule, stage by stage, against the baselines. The\n"
         "schedule's own batch, precision and layout are the defaults.\n\n"
         "  --cost SPEC          as for schedule (default: the schedule's simulated model, else sim)\n"
         "  --batch N, --precision P, --layout L, --max-streams N\n"
         "  --link L             for a schedule over several GPUs: nvlink (default), pcie or GBS,US\n"
         "  --json               machine-readable (latency_ms, stages)\n"},
        {"execute",
         "usage: ioscope-cli execute MODEL SCHEDULE.json [options]\n\n"
         "Runs a saved schedule on the GPU: latency (median, p10, p90), utilization and the\n"
         "CUPTI kernel timeline. The schedule's own batch, precision and layout are the defaults.\n\n"
         "  --mode stages|graph  launch stage by stage or replay a CUDA graph (default graph)\n"
         "  --runs N, --warmup N timed runs (default 100) and warm-up runs (default 20)\n"
         "  --batch N, --precision P, --layout L\n"
         "  --no-utilization     skip the CUPTI timeline\n"
         "  --json               machine-readable\n"},
        {"trace", "usage: ioscope-cli trace MODEL SCHEDULE.json -o TRACE.json [options]\n\n"
                  "The schedule's predicted timeline as a Chrome trace (open it in Perfetto).\n\n"
                  "  --cost SPEC, --batch N, --precision P, --layout L\n"
                  "  --measured           also run it on the GPU and add the CUPTI kernel timeline\n"
                  "  --mode stages|graph  with --measured (default graph)\n"},
        {"profile",
         "usage: ioscope-cli profile MODEL -o PROFILES.json [options]\n\n"
         "Runs the IOS search with live GPU profiling and writes every stage measured to a profile\n"
         "database (merged into PROFILES.json when it exists); --cost cache:FILE replays it.\n\n"
         "  --mode graph|stages, --batch N, --precision P, --layout L\n"
         "  -r N, -s N, --strategy S   as for schedule\n"
         "  --verify             run the searched, wavefront and sequential schedules end to end\n"},
        {"export-model", "usage: ioscope-cli export-model MODEL -o FILE.json [--fused]\n\n"
                         "Writes MODEL as model JSON v1 (atomically).\n\n"
                         "  --fused              write the graph after the runtime's fusion rewrite\n"},
    };
    return p;
}

} // namespace

const std::vector<std::string>& commandNames() {
    static const std::vector<std::string> names{"info",  "schedule", "evaluate",    "execute",
                                                "trace", "profile",  "export-model"};
    return names;
}

const std::string& overviewUsage() {
    static const std::string text =
        std::string(
            "usage: ioscope-cli COMMAND [ARGS]\n"
            "       ioscope-cli help COMMAND | COMMAND --help | --version\n\n"
            "commands:\n"
            "  info MODEL [--json]                     ops, edges, width, blocks, FLOPs\n"
            "  schedule MODEL [--scheduler ios|wavefront|sequential|nimble|lios|opara|hios]\n"
            "           [--strategy parallel|merge|both] [--time-limit SECONDS] [--quiet]\n"
            "           [-r N] [-s N] [--cost sim[:DEVICE]|gpu|cache:FILE] [--batch N]\n"
            "           [--precision fp32|tf32|fp16|bf16] [-o SCHEDULE.json] [--json]\n"
            "           [--devices N [--link nvlink|pcie|GBS,US]]   (several GPUs, simulated)\n"
            "  evaluate MODEL SCHEDULE.json [--cost ...] [--json]\n"
            "  execute MODEL SCHEDULE.json [--mode stages|graph] [--precision ...] [--runs N] [--json]\n"
            "  trace MODEL SCHEDULE.json -o TRACE.json\n"
            "  profile MODEL [--batch N] [--precision ...] -o PROFILES.json\n"
            "  export-model MODEL -o FILE.json\n\n") +
        kModel + "Exit status: 0 success, 1 failure while running, 2 bad input or usage.\n";
    return text;
}

std::optional<std::string> commandUsage(const std::string& command) {
    const auto it = pages().find(command);
    if (it == pages().end()) return std::nullopt;
    return it->second + kCommon + "\n" + kModel;
}

std::string versionLine() {
    return std::string("ioscope-cli ") + IOSCOPE_VERSION;
}

} // namespace ioscope::cli
