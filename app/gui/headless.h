#pragma once
// Headless modes of the explorer (QT_QPA_PLATFORM=offscreen works):
//   ioscope --screenshot out.png MODEL
//   ioscope --report out.pdf|out.png MODEL [--schedule FILE]
//   ... [--cost SPEC] [--precision fp32|tf32|fp16|bf16] [--execute]
// They build the real window, wait for the load, the layout and the default search (sim:H100
// unless --cost says otherwise), with --execute run the schedules on the GPU and show the
// execution panel, write the file atomically and return the exit status: 0 success, 1 failure
// while running (no GPU for --execute too), 2 bad input (message on stderr).
#include <QString>

namespace ioscope::app {

struct HeadlessRequest {
    QString screenshotPath; // exactly one of these two
    QString reportPath;
    QString model;
    QString scheduleFile; // optional, --report only: shown as the current run
    QString costSpec;     // the search's cost model; empty: the default
    QString precision;    // "fp32" or "tf32"; empty: the default
    bool execute = false; // run the schedules on the GPU and show the execution panel
    int timeoutMs = 600000;
};

int runHeadless(const HeadlessRequest& request);

} // namespace ioscope::app
