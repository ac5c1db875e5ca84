#pragma once
// Per-sample tensor shape (NCHW without N: the batch is a run parameter).
#include <cstdint>
#include <string>

namespace ioscope {

struct Shape {
    int c = 0, h = 0, w = 0;

    std::int64_t elements() const { return std::int64_t(c) * h * w; }
    bool operator==(const Shape&) const = default;
    std::string str() const { return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w); }
};

} // namespace ioscope
