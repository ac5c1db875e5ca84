#pragma once
// The operator DAG. Ops are stored in topological order once finalize() succeeded; OpId is the
// index into ops(). Input ops are not scheduling units; every other op is one.
#include "graph/op.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ioscope {

class Graph {
  public:
    Graph() = default;
    explicit Graph(std::string name) : name_(std::move(name)) {}

    const std::string& name() const { return name_; }
    void setName(std::string name) {
        name_ = std::move(name);
        touch();
    }

    // Building. addOp returns the new op's id; inputs must name ops added before (use
    // addOpUnchecked + finalize for arbitrary order, as file loaders do).
    OpId addOp(Op op);
    OpId addInput(const std::string& name, Shape shape);

    // Replaces all ops (any order; inputs index into `ops`). finalize() must follow.
    void setOps(std::vector<Op> ops);

    // Validates (names unique and non-empty, inputs exist, no cycle, parameters possible,
    // shapes consistent) and infers every shape; reorders ops topologically (stable) and
    // remaps inputs. Throws InputError naming the op. `source` prefixes messages (a file name).
    void finalize(const std::string& source = {});
    bool finalized() const { return finalized_; }

    const std::vector<Op>& ops() const { return ops_; }
    const Op& op(OpId id) const { return ops_[static_cast<size_t>(id)]; }
    int size() const { return static_cast<int>(ops_.size()); }
    OpId find(const std::string& name) const; // -1 when absent

    const std::vector<OpId>& successors(OpId id) const { return succ_[static_cast<size_t>(id)]; }
    const std::vector<OpId>& predecessors(OpId id) const { return ops_[static_cast<size_t>(id)].inputs; }

    // Scheduling units (every op but Input), in topological order.
    const std::vector<OpId>& units() const { return units_; }
    bool isUnit(OpId id) const { return op(id).kind != OpKind::Input; }

    // Ops that no other op reads (the network outputs).
    std::vector<OpId> outputs() const;

    // Ensembles (graph/ensemble.h): the member networks' names; each op's Op::member indexes
    // them. Empty for a single network.
    const std::vector<std::string>& members() const { return members_; }
    void setMembers(std::vector<std::string> names) {
        members_ = std::move(names);
        touch();
    }

    // Stable hash of structure and parameters (not weights): schedules record it.
    std::string contentHash() const;

    // Names this graph's current content within the process: every change gives a number never
    // given before, and a copy keeps its original's. Tables derived from a graph
    // (cost/stage_signature.h) compare it to know when to rebuild, where an address could be reused.
    std::uint64_t revision() const { return revision_; }

  private:
    std::string name_;
    std::vector<Op> ops_;
    std::vector<std::vector<OpId>> succ_;
    std::vector<OpId> units_;
    std::vector<std::string> members_;
    bool finalized_ = false;
    std::uint64_t revision_ = freshRevision();

    static std::uint64_t freshRevision();
    void touch() { revision_ = freshRevision(); }
};

} // namespace ioscope
