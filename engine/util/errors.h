#pragma once
// Error types shared by the whole engine. Front ends map InputError to exit status 2 and
// RuntimeFailure to exit status 1; neither ever aborts the process.
#include <stdexcept>
#include <string>

namespace ioscope {

// Bad input: a malformed or inconsistent file, an unknown op, a cycle... `what()` is the full
// one-line message, "FILE: what is wrong, where" when a file is known.
class InputError : public std::runtime_error {
  public:
    explicit InputError(const std::string& message) : std::runtime_error(message) {}
    InputError(const std::string& file, const std::string& message)
        : std::runtime_error(file.empty() ? message : file + ": " + message) {}
};

// A failure while running (GPU errors, out of memory, an I/O error on write).
class RuntimeFailure : public std::runtime_error {
  public:
    explicit RuntimeFailure(const std::string& message) : std::runtime_error(message) {}
};

// Thrown by long jobs when their cancellation flag was raised.
class Cancelled : public std::runtime_error {
  public:
    Cancelled() : std::runtime_error("cancelled") {}
};

} // namespace ioscope
