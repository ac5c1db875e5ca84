#pragma once
// Defensive JSON reading shared by every file format: nesting depth is checked before parsing
// (deeply nested input would otherwise exhaust the stack), and typed getters report the JSON
// path of a bad value ("ops[3].kernel[0]: expected an integer in 1..65536").
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace ioscope::json {

using Json = nlohmann::json;

inline constexpr int kMaxNesting = 64;

// Parses text; throws InputError("FILE: ...") with the byte offset for malformed JSON.
Json parse(const std::string& text, const std::string& file);

// Serializes with `indent` (-1: compact); invalid UTF-8 in strings becomes U+FFFD.
std::string dump(const Json& j, int indent);

// Typed access with path-based messages. `path` names the value ("ops[3]").
class Reader {
  public:
    Reader(const std::string& file) : file_(file) {}

    const Json& member(const Json& obj, const std::string& key, const std::string& path) const;
    const Json* optional(const Json& obj, const std::string& key, const std::string& path) const;
    std::string string(const Json& v, const std::string& path) const;
    long long integer(const Json& v, const std::string& path, long long lo, long long hi) const;
    double number(const Json& v, const std::string& path) const;
    bool boolean(const Json& v, const std::string& path) const;
    const Json& array(const Json& v, const std::string& path) const;
    const Json& object(const Json& v, const std::string& path) const;
    [[noreturn]] void fail(const std::string& path, const std::string& what) const;
    // Every ioscope file opens with {"format": FORMAT, "version": VERSION}: checks both.
    void header(const Json& root, const std::string& format, int version) const;
    const std::string& file() const { return file_; }

  private:
    std::string file_;
};

} // namespace ioscope::json
