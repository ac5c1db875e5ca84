#pragma once
// Atomic file writes: data goes to a temporary file beside the target, is flushed, then
// renamed over it, so a failure never leaves a half-written file.
#include <string>

namespace ioscope {

// Throws RuntimeFailure naming the file when writing or renaming fails.
void writeFileAtomically(const std::string& path, const std::string& contents);

// Reads a whole file; throws InputError naming the file when it cannot be read.
std::string readFile(const std::string& path, size_t maxBytes = size_t(1) << 31);

} // namespace ioscope
