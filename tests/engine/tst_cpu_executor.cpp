// The CPU reference executor on whole schedules: random small networks run under sequential,
// shuffled, wavefront, chained-concurrent and merging schedules (all built here) give the same
// outputs as the sequential schedule; errors, batches and cancellation behave.
#include "exec/cpu_executor.h"
#include "exec/weights_init.h"
#include "models/model_registry.h"
#include "schedule/schedule.h"
#include "util/errors.h"

#include <QTest>

#include <random>
#include <set>

using namespace ioscope;

namespace {

using Rng = std::mt19937;
int uniformInt(Rng& rng, int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
}
bool coin(Rng& rng, double p = 0.5) {
    return std::bernoulli_distribution(p)(rng);
}

// "Same" windows of odd kernels: all keep the spatial size, so all merge with one another.
Window sameWindow(Rng& rng) {
    static const int shapes[][2] = {{1, 1}, {3, 3}, {5, 5}, {1, 3}, {3, 1}, {1, 5}, {5, 1}};
    const auto& k = shapes[uniformInt(rng, 0, 6)];
    return {k[0], k[1], 1, 1, k[0] / 2, k[1] / 2, 1, 1};
}

struct NetBuilder {
    Graph g{"random"};
    Rng& rng;
    std::vector<OpId> nodes;
    int counter = 0;

    explicit NetBuilder(Rng& r) : rng(r) {}
    OpId pick() { // prefers recent nodes so the DAG gets depth
        const int n = int(nodes.size());
        return nodes[std::size_t(std::max(0, n - 1 - uniformInt(rng, 0, std::min(n - 1, 4))))];
    }
    int channels(OpId id) {
        const Op& op = g.op(id);
        if (op.kind == OpKind::Input) return op.inputShape.c;
        return channelsOf[std::size_t(id)];
    }
    std::vector<int> channelsOf;
    OpId add(Op op, int outC) {
        op.name = std::string(toString(op.kind)) + "_" + std::to_string(counter++);
        const OpId id = g.addOp(std::move(op));
        channelsOf.resize(std::size_t(id) + 1, 0);
        channelsOf[std::size_t(id)] = outC;
        nodes.push_back(id);
        return id;
    }
    int inChannels(const std::vector<OpId>& in, Combine how) {
        int c = 0;
        for (OpId p : in) c = how == Combine::Concat ? c + channels(p) : channels(p);
        return c;
    }
    Op conv(std::vector<OpId> in, Window w, Activation act) {
        Op op;
        op.kind = OpKind::Conv;
        op.inputs = std::move(in);
        op.window = w;
        op.outChannels = uniformInt(rng, 2, 6);
        op.activation = act;
        op.bias = coin(rng, 0.8);
        return op;
    }
    Activation anyActivation() { return Activation(uniformInt(rng, 0, 4)); }

