#include "gpu/gpu_context.h"

#include <cstdlib>
#include <string_view>

namespace ioscope {

namespace {
std::string_view env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string_view(v) : std::string_view();
}
} // namespace

GpuOptions gpuOptionsFromEnvironment() {
    GpuOptions o;
    const std::string_view convLog = env("IOSCOPE_CONV_LOG");
    o.convLog = !convLog.empty() && convLog.front() != '0';
    const std::string_view graph = env("IOSCOPE_CUDNN_GRAPH");
    o.fusedConvGraphs = graph.empty() || graph.front() != '0';
    o.runtimeCompiledEngines = graph == "rtc";
    o.profiler.stats = std::getenv("IOSCOPE_PROFILER_STATS") != nullptr;
    const std::string_view flush = env("IOSCOPE_PROFILER_FLUSH");
    o.profiler.flush = flush == "0"   ? ProfilerOptions::Flush::Never
                       : flush == "1" ? ProfilerOptions::Flush::Always
                                      : ProfilerOptions::Flush::Auto;
    o.profiler.pipeline = env("IOSCOPE_PROFILER_PIPELINE") != "0";
    o.profiler.childGraphs = env("IOSCOPE_PROFILER_CHILD_GRAPHS") != "0";
    return o;
}

} // namespace ioscope
