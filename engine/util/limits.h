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
// Values (elements, members and containers) of one JSON file, counted before it is parsed: the
// parsed form costs 16 to 100 bytes per value whatever the file's size, so a 60 MB file of "{}"
// would take 2 GB. A bundled model has about 20 values per op (a 100,000-op model about 2M).
inline constexpr Limit kJsonValues{"json_values", "IOSCOPE_MAX_JSON_VALUES", 4000000, "values"};
// Weights an ONNX import decodes into memory, external data included.
inline constexpr Limit kWeightsMiB{"weights_mb", "IOSCOPE_MAX_WEIGHTS_MB", 2048, "MiB"};

// The limit's value: its environment variable when that holds a positive integer, else the default.
long long value(const Limit& limit);

// "<what>, over the limit ops = 100000 ops (raise it with IOSCOPE_MAX_OPS=N)".
std::string exceeded(const Limit& limit, const std::string& what);

} // namespace ioscope::limits
