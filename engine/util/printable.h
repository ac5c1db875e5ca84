#pragma once
// Names come from users' files and may hold control characters (terminal escape sequences,
// newlines): whatever prints them to a terminal or a one-line error goes through printable().
#include <string>
#include <string_view>

namespace ioscope {

// `text` with every control character (below 0x20, and 0x7f) replaced by '?'.
inline std::string printable(std::string_view text) {
    std::string out(text);
    for (char& ch : out)
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
    return out;
}

} // namespace ioscope
