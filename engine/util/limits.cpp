#include "util/limits.h"

#include <cerrno>
#include <cstdlib>

namespace ioscope::limits {

long long value(const Limit& limit) {
    const char* text = std::getenv(std::string(limit.env).c_str());
    if (!text || !*text) return limit.fallback;
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0) return limit.fallback;
    return v;
}

std::string exceeded(const Limit& limit, const std::string& what) {
    return what + ", over the limit " + std::string(limit.name) + " = " + std::to_string(value(limit)) + " " +
           std::string(limit.unit) + " (raise it with " + std::string(limit.env) + "=N)";
}

} // namespace ioscope::limits
