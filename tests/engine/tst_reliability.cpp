// Hostile inputs and outputs (the reliability issue's classes), each held by one regression
// input: non-regular files read or written, permissions and symlinks of outputs, numbers and
// bytes the JSON library rejects, integer overflow in shapes and counts, ONNX files with empty
// initializers and thousands of nodes named alike.
#include "analysis/model_totals.h"
#include "analysis/partition.h"
#include "analysis/width.h"
#include "cost/profile_cache.h"
#include "cost/sim_device.h"
#include "graph/graph.h"
#include "graph/op_metrics.h"
#include "io/json_reader.h"
#include "io/model_json.h"
#include "sched/scheduler.h"
#include "schedule/schedule_json.h"
#include "util/atomic_file.h"
#include "util/errors.h"
#ifdef IOSCOPE_HAVE_ONNX
#include "onnx/onnx_import.h"
#include "onnx_test_models.h"
#endif

#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace ioscope;

namespace {

std::string errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return {};
}

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A chain of `n` ReLUs after one input.
Graph reluChain(int n) {
    Graph g("chain");
    OpId prev = g.addInput("x", {8, 4, 4});
    for (int i = 0; i < n; ++i) {
        Op op;
        op.name = "r" + std::to_string(i);
        op.kind = OpKind::Activation;
        op.activation = Activation::Relu;
        op.inputs = {prev};
        prev = g.addOp(op);
    }
    g.finalize("chain");
    return g;
}

// Model JSON text of one sequential op whose body holds `bodyOps` ReLUs.
std::string sequentialBodyJson(int bodyOps) {
    std::string body;
    for (int i = 0; i < bodyOps; ++i)
        body += std::string(i ? "," : "") + R"({"name":"b)" + std::to_string(i) +
                R"(","kind":"activation","activation":"relu"})";
    return R"({"format":"ioscope-model","version":1,"name":"long body","ops":[)"
           R"({"name":"x","kind":"input","shape":[8,4,4]},)"
           R"({"name":"seq","kind":"sequential","inputs":["x"],"body":[)" +
           body + "]}]}";
}

} // namespace

