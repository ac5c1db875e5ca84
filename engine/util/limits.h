#pragma once
// Named input budgets (docs/limits.md). Each is checked before the work it bounds starts, and a
// refusal names the limit, its value and the environment variable that raises it, so a user with
// a legitimately large model knows what to do and a hostile file costs nothing.
#include <string>
#include <string_view>

namespace ioscope::limits {

struct Limit {
    std::string_view name; // as printed: "ops"
    std::string_view env;  // the environment variable that overrides it
    long long fallback;    // the default
    std::string_view unit; // "ops", "MiB"
};

// Operators of a model, sequential bodies included (model JSON ops, ONNX nodes).
inline constexpr Limit kOps{"ops", "IOSCOPE_MAX_OPS", 100000, "ops"};
// The size of a JSON file read (model, schedule, profile cache, simulated device).
inline constexpr Limit kJsonFileMiB{"json_file_mb", "IOSCOPE_MAX_JSON_MB", 64, "MiB"};
// Weights an ONNX import decodes into memory, external data included.
inline constexpr Limit kWeightsMiB{"weights_mb", "IOSCOPE_MAX_WEIGHTS_MB", 2048, "MiB"};

// The limit's value: its environment variable when that holds a positive integer, else the default.
long long value(const Limit& limit);

// "<what>, over the limit ops = 100000 ops (raise it with IOSCOPE_MAX_OPS=N)".
std::string exceeded(const Limit& limit, const std::string& what);

} // namespace ioscope::limits
