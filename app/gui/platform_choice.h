#pragma once
// Which Qt platform the explorer starts on, decided before QApplication exists: Qt aborts with
// "could not connect to display" when there is none, so headless runs (--screenshot,
// --report) and --help/--version fall back to the offscreen platform, and opening the window
// without a display ends with a clear message instead.
#include <string>
#include <vector>

namespace ioscope::app {

enum class PlatformChoice {
    AsConfigured, // a display exists, or QT_QPA_PLATFORM names a platform: Qt decides
    Offscreen,    // no display, and nothing needs one
    NoDisplay,    // no display, and the window was asked for
};

PlatformChoice choosePlatform(const std::vector<std::string>& args, bool hasDisplay, bool platformConfigured);

// The same, from argv and the environment (DISPLAY, WAYLAND_DISPLAY, QT_QPA_PLATFORM).
PlatformChoice choosePlatform(int argc, char** argv);

} // namespace ioscope::app