    void step() {
        switch (uniformInt(rng, 0, 9)) {
        case 0: { // a conv, sometimes grouped
            Op op = conv({pick()}, sameWindow(rng), anyActivation());
            const int cin = channels(op.inputs[0]);
            if (cin % 2 == 0 && coin(rng, 0.3)) op.groups = 2, op.outChannels = 2 * uniformInt(rng, 1, 3);
            add(op, op.outChannels);
            break;
        }
        case 1:
        case 2: { // sibling convs on one input: merge candidates
            const OpId p = pick();
            const Activation act = coin(rng) ? Activation::Relu : Activation::None;
            for (int k = uniformInt(rng, 2, 4); k > 0; --k) {
                const Op op = conv({p}, sameWindow(rng), act);
                add(op, op.outChannels);
            }
            break;
        }
        case 3: { // separable conv
            Op op;
            op.kind = OpKind::SepConv;
            op.inputs = {pick()};
            op.window = coin(rng) ? Window{3, 3, 1, 1, 1, 1, 1, 1} : Window{5, 5, 1, 1, 2, 2, 1, 1};
            op.outChannels = uniformInt(rng, 2, 5);
            op.preRelu = coin(rng);
            op.activation = coin(rng) ? Activation::Relu : Activation::None;
            add(op, op.outChannels);
            break;
        }
        case 4: { // pooling that keeps the size
            Op op;
            op.kind = coin(rng) ? OpKind::MaxPool : OpKind::AvgPool;
            op.inputs = {pick()};
            op.window = {3, 3, 1, 1, 1, 1, 1, 1};
            op.countIncludePad = coin(rng);
            add(op, channels(op.inputs[0]));
            break;
        }
        case 5: { // concat of distinct nodes
            std::set<OpId> in;
            for (int k = uniformInt(rng, 2, 3); k > 0; --k) in.insert(pick());
            Op op;
            op.kind = OpKind::Concat;
            op.inputs.assign(in.begin(), in.end());
            add(op, inChannels(op.inputs, Combine::Concat));
            break;
        }
        case 6: { // add or mul of equal-channel nodes; identity sum otherwise
            const OpId a = pick();
            std::vector<OpId> in = {a};
            for (OpId other : nodes)
                if (other != a && channels(other) == channels(a) && in.size() < 3 && coin(rng, 0.6))
                    in.push_back(other);
            Op op;
            op.kind = in.size() == 1 ? OpKind::Identity : (coin(rng, 0.7) ? OpKind::Add : OpKind::Mul);
            op.inputs = in;
            add(op, channels(a));
            break;
        }
        case 7: { // sequential: conv, activation, scale-shift, reading one or two inputs concatenated
            Op seq;
            seq.kind = OpKind::Sequential;
            std::set<OpId> in = {pick(), pick()};
            seq.inputs.assign(in.begin(), in.end());
            seq.combine = Combine::Concat;
            Op c = conv({}, sameWindow(rng), Activation::None);
            c.inputs.clear();
            c.name = "conv";
            Op a;
            a.kind = OpKind::Activation;
            a.name = "act";
            a.activation = anyActivation();
            Op s;
            s.kind = OpKind::ScaleShift;
            s.name = "bn";
            seq.body = {c, a, s};
            add(seq, c.outChannels);
            break;
        }
        case 8: { // a conv reading the sum of equal-channel nodes
            const OpId a = pick();
            std::vector<OpId> in = {a};
            for (OpId other : nodes)
                if (other != a && channels(other) == channels(a) && in.size() < 2) in.push_back(other);
            Op op = conv(in, sameWindow(rng), anyActivation());
            op.combine = Combine::Sum;
            add(op, op.outChannels);
            break;
        }
        default: { // a plain activation
            Op op;
            op.kind = OpKind::Activation;
            op.inputs = {pick()};
            op.activation = anyActivation();
            add(op, channels(op.inputs[0]));
            break;
        }
        }
    }
    void classifierTail() {
        Op gap;
        gap.kind = OpKind::GlobalAvgPool;
        gap.inputs = {nodes.back()};
        const OpId p = add(gap, channels(nodes.back()));
        Op flat;
        flat.kind = OpKind::Flatten;
        flat.inputs = {p};
        const OpId f = add(flat, channels(p));
        Op fc;
        fc.kind = OpKind::FullyConnected;
        fc.inputs = {f};
        fc.outChannels = 4;
        const OpId l = add(fc, 4);
        Op sm;
        sm.kind = OpKind::Softmax;
        sm.inputs = {l};
        add(sm, 4);
    }
};

Graph randomNet(Rng& rng) {
    NetBuilder b(rng);
    const int hw = uniformInt(rng, 5, 8);
    b.nodes.push_back(b.g.addInput("input", {uniformInt(rng, 2, 4), hw, hw}));
    b.channelsOf.push_back(b.g.op(0).inputShape.c);
    for (int k = uniformInt(rng, 6, 14); k > 0; --k) b.step();
    if (coin(rng, 0.3)) b.classifierTail();
    b.g.finalize("random");
    return std::move(b.g);
}

// Ops whose unit producers are all in `done`.
std::vector<OpId> readyOps(const Graph& g, const std::vector<bool>& done) {
    std::vector<OpId> ready;
    for (OpId id : g.units()) {
        if (done[std::size_t(id)]) continue;
        bool ok = true;
        for (OpId p : g.predecessors(id)) ok = ok && (!g.isUnit(p) || done[std::size_t(p)]);
        if (ok) ready.push_back(id);
    }
    return ready;
}

std::vector<bool> doneMask(const Graph& g) {
    std::vector<bool> done(std::size_t(g.size()), false);
    for (OpId id = 0; id < g.size(); ++id) done[std::size_t(id)] = !g.isUnit(id);
    return done;
}

Schedule shuffledSequential(const Graph& g, Rng& rng) {
    Schedule s;
    std::vector<bool> done = doneMask(g);
    for (auto ready = readyOps(g, done); !ready.empty(); ready = readyOps(g, done)) {
        const OpId id = ready[std::size_t(uniformInt(rng, 0, int(ready.size()) - 1))];
        s.stages.push_back({Strategy::Concurrent, {{id}}});
        done[std::size_t(id)] = true;
    }
    return s;
}

Schedule wavefront(const Graph& g) {
    Schedule s;
    std::vector<bool> done = doneMask(g);
    for (auto ready = readyOps(g, done); !ready.empty(); ready = readyOps(g, done)) {
        Stage st;
        for (OpId id : ready) st.groups.push_back({id}), done[std::size_t(id)] = true;
        s.stages.push_back(st);
    }
    return s;
}

// Stages of several groups that grow into chains: an op joins a group when all its producers
// in this stage are in that group. With `merge`, ready sibling convs that obey the merge rule
// form merge stages first.
Schedule chainsAndMerges(const Graph& g, Rng& rng, bool merge, int* mergeStages) {
    Schedule s;
    std::vector<bool> done = doneMask(g);
    for (auto ready = readyOps(g, done); !ready.empty(); ready = readyOps(g, done)) {
        if (merge) {
            std::vector<OpId> best;
            for (OpId a : ready) {
                std::vector<OpId> set = {a};
                for (OpId b : ready)
                    if (b != a && coin(rng, 0.8)) {
                        set.push_back(b);
                        if (!mergeRuleViolation(g, set).empty()) set.pop_back();
                    }
                if (set.size() > best.size() && mergeRuleViolation(g, set).empty()) best = set;
            }
            if (best.size() >= 2 && coin(rng, 0.8)) {
                s.stages.push_back({Strategy::Merge, {best}});
                for (OpId id : best) done[std::size_t(id)] = true;
                ++*mergeStages;
                continue;
            }
        }
        Stage st;
        std::vector<int> groupOf(std::size_t(g.size()), -1);
        std::shuffle(ready.begin(), ready.end(), rng);
        const int heads = uniformInt(rng, 1, int(ready.size()));
        for (int k = 0; k < heads; ++k) {
            st.groups.push_back({ready[std::size_t(k)]});
            groupOf[std::size_t(ready[std::size_t(k)])] = k;
            done[std::size_t(ready[std::size_t(k)])] = true;
        }
        // One topological pass extends chains (up to 3 ops) with ops fed by one group and earlier stages.
        {
            for (OpId id : g.units()) {
                if (done[std::size_t(id)] || !coin(rng, 0.4)) continue;
                int group = -1;
                bool ok = true;
                for (OpId p : g.predecessors(id)) {
                    if (!done[std::size_t(p)])
                        ok = false;
                    else if (const int pg = groupOf[std::size_t(p)]; pg >= 0)
                        ok = ok && (group < 0 || group == pg), group = pg;
                }
                if (!ok || group < 0 || st.groups[std::size_t(group)].size() >= 3) continue;
                st.groups[std::size_t(group)].push_back(id);
                groupOf[std::size_t(id)] = group;
                done[std::size_t(id)] = true;
            }
        }
        s.stages.push_back(st);
    }
    return s;
}

double worstDifference(const CpuRunResult& a, const CpuRunResult& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.allByOp.size(); ++i)
        if (!a.allByOp[i].data.empty()) worst = std::max(worst, maxAbsDiff(a.allByOp[i], b.allByOp[i]));
    for (std::size_t i = 0; i < a.outputs.size(); ++i)
        worst = std::max(worst, maxAbsDiff(a.outputs[i], b.outputs[i]));
    return worst;
}

} // namespace

