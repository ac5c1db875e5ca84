#include "cli_args.h"

#include <charconv>

namespace ioscope::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& valued,
           const std::set<std::string>& flags, const std::map<std::string, std::string>& aliases) {
    for (size_t i = 0; i < argv.size(); ++i) {
        std::string a = argv[i];
        if (a.size() > 1 && a[0] == '-' &&
            !(a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1]))))) {
            std::string inlineValue;
            bool hasInline = false;
            if (const auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
                inlineValue = a.substr(eq + 1);
                a = a.substr(0, eq);
                hasInline = true;
            }
            if (const auto it = aliases.find(a); it != aliases.end()) a = it->second;
            if (valued.count(a)) {
                if (hasInline) {
                    values_[a] = inlineValue;
                } else {
                    if (i + 1 >= argv.size()) throw UsageError{"option " + a + " needs a value"};
                    values_[a] = argv[++i];
                }
            } else if (flags.count(a) && !hasInline) {
                flags_.insert(a);
            } else {
                throw UsageError{"unknown option " + argv[i]};
            }
        } else {
            positionals_.push_back(a);
        }
    }
}

std::string Args::positional(size_t i, const std::string& what) const {
    if (i >= positionals_.size()) throw UsageError{"missing " + what};
    return positionals_[i];
}

void Args::expectPositionals(size_t n, const std::string& usage) const {
    if (positionals_.size() != n) throw UsageError{"expected " + usage};
}

std::optional<std::string> Args::value(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string Args::valueOr(const std::string& name, const std::string& fallback) const {
    return value(name).value_or(fallback);
}

int Args::intValue(const std::string& name, int fallback, int lo, int hi) const {
    const auto v = value(name);
    if (!v) return fallback;
    int x = 0;
    const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
    if (ec != std::errc() || p != v->data() + v->size() || x < lo || x > hi)
        throw UsageError{"option " + name + " expects an integer in " + std::to_string(lo) + ".." +
                         std::to_string(hi) + ", got '" + *v + "'"};
    return x;
}

} // namespace ioscope::cli
