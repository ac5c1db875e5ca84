#include "schedule/run_config.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace ioscope {

std::string_view toString(Precision p) {
    switch (p) {
    case Precision::Tf32:
        return "tf32";
    case Precision::Fp16:
        return "fp16";
    case Precision::Bf16:
        return "bf16";
    case Precision::Fp32:
        break;
    }
    return "fp32";
}

namespace {
std::string lowercase(std::string_view s) {
    std::string lower(s);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return lower;
}
} // namespace

std::optional<Precision> precisionFromString(std::string_view s) {
    const std::string lower = lowercase(s);
    if (lower == "fp32") return Precision::Fp32;
    if (lower == "tf32") return Precision::Tf32;
    if (lower == "fp16") return Precision::Fp16;
    if (lower == "bf16") return Precision::Bf16;
    return std::nullopt;
}

std::string_view toString(Layout l) {
    return l == Layout::Nchw ? "nchw" : "nhwc";
}

std::optional<Layout> layoutFromString(std::string_view s) {
    const std::string lower = lowercase(s);
    if (lower == "nhwc") return Layout::Nhwc;
    if (lower == "nchw") return Layout::Nchw;
    return std::nullopt;
}

} // namespace ioscope
