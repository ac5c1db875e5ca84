#include "platform_choice.h"

#include <cstdlib>

namespace ioscope::app {

namespace {
bool isOption(const std::string& arg, const char* name) {
    const std::string n(name);
    return arg == n || arg.rfind(n + "=", 0) == 0;
}
bool envSet(const char* name) {
    const char* v = std::getenv(name);
    return v && *v;
}
} // namespace

PlatformChoice choosePlatform(const std::vector<std::string>& args, bool hasDisplay,
                              bool platformConfigured) {
    if (hasDisplay || platformConfigured) return PlatformChoice::AsConfigured;
    for (const std::string& arg : args) {
        if (arg == "--") break;
        if (isOption(arg, "--screenshot") || isOption(arg, "--report") || arg == "--help" || arg == "-h" ||
            arg == "--help-all" || arg == "--version" || arg == "-v")
            return PlatformChoice::Offscreen;
    }
    return PlatformChoice::NoDisplay;
}

PlatformChoice choosePlatform(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
#ifdef __linux__
    const bool hasDisplay = envSet("DISPLAY") || envSet("WAYLAND_DISPLAY");
#else
    const bool hasDisplay = true; // macOS and Windows always have their native platform
#endif
    return choosePlatform(args, hasDisplay, envSet("QT_QPA_PLATFORM"));
}

} // namespace ioscope::app
