#include "cost/replay_samples.h"

#include <algorithm>
#include <stdexcept>

namespace ioscope {

void ReplaySamples::add(const std::vector<double>& replayMs) {
    if (replayMs.size() != samples_.size())
        throw std::invalid_argument("a replay must time every stage of its batch");
    for (size_t i = 0; i < replayMs.size(); ++i) samples_[i].push_back(replayMs[i]);
    ++replays_;
}

double ReplaySamples::settledShare(const ReplaySampling& rule) const {
    if (samples_.empty()) return 1.0;
    size_t settled = 0;
    for (const std::vector<double>& s : samples_) {
        if (s.empty()) continue;
        const auto [lo, hi] = std::minmax_element(s.begin(), s.end());
        if (*hi - *lo <= std::max(rule.absToleranceMs, rule.relTolerance * *lo)) ++settled;
    }
    return double(settled) / double(samples_.size());
}

bool ReplaySamples::enough(const ReplaySampling& rule) const {
    if (replays_ >= size_t(rule.maxSamples)) return true;
    if (replays_ < size_t(std::max(1, rule.minSamples))) return false;
    return settledShare(rule) >= rule.settledShare;
}

std::vector<double> ReplaySamples::medians() const {
    std::vector<double> out;
    out.reserve(samples_.size());
    for (std::vector<double> s : samples_) {
        if (s.empty()) {
            out.push_back(0);
            continue;
        }
        std::sort(s.begin(), s.end());
        const size_t mid = s.size() / 2;
        out.push_back(s.size() % 2 ? s[mid] : 0.5 * (s[mid - 1] + s[mid]));
    }
    return out;
}

} // namespace ioscope
