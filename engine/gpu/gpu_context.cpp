#include "gpu/gpu_context.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

namespace ioscope {

namespace {
std::string_view env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string_view(v) : std::string_view();
}
} // namespace

std::optional<ConvPath> convPathFromString(std::string_view text) {
    static constexpr std::pair<std::string_view, ConvPath> names[] = {
        {"fused", ConvPath::Fused},       {"plain", ConvPath::Plain},
        {"dense", ConvPath::Dense},       {"graph", ConvPath::Graph},
        {"gemv", ConvPath::Gemv},         {"gemm", ConvPath::Gemm},
        {"prologue", ConvPath::Prologue}, {"prologue-graph", ConvPath::PrologueGraph}};
    for (const auto& [name, path] : names)
        if (text == name) return path;
    return std::nullopt;
}

GpuOptions gpuOptionsFromEnvironment() {
    GpuOptions o;
    o.convPath = convPathFromString(env("IOSCOPE_CONV_PATH")).value_or(ConvPath::Fastest);
    const std::string_view pool = env("IOSCOPE_POOL_KERNEL");
    o.poolKernel = pool == "tile"    ? GpuOptions::PoolKernel::Tile
                   : pool == "slide" ? GpuOptions::PoolKernel::Slide
                                     : GpuOptions::PoolKernel::Fastest;
    const std::string_view depthwise = env("IOSCOPE_DEPTHWISE_KERNEL");
    o.depthwiseKernel = depthwise == "row"     ? GpuOptions::DepthwiseKernel::Row
                        : depthwise == "tile"  ? GpuOptions::DepthwiseKernel::Tile
                        : depthwise == "cudnn" ? GpuOptions::DepthwiseKernel::Library
                        : depthwise == "timed" ? GpuOptions::DepthwiseKernel::Timed
                                               : GpuOptions::DepthwiseKernel::Fastest;
    const std::string_view columns = env("IOSCOPE_DEPTHWISE_COLUMNS");
    o.depthwiseColumns = columns == "4" ? 4 : columns == "1" ? 1 : 0;
    o.depthwiseTypedWeights = env("IOSCOPE_DEPTHWISE_WEIGHTS") == "typed";
    const std::string_view vector = env("IOSCOPE_DEPTHWISE_VECTOR");
    o.depthwiseVector = vector == "1" ? 1 : vector == "2" ? 2 : vector == "4" ? 4 : vector == "8" ? 8 : 0;
    o.gemmEpilogues = env("IOSCOPE_GEMM_EPILOGUE") != "0";
    const std::string tile(env("IOSCOPE_PROLOGUE_TILE"));
    if (int t = -1; std::sscanf(tile.c_str(), "%d", &t) == 1 && t >= 0 && t < 16) o.prologueTile = t;
    const std::string_view convLog = env("IOSCOPE_CONV_LOG");
    o.convLog = !convLog.empty() && convLog.front() != '0';
    const std::string_view graph = env("IOSCOPE_CUDNN_GRAPH");
    o.fusedConvGraphs = graph.empty() || graph.front() != '0';
    o.runtimeCompiledEngines = graph == "rtc";
    o.reducedPrecisionReduction = env("IOSCOPE_CUDNN_REDUCED_PRECISION") == "1";
    o.profiler.stats = std::getenv("IOSCOPE_PROFILER_STATS") != nullptr;
    const std::string_view flush = env("IOSCOPE_PROFILER_FLUSH");
    o.profiler.flush = flush == "0"   ? ProfilerOptions::Flush::Never
                       : flush == "1" ? ProfilerOptions::Flush::Always
                                      : ProfilerOptions::Flush::Auto;
    o.profiler.pipeline = env("IOSCOPE_PROFILER_PIPELINE") != "0";
    o.profiler.childGraphs = env("IOSCOPE_PROFILER_CHILD_GRAPHS") != "0";
    // MIN or MIN-MAX; anything unreadable keeps the defaults.
    const std::string replays(env("IOSCOPE_PROFILER_REPLAYS"));
    int lo = 0, hi = 0;
    const int read = std::sscanf(replays.c_str(), "%d-%d", &lo, &hi);
    if (read >= 1 && lo >= 1 && lo <= 99) {
        o.profiler.minReplays = lo;
        o.profiler.maxReplays = read == 2 && hi >= lo && hi <= 99 ? hi : lo;
    }
    const std::string l2(env("IOSCOPE_PROFILER_FLUSH_L2"));
    double multiple = 0;
    if (std::sscanf(l2.c_str(), "%lf", &multiple) == 1 && multiple >= 0.25 && multiple <= 8)
        o.profiler.flushL2Multiple = multiple;
    return o;
}

} // namespace ioscope
