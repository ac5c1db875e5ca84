#pragma once
// Adaptive repeat count for batches of profiled stages. One replay of a batch's graph times every
// stage once; beyond a minimum of two, replays are repeated only while too many stages disagree
// with themselves (up to four). Plain values: tested without a GPU.
#include <cstddef>
#include <vector>

namespace ioscope {

struct ReplaySampling {
    // Two, then up to four: few batches settle early, so four replays (a median of the middle two)
    // is the usual count. Three to five measured Inception V3's live search 0.3 s slower on the
    // H100 for schedules as fast (session 19; replays bound the wider graphs' searches).
    int minSamples = 2;            // replays always taken
    int maxSamples = 4;            // never more
    double relTolerance = 0.05;    // a stage has settled when its samples lie within 5% ...
    double absToleranceMs = 0.001; // ... or within 1 us (event resolution is about 0.5 us)
    double settledShare = 0.90;    // replays stop once this share of the stages has settled
};

class ReplaySamples {
  public:
    explicit ReplaySamples(size_t stages) : samples_(stages) {}

    // One replay's time for every stage, in the batch's order.
    void add(const std::vector<double>& replayMs);
    size_t replays() const { return replays_; }
    // Whether the replays taken so far are enough under `rule`.
    bool enough(const ReplaySampling& rule) const;
    // Share of the stages whose samples agree within the rule's tolerance.
    double settledShare(const ReplaySampling& rule) const;
    // Each stage's median (the mean of the middle two for an even count).
    std::vector<double> medians() const;

  private:
    std::vector<std::vector<double>> samples_;
    size_t replays_ = 0;
};

} // namespace ioscope
