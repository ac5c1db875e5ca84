// The profile database (CPU-only): JSON round trip, atomic save/load, the cache:FILE cost model,
// bad files, and a search replayed from the cache picking the same schedule as the search that
// recorded it.
#include "cost/cost_factory.h"
#include "cost/profile_cache.h"
#include "cost/stage_signature.h"
#include "gpu_test_graphs.h"
#include "sched/scheduler.h"
#include "util/atomic_file.h"
#include "util/errors.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace ioscope;

namespace {

ProfileContext h100(Precision p = Precision::Tf32, int batch = 1) {
    return {"NVIDIA H100 80GB HBM3", "13.0", "9.14.0", p, batch, "graph"};
}

// Records every latency a model gives into a profile database, as the live profiler does.
class Recording : public CostModel {
  public:
    Recording(std::unique_ptr<CostModel> inner, ProfileCache& cache)
        : inner_(std::move(inner)), cache_(cache) {}
    std::string name() const override { return inner_->name(); }
    std::string device() const override { return inner_->device(); }
    double stageLatencyMs(const Graph& g, const Stage& s, const RunConfig& cfg) override {
        const double ms = inner_->stageLatencyMs(g, s, cfg);
        ProfileContext c = h100(cfg.precision, cfg.batch);
        cache_.insert(c, stageSignature(g, s, cfg), ms);
        return ms;
    }

  private:
    std::unique_ptr<CostModel> inner_;
    ProfileCache& cache_;
};

} // namespace

class TestProfileCache : public QObject {
    Q_OBJECT
  private slots:
    void roundTrip() {
        ProfileCache c;
        c.insert(h100(), "concurrent|b1|tf32|{conv(a)}", 0.0123);
        c.insert(h100(), "merge|b1|tf32|{conv(a),conv(b)}", 0.02);
        c.insert(h100(Precision::Fp32), "concurrent|b1|fp32|{conv(a)}", 0.03);
        const ProfileCache back = ProfileCache::fromJson(c.toJson(), "mem.json");
        QCOMPARE(back.size(), size_t(3));
        QCOMPARE(back.contexts().size(), size_t(2));
        QCOMPARE(*back.find(h100(), "concurrent|b1|tf32|{conv(a)}"), 0.0123);
        QVERIFY(!back.find(h100(Precision::Tf32, 8), "concurrent|b1|tf32|{conv(a)}"));
        QCOMPARE(back.toJson(), c.toJson());

        QTemporaryDir dir;
        const std::string path = (dir.path() + "/profiles.json").toStdString();
        c.save(path);
        QCOMPARE(ProfileCache::load(path).toJson(), c.toJson());
        ProfileCache merged;
        merged.insert(h100(), "other", 1.0);
        merged.merge(ProfileCache::load(path));
        QCOMPARE(merged.size(), size_t(4));
    }

    // Layout and precision are part of a table's key: an NHWC measurement never answers for an
    // NCHW run or for another precision, and files from before layouts existed read as NCHW.
    void layoutAndPrecisionKeyTables() {
        ProfileCache c;
        ProfileContext nhwc = h100(Precision::Fp16);
        nhwc.layout = Layout::Nhwc;
        ProfileContext nchw = nhwc;
        nchw.layout = Layout::Nchw;
        c.insert(nhwc, "stage", 0.01);
        c.insert(nchw, "stage", 0.02);
        const ProfileCache back = ProfileCache::fromJson(c.toJson(), "mem.json");
        QCOMPARE(back.contexts().size(), size_t(2));
        QCOMPARE(*back.find(nhwc, "stage"), 0.01);
        QCOMPARE(*back.find(nchw, "stage"), 0.02);
        QVERIFY(!back.find(h100(Precision::Bf16), "stage"));
        const ProfileCache old = ProfileCache::fromJson(
            R"({"format":"ioscope-profiles","version":1,"tables":[{"device":"d","cuda":"1","cudnn":"2","precision":"fp32","batch":1,"mode":"graph","stages":{"s":1}}]})",
            "old.json");
        QVERIFY(old.contexts().front().layout == Layout::Nchw);
        QVERIFY(QString::fromStdString(back.toJson()).contains("\"layout\": \"nchw\""));
    }

    void badFilesNameThePlace() {
        const char* bad[] = {
            "{", R"({"format":"x","version":1,"tables":[]})",
            R"({"format":"ioscope-profiles","version":1,"tables":[{"device":"d","cuda":"1","cudnn":"2","precision":"fp8","batch":1,"mode":"graph","stages":{}}]})",
            R"({"format":"ioscope-profiles","version":1,"tables":[{"device":"d","cuda":"1","cudnn":"2","precision":"fp32","batch":1,"mode":"graph","stages":{"s":-1}}]})"};
        for (const char* text : bad) {
            try {
                ProfileCache::fromJson(text, "bad.json");
                QFAIL(text);
            } catch (const InputError& e) {
                QVERIFY2(QString(e.what()).startsWith("bad.json"), e.what());
            }
        }
    }

    void cacheReplayGivesTheSameSchedule() {
        const Graph g = gputest::branchyGraph();
        SchedulerOptions options;
        options.run = {1, Precision::Tf32};
        ProfileCache recorded;
        Recording live(makeCostModel("sim:H100", options.run), recorded);
        const ScheduleResult first = iosSchedule(g, live, options);

        QTemporaryDir dir;
        const std::string path = (dir.path() + "/h100-branchy-tf32.json").toStdString();
        recorded.save(path);
        auto replay = makeCostModel("cache:" + path, options.run);
        QVERIFY(replay->device().find("H100") != std::string::npos);
        const ScheduleResult second = iosSchedule(g, *replay, options);
        QVERIFY(first.schedule == second.schedule);
        QCOMPARE(second.latencyMs, first.latencyMs);

        // Another precision or batch is not in the file: a clear input error.
        QVERIFY_THROWS_EXCEPTION(InputError, makeCostModel("cache:" + path, RunConfig{4, Precision::Tf32}));
        // A stage never measured: a runtime failure naming the file.
        Stage unknown{Strategy::Concurrent, {{g.find("head")}, {g.find("stem")}}};
        try {
            replay->stageLatencyMs(g, unknown, options.run);
            QFAIL("expected a miss");
        } catch (const RuntimeFailure& e) {
            QVERIFY(QString(e.what()).contains("h100-branchy-tf32.json"));
        }
    }
};

QTEST_GUILESS_MAIN(TestProfileCache)
#include "tst_profile_cache.moc"
