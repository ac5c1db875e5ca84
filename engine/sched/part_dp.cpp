#include "sched/part_dp.h"

#include "cost/stage_signature.h"
#include "util/errors.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <unordered_map>

namespace ioscope::detail {

PartDp::PartDp(const Graph& g, std::vector<OpId> ops, CostModel& cost, const SchedulerOptions& options,
               const std::vector<double>& singleMs, SearchCounters& counters, CancelFlag cancel,
               std::function<void(double)> tick)
    : g_(g), ops_(std::move(ops)), cost_(cost), options_(options), counters_(counters), cancel_(cancel),
      tick_(std::move(tick)) {
    walk_.counters = &counters_;
    std::sort(ops_.begin(), ops_.end()); // ids are a topological order
    n_ = static_cast<int>(ops_.size());
    if (n_ > kMaxPartOps)
        throw InputError("a part of " + std::to_string(n_) + " ops exceeds the scheduler's limit of " +
                         std::to_string(kMaxPartOps) + " (lower max_part_size)");
    all_ = n_ == 64 ? ~Mask(0) : bitOf(n_) - 1;
    succ_.assign(static_cast<size_t>(n_), 0);
    pred_.assign(static_cast<size_t>(n_), 0);
    adj_.assign(static_cast<size_t>(n_), 0);
    std::vector<int> local(static_cast<size_t>(g.size()), -1);
    for (int i = 0; i < n_; ++i) local[static_cast<size_t>(ops_[static_cast<size_t>(i)])] = i;
    for (int i = 0; i < n_; ++i)
        for (OpId p : g.predecessors(ops_[static_cast<size_t>(i)])) {
            const int j = local[static_cast<size_t>(p)];
            if (j < 0) continue; // produced in an earlier part
            pred_[static_cast<size_t>(i)] |= bitOf(j);
            succ_[static_cast<size_t>(j)] |= bitOf(i);
        }
    for (int i = 0; i < n_; ++i)
        adj_[static_cast<size_t>(i)] = succ_[static_cast<size_t>(i)] | pred_[static_cast<size_t>(i)];

    allowParallel_ = options.strategy != StrategySet::Merge;
    allowMerge_ = options.strategy != StrategySet::Parallel;
    maxEndingSize_ = allowParallel_ ? std::min(64, options.maxGroupSize * options.maxGroups) : 1;

    // Merge-compatible classes: the merge rule compares every op with the first, and each
    // comparison is an equality, so compatibility is an equivalence and one representative
    // per class suffices.
    mergeClass_.assign(static_cast<size_t>(n_), -1);
    if (allowMerge_) {
        std::vector<int> reps;
        for (int i = 0; i < n_; ++i) {
            const OpId id = ops_[static_cast<size_t>(i)];
            if (!mergeRuleViolation(g, {id}).empty()) continue;
            for (int rep : reps)
                if (mergeRuleViolation(g, {ops_[static_cast<size_t>(rep)], id}).empty()) {
                    mergeClass_[static_cast<size_t>(i)] = rep;
                    break;
                }
            if (mergeClass_[static_cast<size_t>(i)] < 0) {
                mergeClass_[static_cast<size_t>(i)] = i;
                reps.push_back(i);
            }
        }
    }
    for (int i = 0; i < n_; ++i) {
        const double ms = singleMs[static_cast<size_t>(ops_[static_cast<size_t>(i)])];
        concurrentCache_.put(bitOf(i), ms);
        if (!(ms > 0)) free_ |= bitOf(i);
    }
    floors_.assign(static_cast<size_t>(std::max(1, options.maxGroups)) + 1, 0.0);
    for (size_t k = 1; k < floors_.size(); ++k)
        floors_[k] = std::max(0.0, cost.stageFloorMs(static_cast<int>(k)));
    boundsEstimate_ = cost.boundsAreEstimates();
    sortByBound_ = !cost.latenciesAreFixed();
    chains_.assign(static_cast<size_t>(n_), 0.0f);
    if (allowParallel_)
        for (int i = 0; i < n_; ++i) {
            const double chain = cost.opChainFloorMs(g, ops_[static_cast<size_t>(i)], options.run);
            if (chain > 0 && std::isfinite(chain) && !(free_ & bitOf(i)))
                chains_[static_cast<size_t>(i)] = static_cast<float>(chain);
        }
}

namespace {

// The latency tables of parts searched on one cost model (PartDp::reuseLatencies). A search takes
// its part's tables out while it runs and puts them back after, so two searches at once never
// share one; the second of them just starts empty.
class PartLatencyMemo : public CostModel::SearchMemo {
  public:
    struct Tables {
        MaskMap<double> concurrent, merge;
        EndingTrie trie; // of `concurrent`
    };
    std::mutex mutex;
    std::unordered_map<std::string, Tables> parts;
    size_t entries = 0; // latencies held, over all parts
};

// 16 bytes a latency in tables 2/5 to 4/5 full: 160-320 MiB at most, then it starts over.
constexpr size_t kMemoEntries = size_t(8) << 20;
constexpr size_t kTrieEntries = size_t(1) << 16; // 1 MiB of latencies and more

void appendInt(std::string& s, long long v) {
    s += std::to_string(v);
    s += ',';
}

} // namespace

void PartDp::reuseLatencies() {
    if (!cost_.latenciesAreFixed() || n_ == 0) return;
    const RunConfig& run = options_.run;
    memoKey_.clear();
    appendInt(memoKey_, run.batch);
    appendInt(memoKey_, static_cast<int>(run.precision));
    appendInt(memoKey_, static_cast<int>(run.layout));
    for (int i = 0; i < n_; ++i) {
        const OpId id = ops_[static_cast<size_t>(i)];
        const Op& op = g_.op(id);
        memoKey_ += '\n';
        appendInt(memoKey_, id);
        appendInt(memoKey_, static_cast<long long>(pred_[static_cast<size_t>(i)]));
        memoKey_ += opSignature(g_, id);
        for (int t : op.sumTerms) appendInt(memoKey_, t);
        memoKey_ += ';';
        for (int c : op.termChannels) appendInt(memoKey_, c);
    }
    auto& memo = cost_.searchMemo<PartLatencyMemo>();
    std::lock_guard lock(memo.mutex);
    const auto it = memo.parts.find(memoKey_);
    if (it == memo.parts.end()) return;
    memo.entries -= it->second.concurrent.size() + it->second.merge.size() + it->second.trie.size();
    concurrentCache_ = std::move(it->second.concurrent);
    mergeCache_ = std::move(it->second.merge);
    trie_ = std::move(it->second.trie);
    memo.parts.erase(it);
}

PartDp::~PartDp() {
    if (memoKey_.empty()) return;
    try {
        keepLatencies();
    } catch (const std::bad_alloc&) { // only speed is lost
    }
}

void PartDp::keepLatencies() {
    // Built once the latencies are all known, outside the lock; a search that costs no new
    // stage (one on cached costs) keeps the trie it was given. Small tables stay in the caches
    // without one.
    if (trie_.builtFrom() != concurrentCache_.size() && concurrentCache_.size() >= kTrieEntries &&
        concurrentCache_.size() + mergeCache_.size() <= kMemoEntries / 2)
        trie_ = EndingTrie(concurrentCache_);
    auto& memo = cost_.searchMemo<PartLatencyMemo>();
    std::lock_guard lock(memo.mutex);
    const size_t size = concurrentCache_.size() + mergeCache_.size() + trie_.size();
    if (const auto it = memo.parts.find(memoKey_); it != memo.parts.end()) { // a search beside this one
        memo.entries -= it->second.concurrent.size() + it->second.merge.size() + it->second.trie.size();
        memo.parts.erase(it);
    }
    if (memo.entries + size > kMemoEntries) {
        memo.parts.clear();
        memo.entries = 0;
    }
    if (size > kMemoEntries) return;
    memo.parts.emplace(memoKey_, PartLatencyMemo::Tables{std::move(concurrentCache_), std::move(mergeCache_),
                                                         std::move(trie_)});
    memo.entries += size;
}

double PartDp::solve() {
    walk_.groupTop = 0; // a cancelled solve may have left it raised, and endings listed
    walk_.candidates.clear();
    if (n_ == 0) return 0.0;
    return threads_ > 1 ? solveLevels() : solveState(walk_, all_);
}

double PartDp::solveState(Walk& walk, Mask state) {
    if (state == 0) return 0;
    if (const double* cost = memo_.find(state)) return *cost;
    if (walk.level) throw RuntimeFailure("scheduler: a state's remainder was not solved before it");
    const Best best = solveFresh(walk, state);
    memo_.put(state, best.cost);
    decisions_.put(state, Decision{best.ending, best.merge});
    doneOps_ = std::max(doneOps_, popcount(state));
    return best.cost;
}

PartDp::Best PartDp::solveFresh(Walk& walk, Mask state) {
    ++walk.counters->states;
    throwIfCancelled(cancel_);

    // The ending frontier starts at the sinks of the state: ops with no successor inside it.
    Mask sinks = 0;
    for (Mask rest = state; rest; rest &= rest - 1) {
        const int v = lowestBit(rest);
        if ((succ_[static_cast<size_t>(v)] & state) == 0) sinks |= bitOf(v);
    }
    Solving solving{walk, state, walk.candidates.size(), Best{std::numeric_limits<double>::infinity()}, 0};
    enumerateConcurrent(solving, 0, sinks, 0, walk.groupTop, 0, 0, trie_.root());
    if (allowMerge_) enumerateMerges(solving);
    considerListed(solving);
    return solving.best;
}

// Every ending that is closed under successors within `state`, exactly once: ops join the
// ending from the frontier (ops all of whose successors in the state are already in it), the
// highest index first; a frontier op passed over is excluded from the rest of that branch, and
// with it every ancestor (they could only join after it). Supersets never split a group, so a
// group larger than r prunes the whole branch.
void PartDp::enumerateConcurrent(Solving& solving, Mask ending, Mask avail, int size, size_t groupsAt,
                                 int groupCount, int closed, std::uint32_t node) {
    const Mask state = solving.state;
    Walk& walk = solving.walk;
    std::vector<Group>& stack = walk.groupStack;
    const size_t childAt = groupsAt + static_cast<size_t>(groupCount);
    const size_t savedTop = walk.groupTop;
    walk.groupTop = childAt + static_cast<size_t>(groupCount) + 1; // a child has at most one more group
    if (stack.size() < walk.groupTop) stack.resize(std::max(walk.groupTop, stack.size() * 2));
    while (avail) {
        // Re-read each time: the calls below may grow the stack.
        const Group* groups = stack.data() + groupsAt;
        Group* grownGroups = stack.data() + childAt;
        const int v = highestBit(avail);
        avail &= ~bitOf(v);
        const Mask grown = ending | bitOf(v);
        // The trie nodes below the grown ending are read next, those below its next sibling after
        // all of its endings: both are fetched now.
        const std::uint32_t grownNode = trie_.child(node, v);
        trie_.prefetchBelow(grownNode);
        if (avail) trie_.prefetchBelow(trie_.child(node, highestBit(avail)));
        // Groups of the grown ending: v joins the groups it touches into one; the others are
        // unchanged, and so is whether they are closed (an op feeding a group touches it). A
        // group only ever grows by an op that feeds it, so a group larger than r, or more than
        // s groups with no feeder left in the state, prunes the branch. The parent's groups
        // passed both tests, so only the joined group can be too large.
        Group joined{bitOf(v), pred_[static_cast<size_t>(v)], 1, chains_[static_cast<size_t>(v)]};
        int grownCount = 0, grownClosed = closed;
        float longest = 0; // the largest chain floor of the groups v leaves alone
        const Mask touched = adj_[static_cast<size_t>(v)];
        for (int i = 0; i < groupCount; ++i) {
            const Group& gr = groups[i];
            if ((gr.members & touched) == 0) {
                grownGroups[grownCount++] = gr;
                longest = std::max(longest, gr.chain);
                continue;
            }
            if ((gr.feeders & state & ~ending) == 0) --grownClosed;
            joined.members |= gr.members;
            joined.feeders |= gr.feeders;
            joined.size += gr.size;
            joined.chain += gr.chain;
        }
        grownGroups[grownCount++] = joined;
        if ((joined.feeders & state & ~grown) == 0) ++grownClosed;
        if (joined.size > options_.maxGroupSize || grownClosed > options_.maxGroups) continue;
        Mask next = avail;
        for (Mask p = pred_[static_cast<size_t>(v)] & state; p; p &= p - 1) {
            const int u = lowestBit(p);
            if ((succ_[static_cast<size_t>(u)] & state & ~grown) == 0) next |= bitOf(u);
        }
        if (grownCount <= options_.maxGroups)
            list(solving, grown, false, grownCount, trie_.ms(grownNode), std::max(longest, joined.chain));
        if (size + 1 < maxEndingSize_)
            enumerateConcurrent(solving, grown, next, size + 1, childAt, grownCount, grownClosed, grownNode);
    }
    walk.groupTop = savedTop;
}

void PartDp::enumerateMerges(Solving& solving) {
    const Mask state = solving.state;
    Mask sinks = 0;
    for (Mask rest = state; rest; rest &= rest - 1) {
        const int v = lowestBit(rest);
        if ((succ_[static_cast<size_t>(v)] & state) == 0 && mergeClass_[static_cast<size_t>(v)] >= 0)
            sinks |= bitOf(v);
    }
    while (sinks) {
        const int rep = mergeClass_[static_cast<size_t>(lowestBit(sinks))];
        Mask cls = 0;
        for (Mask rest = sinks; rest; rest &= rest - 1)
            if (mergeClass_[static_cast<size_t>(lowestBit(rest))] == rep) cls |= bitOf(lowestBit(rest));
        sinks &= ~cls;
        // Every subset of the class with at least two ops, in a fixed (descending) order.
        for (Mask sub = cls; sub; sub = (sub - 1) & cls)
            if ((sub & (sub - 1)) != 0)
                list(solving, sub, true, 1, std::numeric_limits<double>::quiet_NaN(), 0.0);
    }
}

// Endings are listed, then considered in batches in the order listed: a tight enumeration loop
// apart from the lookups and costing. In a batch, every ending's remainder is solved first; the
// ending of the cheapest remainder is costed first, and then, in the order listed, only those
// whose remainder plus the cost model's stage floor (zero by default) is below the best total so
// far. Latencies are at least the floor, so an ending skipped that way cannot be better, and the
// answer is the first ending of the least total in the order listed, exactly as when every
// ending is costed in that order. The cost model may bound each group too (opChainFloorMs): a
// concurrent stage lasts at least as long as its longest group. For a model whose latencies are
// not fixed (live profiling, where each new stage is measured), the batch is considered in order
// of its least totals instead, which finds the best early and skips more; the answer is the same.
inline void PartDp::list(Solving& solving, Mask ending, bool merge, int groups, double ms, float chain) {
    // The remainder's cost and the ending's latency are read when the batch is considered, up to
    // kBatch endings later: their slots, at random in tables of up to 16 MiB, are fetched now.
    memo_.prefetch(solving.state & ~ending);
    if (std::isnan(ms)) (merge ? mergeCache_ : concurrentCache_).prefetch(ending);
    std::vector<Candidate>& candidates = solving.walk.candidates;
    Candidate& c = candidates.emplace_back();
    c.ending = ending;
    c.merge = merge;
    c.ms = ms;
    // A chain floor is summed in floats (each op's rounded to nearest, then at most 63 sums: a
    // relative error below 64 float epsilons, 8e-6) and in another order than the model sums the
    // latency: the bound gives up 1e-5 for the rounding.
    const bool hasFree = (ending & free_) != 0;
    if (chain > 0)
        c.bound = (floors_[hasFree ? size_t(1) : static_cast<size_t>(groups)] + double(chain)) * (1 - 1e-5);
    else
        c.bound = hasFree ? 0.0 : floors_[static_cast<size_t>(groups)];
    if (candidates.size() - solving.listedFrom >= kBatch) considerListed(solving);
}

void PartDp::considerListed(Solving& solving) {
    Walk& walk = solving.walk;
    std::vector<Candidate>& candidates = walk.candidates;
    const size_t begin = solving.listedFrom, end = candidates.size();
    if (begin == end) return;
    const Mask state = solving.state;
    size_t cheapest = begin;
    // The tables are probed at random: each probe's slot is fetched a few candidates ahead.
    constexpr size_t kAhead = 6;
    for (size_t i = begin; i < std::min(end, begin + kAhead); ++i)
        memo_.prefetch(state & ~candidates[i].ending);
    for (size_t i = begin; i < end; ++i) {
        if (i + kAhead < end) memo_.prefetch(state & ~candidates[i + kAhead].ending);
        countTransition(walk);
        // Through the index: the sub-states solveState solves list theirs above `end` (and may
        // reallocate), and take them away again.
        // A level's remainders are all solved.
        const Mask sub = state & ~candidates[i].ending;
        const double* solved = sub ? memo_.find(sub) : nullptr;
        const double rest = solved ? *solved : solveState(walk, sub);
        candidates[i].rest = rest;
        if (least(candidates[i]) < least(candidates[cheapest])) cheapest = i;
    }
    Best& best = solving.best;
    const size_t before = solving.considered; // endings of this state in earlier batches
    if (sortByBound_) {
        // Costing is dear: the endings in order of their least totals (the best found early skips
        // more), ties in the order listed.
        std::vector<std::pair<double, size_t>>& order = walk.order;
        order.clear();
        for (size_t i = begin; i < end; ++i) order.emplace_back(least(candidates[i]), i);
        std::sort(order.begin(), order.end());
        for (const auto& [atLeast, i] : order) consider(walk, i, before + (i - begin), best);
        solving.considered += end - begin;
        candidates.resize(begin);
        return;
    }
    consider(walk, cheapest, before + (cheapest - begin), best);
    for (size_t i = begin; i < std::min(end, begin + kAhead); ++i) prefetchLatency(candidates[i]);
    for (size_t i = begin; i < end; ++i) {
        if (i + kAhead < end) prefetchLatency(candidates[i + kAhead]);
        if (i != cheapest) consider(walk, i, before + (i - begin), best);
    }
    solving.considered += end - begin;
    candidates.resize(begin);
}

// rest + latency >= rest + bound in floating point too (addition is monotonic).
double PartDp::least(const Candidate& c) const {
    return c.rest + c.bound;
}

// Known latencies are costed (they are in the caches from then on); unknown ones are remembered
// as such, as whether a stage is known does not change during a search.
bool PartDp::latencyKnown(Walk& walk, const Candidate& c) {
    if (!std::isnan(c.ms) || (c.merge ? mergeCache_ : concurrentCache_).find(c.ending)) return true;
    MaskMap<double>& unknown = c.merge ? unknownMerge_ : unknownConcurrent_;
    if (!walk.level && unknown.find(c.ending)) return false; // not shared between threads
    fillStage(c.ending, c.merge, walk.scratchStage);
    if (cost_.knownLatencyMs(g_, walk.scratchStage, options_.run)) return true;
    if (!walk.level) unknown.put(c.ending, 0.0);
    return false;
}

void PartDp::consider(Walk& walk, size_t i, size_t index, Best& best) {
    const Candidate& c = walk.candidates[i];
    // The ending's total is at least its remainder's plus its bound: it cannot win unless that is
    // below the best total, or equal to it and listed earlier.
    const auto mayWin = [&](double atLeast) {
        return atLeast < best.cost || (atLeast == best.cost && index < best.index);
    };
    // Bounds of estimates skip only stages whose latency is not known.
    if (!mayWin(least(c)) && !(boundsEstimate_ && latencyKnown(walk, c))) return;
    const double total = c.rest + (std::isnan(c.ms) ? latency(walk, c.ending, c.merge) : c.ms);
    if (total < best.cost || (total == best.cost && index < best.index))
        best = Best{total, c.ending, c.merge, index};
}

void PartDp::prefetchLatency(const Candidate& c) const {
    if (!std::isnan(c.ms)) return;
    (c.merge ? mergeCache_ : concurrentCache_).prefetch(c.ending);
}

void PartDp::countTransition(Walk& walk) {
    if ((++walk.counters->transitions & 4095) == 0) {
        throwIfCancelled(cancel_);
        if (tick_ && walk.reports) tick_(n_ ? double(doneOps_) / n_ : 1.0);
    }
}

Mask PartDp::componentOf(int v, Mask within, int& size) const {
    Mask comp = bitOf(v), frontier = comp;
    size = 0;
    while (frontier) {
        const int u = lowestBit(frontier);
        frontier &= frontier - 1;
        ++size;
        const Mask fresh = adj_[static_cast<size_t>(u)] & within & ~comp;
        comp |= fresh;
        frontier |= fresh;
    }
    return comp;
}

double PartDp::latency(Walk& walk, Mask ending, bool merge) {
    MaskMap<double>& cache = merge ? mergeCache_ : concurrentCache_;
    if (const double* ms = cache.find(ending)) return *ms;
    MaskMap<double>& costed = !walk.level ? cache : merge ? walk.newMerge : walk.newConcurrent;
    if (walk.level)
        if (const double* ms = costed.find(ending)) return *ms;
    throwIfCancelled(cancel_);
    fillStage(ending, merge, walk.scratchStage);
    const double ms = cost_.stageLatencyMs(g_, walk.scratchStage, options_.run);
    if (!walk.level) ++counters_.stagesCosted; // a level's, when joined (two threads may cost one)
    costed.put(ending, ms);
    return ms;
}

// Groups are the weakly connected components of the ending, each run in topological order;
// groups are ordered by their first op. A merge stage is one group of ops in id order.
Stage PartDp::makeStage(Mask ending, bool merge) const {
    Stage st;
    fillStage(ending, merge, st);
    return st;
}

void PartDp::fillStage(Mask ending, bool merge, Stage& st) const {
    st.strategy = merge ? Strategy::Merge : Strategy::Concurrent;
    size_t groups = 0;
    for (Mask rest = ending; rest; ++groups) {
        int size = 0;
        const Mask comp = merge ? rest : componentOf(lowestBit(rest), ending, size);
        rest &= ~comp;
        if (st.groups.size() <= groups) st.groups.emplace_back();
        std::vector<OpId>& group = st.groups[groups];
        group.clear();
        for (Mask m = comp; m; m &= m - 1) group.push_back(ops_[static_cast<size_t>(lowestBit(m))]);
    }
    st.groups.resize(groups);
}

std::vector<Stage> PartDp::bestStages() const {
    std::vector<Stage> reversed;
    for (Mask state = all_; n_ > 0 && state;) {
        const Decision* m = decisions_.find(state);
        if (!m || m->ending == 0) throw RuntimeFailure("scheduler: part state without a solution");
        reversed.push_back(makeStage(m->ending, m->merge));
        state &= ~m->ending;
    }
    return {reversed.rbegin(), reversed.rend()};
}

} // namespace ioscope::detail
