#pragma once
// The IOS dynamic program over one part (docs/semantics.md, "The IOS dynamic program"), on bitmask states.
// Internal to the schedulers; iosSchedule() drives one PartDp per part and joins their stages.
#include "sched/ending_trie.h"
#include "sched/mask_map.h"
#include "sched/scheduler.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace ioscope::detail {

inline constexpr int kMaxPartOps = 64;

// Counters shared by the parts of one search, and the hook that reports progress.
struct SearchCounters {
    long long states = 0;
    long long transitions = 0;
    long long stagesCosted = 0;
};

class PartDp {
  public:
    // `ops` are the units of the part (at most kMaxPartOps). `singleMs[op]` holds the latency
    // of each op alone, already costed by the caller. `tick(partFraction)` is called every few
    // thousand transitions; it may throw Cancelled.
    PartDp(const Graph& g, std::vector<OpId> ops, CostModel& cost, const SchedulerOptions& options,
           const std::vector<double>& singleMs, SearchCounters& counters, CancelFlag cancel,
           std::function<void(double)> tick);

    // Gives the latency tables back to the cost model's memo (reuseLatencies).
    ~PartDp();
    PartDp(const PartDp&) = delete;
    PartDp& operator=(const PartDp&) = delete;

    // For a cost model whose latencies are fixed (CostModel::latenciesAreFixed): starts from the
    // latencies an earlier search of the same part on the same model learnt, and leaves them, and
    // its own, to the next one. The key is the part as the model sees it (run configuration, each
    // op's id, signature and sum terms, the edges within the part), so a part of another graph
    // only shares latencies with an equal one. Answers are unchanged: a latency looked up is the
    // one the model would return.
    void reuseLatencies();

    // For a cost model whose latencies are fixed and thread-safe (as when searchParts solves parts
    // at once): a part with many states is solved bottom-up, the states of one size at a time,
    // split over `threads` threads (the caller's one of them). Answers are unchanged: each
    // state's cost and decision depend only on the state. Parts of fewer than `minStates` states
    // (tests lower it) stay top-down: their levels are too small to split.
    static constexpr size_t kLevelStates = 8192;
    void useThreads(int threads, size_t minStates = kLevelStates) {
        threads_ = threads;
        levelStates_ = minStates;
    }

    // The cost of the whole part, and its best stages in execution order.
    double solve();
    std::vector<Stage> bestStages() const;

  private:
    // A solved state's best ending (its cost is in memo_).
    struct Decision {
        Mask ending = 0;
        bool merge = false;
    };
    struct Best {
        double cost;
        Mask ending = 0;
        bool merge = false;
        size_t index = 0; // the ending's place in the state's enumeration order (ties keep the first)
    };

    // One weakly connected group of a partial ending, with the ops that feed it.
    struct Group {
        Mask members = 0;
        Mask feeders = 0;
        int size = 0;
        float chain = 0; // the sum of its ops' chain floors (opChainFloorMs), in the padding
    };

    // An ending listed to be considered.
    struct Candidate {
        Mask ending = 0;
        bool merge = false;
        double ms = 0;    // its latency from the trie, NaN when not there
        double bound = 0; // a lower bound on its latency (least())
        double rest = 0;  // the cost of the state without the ending, once solved
    };
    // What one thread uses while it solves states: the groups of the endings being enumerated
    // (consider() re-enters solveState, whose enumeration starts at groupTop, above everything in
    // use), the listed endings of the states being solved, the stage being costed.
    struct Walk {
        std::vector<Group> groupStack;
        size_t groupTop = 0;
        std::vector<Candidate> candidates;
        Stage scratchStage;
        std::vector<std::pair<double, size_t>> order; // a batch's endings by least total
        SearchCounters* counters = nullptr;
        bool reports = true; // ticks progress (the caller's thread)
        // Solving a level beside other threads: the shared latency tables are read-only, and the
        // latencies costed meanwhile are kept here, joined between levels.
        bool level = false;
        MaskMap<double> newConcurrent, newMerge;
    };

    // A state being solved: its endings not yet considered lie in walk.candidates from
    // `listedFrom`; `considered` of its endings came before them.
    struct Solving {
        Walk& walk;
        Mask state;
        size_t listedFrom;
        Best best;
        size_t considered = 0;
    };
    static constexpr size_t kBatch = 1024;