class TestReliability : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string path(const std::string& name) { return (dir_.path() + "/").toStdString() + name; }

  private slots:
    void readsOnlyRegularFiles() {
        const std::string fifo = path("fifo");
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        const auto start = std::chrono::steady_clock::now();
        QVERIFY(errorOf([&] { readFile(fifo); }).find("not a regular file") != std::string::npos);
        QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(2)); // no hang
        const std::string zero = path("zero.json");
        QCOMPARE(::symlink("/dev/zero", zero.c_str()), 0);
        QVERIFY(errorOf([&] { loadModelFile(zero); }).find("not a regular file") != std::string::npos);
        QVERIFY(errorOf([&] { readFile(dir_.path().toStdString()); }).find("directory") != std::string::npos);
        writeFileAtomically(path("big"), std::string(5000, 'x'));
        QVERIFY(errorOf([&] { readFile(path("big"), 4096); }).find("too large") != std::string::npos);
        QCOMPARE(readFile(path("big")).size(), size_t(5000));
    }

    void writesKeepWhatIsNotTheirs() {
        // Permissions of an existing file survive a rewrite.
        const std::string secret = path("secret.json");
        writeFileAtomically(secret, "1");
        ::chmod(secret.c_str(), 0600);
        writeFileAtomically(secret, "2");
        struct stat st {};
        QCOMPARE(::stat(secret.c_str(), &st), 0);
        QCOMPARE(int(st.st_mode & 07777), 0600);
        // A symlink stays a symlink; its target gets the new content.
        const std::string link = path("link.json");
        QCOMPARE(::symlink(secret.c_str(), link.c_str()), 0);
        writeFileAtomically(link, "3");
        QCOMPARE(::lstat(link.c_str(), &st), 0);
        QVERIFY(S_ISLNK(st.st_mode));
        QCOMPARE(readFile(secret), std::string("3"));
        // Anything but a regular file is refused, not replaced (a FIFO here; /dev/full as root).
        const std::string fifo = path("out.fifo");
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        QVERIFY(errorOf([&] { writeFileAtomically(fifo, "x"); }).find("not a regular file") !=
                std::string::npos);
        QCOMPARE(::lstat(fifo.c_str(), &st), 0);
        QVERIFY(S_ISFIFO(st.st_mode));
        // No temporary left behind by a refused or successful write.
        QCOMPARE(QDir(dir_.path()).entryList({"*.json.*", "*.fifo.*"}, QDir::Files).size(), 0);
    }

    void killedWritesLeaveNothing() {
        // A writer killed in the middle of writing 256 MiB leaves the old file and no temporary
        // file (the data goes to an unnamed file until it is complete).
        const std::string file = path("killed.json");
        writeFileAtomically(file, "old");
        const pid_t pid = ::fork();
        if (pid == 0) {
            writeFileAtomically(file, std::string(size_t(256) << 20, 'x'));
            ::_exit(0);
        }
        ::usleep(150000);
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        const std::string now = readFile(file);
        QVERIFY(now == "old" || now.size() == size_t(256) << 20); // killed, or done before the kill
        QCOMPARE(QDir(dir_.path()).entryList({"killed.json.*"}, QDir::Files | QDir::Hidden).size(), 0);
    }

    void jsonLibraryErrorsNameTheFile() {
        const std::string e = errorOf([] { json::parse(R"({"a": 1e400})", "big.json"); });
        QVERIFY2(e.find("big.json") == 0, e.c_str());
        // Names that are not UTF-8 are written, not refused (as U+FFFD).
        Graph g("bad\xff name");
        g.addInput("x\xfe", {3, 8, 8});
        g.finalize("t");
        const std::string text = modelToJson(g);
        QVERIFY(text.find("\xef\xbf\xbd") != std::string::npos);
    }

    void shapeArithmeticIsChecked() {
        Graph g("wide concat");
        const OpId x = g.addInput("x", {2, 1, 1});
        Op cat;
        cat.name = "cat";
        cat.kind = OpKind::Concat;
        cat.inputs.assign(40000, x); // 80,000 channels
        g.addOp(cat);
        QVERIFY(errorOf([&] { g.finalize("wide.json"); }).find("exceed") != std::string::npos);

        Graph big("big conv");
        const OpId in = big.addInput("x", {65536, 1, 1});
        Op conv;
        conv.name = "conv";
        conv.kind = OpKind::Conv;
        conv.inputs = {in};
        conv.outChannels = 65536;
        conv.window = {65535, 65535, 1, 1, 32767, 32767, 1, 1}; // 1.8e19 weights
        big.addOp(conv);
        const std::string weights = errorOf([&] { big.finalize("big.json"); });
        QVERIFY2(weights.find("big.json: op 'conv' (conv2d): its weights would hold 1.84e+19 elements") == 0,
                 weights.c_str());
        // The largest weights allowed (2^31 elements) count exactly.
        Graph edge("edge conv");
        const OpId e = edge.addInput("x", {32768, 2, 2});
        conv.inputs = {e};
        conv.window = {2, 2, 1, 1, 0, 0, 1, 1};
        conv.outChannels = 16384; // 16384 x 32768 x 2 x 2 = 2^31
        edge.addOp(conv);
        edge.finalize("edge.json");
        QCOMPARE(opMetrics(edge.op(1)).params, (std::int64_t(1) << 31) + 16384); // and the bias
    }

    void deviceFilesStayPhysical() {
        const std::string file = path("tiny_bw.json");
        writeFileAtomically(file, R"({"name": "x", "base": "H100", "mem_gbs": 1e-300})");
        const std::string e = errorOf([&] { loadSimDevice(file); });
        QVERIFY2(e.find("mem_gbs") != std::string::npos, e.c_str());
    }

    void manyProfileTablesLoadFast() {
        ProfileCache c;
        for (int b = 1; b <= 20000; ++b) {
            ProfileContext ctx;
            ctx.device = "d";
            ctx.batch = b;
            c.insert(ctx, "s", 0.01);
        }
        const auto start = std::chrono::steady_clock::now();
        const ProfileCache back = ProfileCache::fromJson(c.toJson(), "many.json");
        QCOMPARE(back.contexts().size(), size_t(20000));
        QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(10)); // was quadratic
    }

    void longChainsTakeLinearWork() {
        // 100,000 ops (the default op budget): the width once built the transitive closure
        // (gigabytes); schedules were read with a name scan per op (52 s in `evaluate`).
        const Graph g = reluChain(100000);
        // Seconds that only quadratic work exceeds (it took minutes); sanitizer builds run ~5x slower.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
        const double limit = 60;
#else
        const double limit = 10;
#endif
        auto start = std::chrono::steady_clock::now();
        const WidthResult w = maximumAntichain(g);
        QCOMPARE(w.width, 1);
        QCOMPARE(int(w.antichain.size()), 1);
        partitionBlocks(g);
        criticalPathByFlops(g);
        QVERIFY2(secondsSince(start) < limit, qPrintable(QString::number(secondsSince(start))));
        const std::string text = scheduleToJson(g, makeScheduleDocument(g, sequentialSchedule(g)));
        start = std::chrono::steady_clock::now();
        const ScheduleDocument doc = scheduleFromJson(g, text, "chain.schedule.json");
        QCOMPARE(int(doc.schedule.stages.size()), 100000);
        QVERIFY2(secondsSince(start) < limit, qPrintable(QString::number(secondsSince(start))));
    }

    void opBudgetCountsSequentialBodiesAndNamesItself() {
        const std::string e = errorOf([] { modelFromJson(sequentialBodyJson(100001), "body.json"); });
        QVERIFY2(e.find("body.json: ops: ") == 0, e.c_str());
        QVERIFY2(e.find("100003 ops") != std::string::npos, e.c_str()); // input, sequential op, body
        QVERIFY2(e.find("limit ops = 100000") != std::string::npos, e.c_str());
        QVERIFY2(e.find("IOSCOPE_MAX_OPS") != std::string::npos, e.c_str());
        qputenv("IOSCOPE_MAX_OPS", "200000"); // raised: the same file loads
        const Graph g = modelFromJson(sequentialBodyJson(100001), "body.json");
        qunsetenv("IOSCOPE_MAX_OPS");
        QCOMPARE(int(g.op(1).body.size()), 100001);
    }

    void fileBudgetNamesItself() {
        const std::string file = path("large.json");
        writeFileAtomically(file, std::string(3 << 20, ' '));
        qputenv("IOSCOPE_MAX_JSON_MB", "2");
        const std::string e = errorOf([&] { loadModelFile(file); });
        qunsetenv("IOSCOPE_MAX_JSON_MB");
        QVERIFY2(e.find("json_file_mb = 2 MiB") != std::string::npos, e.c_str());
        QVERIFY2(e.find("IOSCOPE_MAX_JSON_MB") != std::string::npos, e.c_str());
    }

    void jsonValueBudgetRefusesBeforeParsing() {
        // 2,000 empty objects then bytes the parser would reject first if it ran: the budget is
        // checked before anything is parsed, in every reader, naming the file and the limit.
        std::string text = R"({"format":"ioscope-model","version":1,"name":"x","ops":[)";
        for (int i = 0; i < 2000; ++i) text += "{},";
        const std::string file = path("many.json");
        writeFileAtomically(file, text + "!!!");
        const Graph g = reluChain(2);
        qputenv("IOSCOPE_MAX_JSON_VALUES", "1000");
        const std::string errors[] = {
            errorOf([&] { loadModelFile(file); }), errorOf([&] { loadScheduleFile(g, file); }),
            errorOf([&] { ProfileCache::load(file); }), errorOf([&] { loadSimDevice(file); })};
        qunsetenv("IOSCOPE_MAX_JSON_VALUES");
        for (const std::string& e : errors) {
            QVERIFY2(e.find(file + ": more than 1000 values by byte ") == 0, e.c_str());
            QVERIFY2(e.find("limit json_values = 1000 values") != std::string::npos, e.c_str());
            QVERIFY2(e.find("IOSCOPE_MAX_JSON_VALUES") != std::string::npos, e.c_str());
        }
        // Under the default budget the same file is parsed, and the malformed tail reported.
        const std::string e = errorOf([&] { loadModelFile(file); });
        QVERIFY2(e.find("malformed JSON") != std::string::npos, e.c_str());
        // Commas and brackets inside strings are not values.
        qputenv("IOSCOPE_MAX_JSON_VALUES", "10");
        const std::string inString =
            errorOf([] { json::parse("{\"a\": \"[[[,,,,,,,,,,,,{{{\"}", "s.json"); });
        qunsetenv("IOSCOPE_MAX_JSON_VALUES");
        QVERIFY2(inString.empty(), inString.c_str());
    }

