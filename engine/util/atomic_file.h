#pragma once
// Atomic file writes: data goes to a temporary file beside the target, is flushed, then
// renamed over it, so a failure never leaves a half-written file.
#include "util/limits.h"

#include <string>

namespace ioscope {

// Throws RuntimeFailure naming the file when writing or renaming fails.
void writeFileAtomically(const std::string& path, const std::string& contents);

// Reads a whole regular file of at most maxBytes; throws InputError naming the file when it
// cannot be read or is larger.
std::string readFile(const std::string& path, size_t maxBytes = size_t(1) << 31);

// The same with a named budget (util/limits.h): the refusal names the limit and how to raise it.
std::string readFile(const std::string& path, const limits::Limit& maxMiB);

} // namespace ioscope
