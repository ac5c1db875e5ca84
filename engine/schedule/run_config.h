#pragma once
// How a schedule runs: batch, precision, activation layout and the GPU runtime's launch mode. A
// value type below the cost models, the runtime and the schedule files, which all carry it.
#include <optional>
#include <string_view>

namespace ioscope {

// fp32: strict IEEE single precision; tf32: fp32 storage, TF32 tensor-core math; fp16 and bf16:
// weights and activations in that type, accumulation in fp32 where the library allows.
enum class Precision { Fp32, Tf32, Fp16, Bf16 };
std::string_view toString(Precision p);
std::optional<Precision> precisionFromString(std::string_view s);
inline int bytesPerElement(Precision p) {
    return p == Precision::Fp16 || p == Precision::Bf16 ? 2 : 4;
}

// Activation layout on the GPU: channels-last (NHWC) or channels-first (NCHW). The IR and the
// CPU reference are layout-neutral; only the runtime and measurements depend on it.
enum class Layout { Nhwc, Nchw };
std::string_view toString(Layout l);
std::optional<Layout> layoutFromString(std::string_view s);

struct RunConfig {
    int batch = 1;
    Precision precision = Precision::Fp32;
    Layout layout = Layout::Nhwc;
    bool operator==(const RunConfig&) const = default;
};

// How the GPU runtime launches a schedule: stage by stage, or captured once into a CUDA graph and
// replayed.
enum class ExecMode { Stages, Graph };
inline std::string_view toString(ExecMode m) {
    return m == ExecMode::Graph ? "graph" : "stages";
}

} // namespace ioscope
