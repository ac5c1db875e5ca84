#pragma once
// Minimal argument parsing for ioscope-cli: positionals, "--flag VALUE", "-o VALUE", "--flag".
// Unknown options are usage errors (exit 2).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ioscope::cli {

// Bad command line: exit status 2.
struct UsageError {
    std::string message;
};

class Args {
  public:
    // `valued` lists the options that take a value, `flags` those that do not; short aliases
    // map to long names ("-o" -> "--output").
    Args(const std::vector<std::string>& argv, const std::set<std::string>& valued,
         const std::set<std::string>& flags, const std::map<std::string, std::string>& aliases = {});

    const std::vector<std::string>& positionals() const { return positionals_; }
    std::string positional(size_t i, const std::string& what) const; // throws UsageError when missing
    void expectPositionals(size_t n, const std::string& usage) const;

    bool flag(const std::string& name) const { return flags_.count(name) != 0; }
    std::optional<std::string> value(const std::string& name) const;
    std::string valueOr(const std::string& name, const std::string& fallback) const;
    int intValue(const std::string& name, int fallback, int lo, int hi) const;

  private:
    std::vector<std::string> positionals_;
    std::set<std::string> flags_;
    std::map<std::string, std::string> values_;
};

} // namespace ioscope::cli