class TestCpuExecutor : public QObject {
    Q_OBJECT
  private slots:
    void randomNetworksAllSchedulesAgree() {
        int mergeStages = 0, concurrentGroups = 0, networks = 0;
        for (std::uint32_t seed = 1; seed <= 80; ++seed) {
            Rng rng(seed);
            const Graph g = randomNet(rng);
            const CpuExecutor exec(g, seed);
            const std::vector<Tensor> in = seededInputs(g, 2, seed);
            const CpuRunResult ref = exec.run(sequentialSchedule(g), in, true);
            for (const Tensor& t : ref.outputs)
                for (float v : t.data) QVERIFY2(std::isfinite(v), "non-finite output");
            std::vector<std::pair<const char*, Schedule>> schedules = {
                {"shuffled", shuffledSequential(g, rng)},
                {"wavefront", wavefront(g)},
                {"chains", chainsAndMerges(g, rng, false, &mergeStages)},
                {"merges", chainsAndMerges(g, rng, true, &mergeStages)},
                {"merges2", chainsAndMerges(g, rng, true, &mergeStages)}};
            for (auto& [what, s] : schedules) {
                for (const Stage& st : s.stages) concurrentGroups += st.groups.size() > 1;
                const CpuRunResult got = exec.run(s, in, true);
                const double diff = worstDifference(ref, got);
                QVERIFY2(
                    diff <= 1e-5,
                    qPrintable(QString("seed %1, %2 schedule: max |diff| %3").arg(seed).arg(what).arg(diff)));
            }
            ++networks;
        }
        // The generator must really exercise merges and multi-group stages.
        QVERIFY2(mergeStages >= 40, qPrintable(QString::number(mergeStages)));
        QVERIFY(concurrentGroups >= 80);
        qInfo("%d networks, %d merge stages, %d multi-group stages: all equal to sequential", networks,
              mergeStages, concurrentGroups);
    }
    void batchSamplesAreIndependent() {
        Rng rng(123);
        const Graph g = randomNet(rng);
        const CpuExecutor exec(g);
        const std::vector<Tensor> in3 = seededInputs(g, 3, 5);
        const CpuRunResult all = exec.run(sequentialSchedule(g), in3);
        for (int b = 0; b < 3; ++b) {
            std::vector<Tensor> one;
            for (const Tensor& t : in3) one.push_back(channelSlice(t, 0, t.c)), one.back().n = 1;
            for (std::size_t k = 0; k < in3.size(); ++k) {
                const std::size_t per = std::size_t(in3[k].c) * in3[k].h * in3[k].w;
                one[k].data.assign(in3[k].data.begin() + std::ptrdiff_t(per * b),
                                   in3[k].data.begin() + std::ptrdiff_t(per * (b + 1)));
            }
            const CpuRunResult single = exec.run(sequentialSchedule(g), one);
            for (std::size_t o = 0; o < all.outputs.size(); ++o) {
                const Tensor& t = all.outputs[o];
                const std::size_t per = std::size_t(t.c) * t.h * t.w;
                for (std::size_t i = 0; i < per; ++i)
                    QCOMPARE(single.outputs[o].data[i], t.data[per * std::size_t(b) + i]);
            }
        }
    }
    void twoInputsAndOutputs() {
        Graph g("two");
        const OpId a = g.addInput("a", {2, 4, 4}), b = g.addInput("b", {2, 4, 4});
        Op add;
        add.name = "sum";
        add.kind = OpKind::Add;
        add.inputs = {a, b};
        const OpId s = g.addOp(add);
        Op mul = add;
        mul.name = "prod";
        mul.kind = OpKind::Mul;
        g.addOp(mul);
        Op relu;
        relu.name = "relu";
        relu.kind = OpKind::Activation;
        relu.activation = Activation::Relu;
        relu.inputs = {s};
        g.addOp(relu);
        g.finalize("test");
        const CpuExecutor exec(g);
        const std::vector<Tensor> in = seededInputs(g, 1, 3);
        const CpuRunResult r = exec.run(sequentialSchedule(g), in);
        QCOMPARE(r.outputIds.size(), std::size_t(2));
        QVERIFY(r.allByOp.empty());
        for (std::size_t i = 0; i < in[0].size(); ++i) {
            const float x = in[0].data[i], y = in[1].data[i];
            QCOMPARE(r.outputs[0].data[i], x * y);                 // prod (id 3)
            QCOMPARE(r.outputs[1].data[i], std::max(x + y, 0.0f)); // relu (id 4)
        }
        QVERIFY_THROWS_EXCEPTION(InputError, exec.run(sequentialSchedule(g), {in[0]}));
        QVERIFY_THROWS_EXCEPTION(InputError, exec.run(sequentialSchedule(g), {in[0], Tensor(1, {3, 4, 4})}));
    }
    void invalidSchedulesAndCancel() {
        Rng rng(7);
        const Graph g = randomNet(rng);
        const CpuExecutor exec(g);
        const std::vector<Tensor> in = seededInputs(g, 1, 1);
        Schedule missing = sequentialSchedule(g);
        missing.stages.pop_back();
        QVERIFY_THROWS_EXCEPTION(InputError, exec.run(missing, in));
        Schedule reversed = sequentialSchedule(g);
        std::reverse(reversed.stages.begin(), reversed.stages.end());
        QVERIFY_THROWS_EXCEPTION(InputError, exec.run(reversed, in));
        std::atomic<bool> cancel{true};
        QVERIFY_THROWS_EXCEPTION(Cancelled, exec.run(sequentialSchedule(g), in, false, &cancel));
    }
    void seededInputsAreDeterministic() {
        const Tensor a = seededInput({3, 4, 5}, 2, 9), b = seededInput({3, 4, 5}, 2, 9),
                     c = seededInput({3, 4, 5}, 2, 10);
        QCOMPARE(a.data, b.data);
        QVERIFY(a.data != c.data);
        for (float v : a.data) QVERIFY(v >= -1.0f && v < 1.0f);
    }
    void inceptionV3MergedEqualsSequential() {
        Graph g;
        try {
            g = buildInceptionV3();
        } catch (const std::exception& e) {
            QSKIP(qPrintable(QString("Inception V3 generator unavailable: ") + e.what()));
        }
        // Merge every group of ready sibling convs that the rule allows; the rest sequentially.
        Rng rng(1);
        int merges = 0;
        const Schedule merged = chainsAndMerges(g, rng, true, &merges);
        const CpuExecutor exec(g);
        const std::vector<Tensor> in = seededInputs(g, 1, 1);
        const CpuRunResult ref = exec.run(sequentialSchedule(g), in);
        const CpuRunResult got = exec.run(merged, in);
        QVERIFY(merges > 0);
        double scale = 0;
        for (float v : ref.outputs[0].data) {
            QVERIFY(std::isfinite(v));
            scale = std::max(scale, double(std::fabs(v)));
        }
        QVERIFY(scale > 0);
        const double diff = worstDifference(ref, got);
        qInfo("Inception V3: %d merge stages, max |diff| %g, max |output| %g", merges, diff, scale);
        QVERIFY(diff <= 1e-5);
    }
};

QTEST_GUILESS_MAIN(TestCpuExecutor)
#include "tst_cpu_executor.moc"