    void keepLatencies(); // the destructor's half of reuseLatencies
    double solveState(Walk& walk, Mask state);
    Best solveFresh(Walk& walk, Mask state); // a state whose remainders are solved or solvable
    double solveLevels();                    // useThreads(); part_dp_levels.cpp
    std::vector<std::vector<Mask>> statesBySize() const;
    void joinLevel(Walk& walk); // a level's new latencies into the shared tables
    // The groups of `ending` (`groupCount` of them, `closed` with no feeder left in the state)
    // lie in the walk's groupStack from `groupsAt`; each call derives its children's just above them.
    // `node`: the ending's in trie_.
    void enumerateConcurrent(Solving& solving, Mask ending, Mask avail, int size, size_t groupsAt,
                             int groupCount, int closed, std::uint32_t node);
    void enumerateMerges(Solving& solving);
    // Lists an ending; every kBatch of them are considered.
    // Takes the fields apart: a Candidate passed by value was written field by field to the stack
    // and read back whole, a store-forwarding stall that cost a quarter of the enumeration.
    void list(Solving& solving, Mask ending, bool merge, int groups, double ms, float chain);
    void considerListed(Solving& solving);
    // Costs walk.candidates[i] (its remainder solved) and keeps it when better than `best`.
    void consider(Walk& walk, size_t i, size_t index, Best& best);
    // The least total an ending can reach: its remainder and its bound, the cost model's stage
    // floor with its longest group's chain floor (`chain`, the bound's when listed).
    double least(const Candidate& c) const;
    // Whether `c`'s latency is known without costing a new stage (boundsAreEstimates).
    bool latencyKnown(Walk& walk, const Candidate& c);
    // Fetches the slot of `c`'s latency in its cache ahead of consider().
    void prefetchLatency(const Candidate& c) const;
    double latency(Walk& walk, Mask ending, bool merge);
    Stage makeStage(Mask ending, bool merge) const;
    // makeStage into `st`, reusing its group vectors' storage (stages are costed millions of times).
    void fillStage(Mask ending, bool merge, Stage& st) const;
    Mask componentOf(int v, Mask within, int& size) const;
    void countTransition(Walk& walk);

    const Graph& g_;
    std::vector<OpId> ops_; // local index -> OpId, topological order
    CostModel& cost_;
    const SchedulerOptions& options_;
    SearchCounters& counters_;
    CancelFlag cancel_;
    std::function<void(double)> tick_;

    int n_ = 0;
    Mask all_ = 0;
    std::vector<Mask> succ_, pred_, adj_; // within the part
    std::vector<int> mergeClass_;         // merge-compatible class per op, -1 when unmergeable
    int maxEndingSize_ = 1;
    bool allowParallel_ = true, allowMerge_ = true;
    int doneOps_ = 0; // the largest state solved so far, for progress
    // The cost model's floor for a stage of k groups (floors_[k]); it holds for endings without an
    // op of zero latency alone (those in free_, for which the floor is zero).
    std::vector<double> floors_;
    Mask free_ = 0;
    std::vector<float> chains_;   // CostModel::opChainFloorMs per op (list() allows for float sums)
    bool boundsEstimate_ = false; // CostModel::boundsAreEstimates
    bool sortByBound_ = false;    // considerListed: a batch in order of least totals
    MaskMap<double> unknownConcurrent_, unknownMerge_; // endings whose latency is not known

    Walk walk_; // the caller's thread
    int threads_ = 1;
    size_t levelStates_ = kLevelStates;

    // Costs of solved states, looked up once per transition, apart from their decisions (looked up
    // only to read the answer): slots of 16 bytes keep the table in the caches longer.
    MaskMap<double> memo_;
    MaskMap<Decision> decisions_;
    MaskMap<double> concurrentCache_, mergeCache_;
    // The concurrent latencies of an earlier search (reuseLatencies) in enumeration order, read
    // instead of concurrentCache_ where they hold the ending.
    EndingTrie trie_;
    std::string memoKey_; // reuseLatencies: the part's key in the cost model's memo, else empty
};

// The search over explicit parts (iosSchedule passes those of partitionBlocks; tests pass one
// part holding the whole graph to compare with exhaustive enumeration). `incumbentMs`: the
// best complete schedule known before (a fast scheduler's), shown in progress reports.
ScheduleResult searchParts(const Graph& g, const std::vector<std::vector<OpId>>& parts, CostModel& cost,
                           const SchedulerOptions& options, const ProgressCallback& progress = {},
                           CancelFlag cancel = nullptr,
                           double incumbentMs = std::numeric_limits<double>::infinity());

} // namespace ioscope::detail
