#include "io/json_reader.h"

#include "util/errors.h"
#include "util/limits.h"

namespace ioscope::json {

Json parse(const std::string& text, const std::string& file) {
    // Reject deep nesting and too many values before the parser builds anything; strings are
    // skipped. Each comma separates one more element or member and each bracket opens a
    // container, so their count bounds what the parsed form will hold.
    const long long maxValues = limits::value(limits::kJsonValues);
    long long values = 1;
    int depth = 0;
    bool inString = false, escaped = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == ',' || c == '[' || c == '{') {
            if (++values > maxValues)
                throw InputError(
                    file, limits::exceeded(limits::kJsonValues, "more than " + std::to_string(maxValues) +
                                                                    " values by byte " + std::to_string(i)));
        }
        if (c == '"')
            inString = true;
        else if (c == '[' || c == '{') {
            if (++depth > kMaxNesting)
                throw InputError(file, "nesting deeper than " + std::to_string(kMaxNesting) +
                                           " levels at byte " + std::to_string(i));
        } else if (c == ']' || c == '}')
            --depth;
    }
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& e) {
        std::string what = e.what();
        const auto pos = what.find("parse error");
        if (pos != std::string::npos) what = what.substr(pos);
        throw InputError(file, "malformed JSON: " + what);
    } catch (const Json::exception& e) {
        // Anything else the parser rejects (a number like 1e400 out of range, invalid UTF-8)
        // is bad input too: exit 2 with the file named, not a library message.
        std::string what = e.what();
        const auto pos = what.find("] ");
        if (pos != std::string::npos) what = what.substr(pos + 2);
        throw InputError(file, "unreadable JSON: " + what);
    }
}

std::string dump(const Json& j, int indent) {
    // Names come from users' files; bytes that are not UTF-8 are written as U+FFFD rather
    // than failing the whole output.
    return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

void Reader::fail(const std::string& path, const std::string& what) const {
    throw InputError(file_, (path.empty() ? std::string() : path + ": ") + what);
}

void Reader::header(const Json& root, const std::string& format, int version) const {
    object(root, "");
    const std::string found = string(member(root, "format", ""), "format");
    if (found != format) fail("format", "expected \"" + format + "\", found \"" + found + "\"");
    const long long v = integer(member(root, "version", ""), "version", 0, 1LL << 30);
    if (v != version)
        fail("version", "unsupported version " + std::to_string(v) + " (this build reads " +
                            std::to_string(version) + ")");
}

const Json& Reader::member(const Json& obj, const std::string& key, const std::string& path) const {
    object(obj, path);
    const auto it = obj.find(key);
    if (it == obj.end()) fail(path, "missing member '" + key + "'");
    return *it;
}

const Json* Reader::optional(const Json& obj, const std::string& key, const std::string& path) const {
    object(obj, path);
    const auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

std::string Reader::string(const Json& v, const std::string& path) const {
    if (!v.is_string()) fail(path, std::string("expected a string, found ") + v.type_name());
    return v.get<std::string>();
}

long long Reader::integer(const Json& v, const std::string& path, long long lo, long long hi) const {
    long long x = 0;
    if (v.is_number_integer()) {
        if (v.is_number_unsigned() && v.get<unsigned long long>() > static_cast<unsigned long long>(hi))
            fail(path, "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
        x = v.get<long long>();
    } else {
        fail(path, std::string("expected an integer, found ") + v.type_name());
    }
    if (x < lo || x > hi)
        fail(path, "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
    return x;
}

double Reader::number(const Json& v, const std::string& path) const {
    if (!v.is_number()) fail(path, std::string("expected a number, found ") + v.type_name());
    return v.get<double>();
}

bool Reader::boolean(const Json& v, const std::string& path) const {
    if (!v.is_boolean()) fail(path, std::string("expected true or false, found ") + v.type_name());
    return v.get<bool>();
}

const Json& Reader::array(const Json& v, const std::string& path) const {
    if (!v.is_array()) fail(path, std::string("expected an array, found ") + v.type_name());
    return v;
}

const Json& Reader::object(const Json& v, const std::string& path) const {
    if (!v.is_object()) fail(path, std::string("expected an object, found ") + v.type_name());
    return v;
}

} // namespace ioscope::json
