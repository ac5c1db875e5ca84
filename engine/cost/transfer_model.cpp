#include "cost/transfer_model.h"

#include "util/errors.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ioscope {

std::string TransferModel::describe() const {
    char text[96];
    std::snprintf(text, sizeof text, "%s (%g GB/s, %g us per copy)", name.c_str(), bandwidthGBs, latencyUs);
    return text;
}

TransferModel transferModelFromString(const std::string& text) {
    if (text == "nvlink") return {"nvlink", 450, 8};
    if (text == "pcie") return {"pcie", 50, 15};
    const auto comma = text.find(',');
    if (comma != std::string::npos) {
        const std::string bw = text.substr(0, comma), lat = text.substr(comma + 1);
        char* end1 = nullptr;
        char* end2 = nullptr;
        const double b = std::strtod(bw.c_str(), &end1), l = std::strtod(lat.c_str(), &end2);
        // Physical ranges: a link faster than 100 TB/s or a latency over a second is a typo.
        if (!bw.empty() && !lat.empty() && *end1 == '\0' && *end2 == '\0' && std::isfinite(b) &&
            std::isfinite(l) && b >= 0.1 && b <= 1e5 && l >= 0 && l <= 1e6)
            return {"custom", b, l};
    }
    throw InputError("link '" + text + "': expected nvlink, pcie or BANDWIDTH_GBS,LATENCY_US (e.g. 300,10)");
}

} // namespace ioscope