#ifdef IOSCOPE_HAVE_ONNX
    void externalDataStaysInTheModelsFolder() {
        QTemporaryDir outside;
        const std::string secret = (outside.path() + "/secret.bin").toStdString();
        writeFileAtomically(secret, std::string(64, 'x'));
        const std::string folder = path("linked");
        QVERIFY(QDir().mkpath(QString::fromStdString(folder)));
        QCOMPARE(::symlink(secret.c_str(), (folder + "/weights.bin").c_str()), 0);
        onnxtest::ModelBuilder b({1, 4, 2, 2});
        b.external("W", {4, 4, 1, 1}, "weights.bin", 0);
        b.node("Conv", {"x", "W"}, {"y"});
        b.output("y", {1, 4, 2, 2});
        b.save(folder + "/model.onnx");
        const std::string e = errorOf([&] { importOnnx(folder + "/model.onnx"); });
        QVERIFY2(e.find("outside the model's folder") != std::string::npos, e.c_str());
        // A link that stays inside the folder is followed.
        ::unlink((folder + "/weights.bin").c_str());
        writeFileAtomically(folder + "/real.bin", std::string(64, '\0'));
        QCOMPARE(::symlink("real.bin", (folder + "/weights.bin").c_str()), 0);
        importOnnx(folder + "/model.onnx");
    }

    void externalWeightsHaveABudget() {
        // A sparse 8 GiB weights file: refused before a byte is read, naming the budget.
        const std::string folder = path("sparse");
        QVERIFY(QDir().mkpath(QString::fromStdString(folder)));
        const int fd = ::open((folder + "/weights.bin").c_str(), O_CREAT | O_WRONLY, 0644);
        QVERIFY(fd >= 0);
        QCOMPARE(::ftruncate(fd, 8LL << 30), 0);
        ::close(fd);
        onnxtest::ModelBuilder b({1, 32768, 1, 1});
        b.external("W", {65536, 32768, 1, 1}, "weights.bin", 0);
        b.node("Conv", {"x", "W"}, {"y"});
        b.output("y", {1, 65536, 1, 1});
        b.save(folder + "/model.onnx");
        const auto start = std::chrono::steady_clock::now();
        const std::string e = errorOf([&] { importOnnx(folder + "/model.onnx"); });
        QVERIFY2(e.find("weights_mb = 2048 MiB") != std::string::npos, e.c_str());
        QVERIFY2(e.find("IOSCOPE_MAX_WEIGHTS_MB") != std::string::npos, e.c_str());
        QVERIFY2(secondsSince(start) < 2, qPrintable(QString::number(secondsSince(start))));
    }

    void externalWeightsAreInMemoryOnce() {
        // 64 MiB of float weights and 16 MiB more stored as doubles, in one external file: the
        // import decodes each straight into its op (checked value by value), and a process that
        // imports them grows by about their size, not twice it.
        const std::string folder = path("weights");
        QVERIFY(QDir().mkpath(QString::fromStdString(folder)));
        constexpr std::int64_t c = 2048, n = c * c;
        const auto expected = [](std::int64_t i, int t) { return float((i * 7 + t) % 13) * 0.25f; };
        onnxtest::ModelBuilder b({1, c, 1, 1});
        std::ofstream bin(folder + "/weights.bin", std::ios::binary);
        std::int64_t offset = 0;
        std::string prev = "x";
        for (int t = 0; t < 5; ++t) {
            const bool asDouble = t == 4;
            for (std::int64_t i = 0; i < n; ++i) {
                const double d = expected(i, t);
                const float f = expected(i, t);
                bin.write(asDouble ? reinterpret_cast<const char*>(&d) : reinterpret_cast<const char*>(&f),
                          asDouble ? 8 : 4);
            }
            const std::string out = "y" + std::to_string(t);
            b.external("W" + out, {c, c, 1, 1}, "weights.bin", offset);
            if (asDouble) {
                auto* w = b.graph->mutable_initializer(b.graph->initializer_size() - 1);
                w->set_data_type(onnx::TensorProto::DOUBLE);
                w->mutable_external_data(2)->set_value(std::to_string(n * 8)); // length
            }
            offset += n * (asDouble ? 8 : 4);
            b.node("Conv", {prev, "W" + out}, {out}, "conv" + std::to_string(t));
            prev = out;
        }
        bin.close();
        b.output(prev, {1, c, 1, 1});
        b.save(folder + "/model.onnx");
        ModelLoadOptions o;
        o.fuse = false;
        const Graph g = importOnnx(folder + "/model.onnx", o);
        for (int t = 0; t < 5; ++t) {
            const Op& op = g.op(g.find("conv" + std::to_string(t)));
            QVERIFY(op.weights);
            QCOMPARE(std::int64_t(op.weights->kernel.size()), n);
            for (std::int64_t i = 0; i < n; i += 4093)
                QCOMPARE(op.weights->kernel[size_t(i)], expected(i, t));
            QCOMPARE(op.weights->kernel.back(), expected(n - 1, t));
        }
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
        QSKIP("sanitizer allocators keep freed memory; the peak is measured in the plain build");
#else
        // Peak resident memory of a forked child that imports, against one that does not.
        const auto childPeakKiB = [&](bool import) {
            const pid_t pid = ::fork();
            if (pid == 0) {
                if (import) importOnnx(folder + "/model.onnx", o);
                ::_exit(0);
            }
            int status = 0;
            struct rusage usage {};
            ::wait4(pid, &status, 0, &usage);
            return static_cast<long long>(usage.ru_maxrss);
        };
        const long long grown = childPeakKiB(true) - childPeakKiB(false);
        const long long weightsKiB = 5 * n * 4 / 1024; // 80 MiB as floats
        QVERIFY2(grown < weightsKiB * 5 / 4,
                 qPrintable(QString("grew %1 KiB for %2 KiB of weights").arg(grown).arg(weightsKiB)));
#endif
    }

    void onnxArithmeticIsChecked() {
        using I64s = std::vector<std::int64_t>;
        { // Reshape to [2^40, 2^40]: refused, not overflowed
            onnxtest::ModelBuilder b({1, 4, 4, 4});
            b.initInts("shape", I64s{1LL << 40, 1LL << 40});
            b.node("Reshape", {"x", "shape"}, {"y"});
            b.output("y", {1, 64});
            b.save(path("reshape.onnx"));
            QVERIFY(!errorOf([&] { importOnnx(path("reshape.onnx")); }).empty());
        }
        { // SAME padding of a 40,000-wide kernel with dilation 40,000 (weights structure only)
            onnxtest::ModelBuilder b({1, 4, 8, 8});
            b.external("W", {4, 4, 40000, 40000}, "absent.bin", 0);
            auto* n = b.node("Conv", {"x", "W"}, {"y"});
            onnxtest::ModelBuilder::attr(n, "kernel_shape", I64s{40000, 40000});
            onnxtest::ModelBuilder::attr(n, "auto_pad", std::string("SAME_UPPER"));
            onnxtest::ModelBuilder::attr(n, "dilations", I64s{40000, 40000});
            b.output("y", {1, 4, 8, 8});
            b.save(path("same.onnx"));
            QVERIFY(!errorOf([&] { importOnnx(path("same.onnx")); }).empty());
        }
    }

    void onnxEmptyInitializersAndAlikeNames() {
        onnxtest::ModelBuilder b({1, 4, 4, 4});
        b.init("unused_empty", {0}, std::vector<float>{});
        std::string prev = "x";
        for (int i = 0; i < 20000; ++i) {
            const std::string out = "r" + std::to_string(i);
            b.node("Relu", {prev}, {out}, "same");
            prev = out;
        }
        b.output(prev, {1, 4, 4, 4});
        const std::string file = path("alike.onnx");
        b.save(file);
        const auto start = std::chrono::steady_clock::now();
        ModelLoadOptions o;
        o.fuse = false;
        const Graph g = importOnnx(file, o);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        QCOMPARE(int(g.units().size()), 20000);
        QVERIFY(g.find("same_20000") >= 0);
        QVERIFY2(s < 10, qPrintable(QString::number(s))); // was 18.9 s with quadratic renaming
    }
#endif
};

QTEST_APPLESS_MAIN(TestReliability)
#include "tst_reliability.moc"
