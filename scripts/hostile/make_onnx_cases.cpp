// Writes the hostile ONNX inputs of the reliability issue (17) into a folder, for
// scripts/hostile/recheck. Built by that script with the test suite's ONNX model builder.
#include "onnx_test_models.h"

#include <fcntl.h>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using I64s = std::vector<std::int64_t>;

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const std::string dir = argv[1];
    { // Reshape to [2^40, 2^40] and to a batch of 2^62
        onnxtest::ModelBuilder b({1, 4, 4, 4});
        b.initInts("shape", I64s{1LL << 40, 1LL << 40});
        b.node("Reshape", {"x", "shape"}, {"y"});
        b.output("y", {1, 64});
        b.save(dir + "/reshape_2e40.onnx");
        onnxtest::ModelBuilder c({1, 4, 4, 4});
        c.initInts("shape", I64s{1LL << 62, 64});
        c.node("Reshape", {"x", "shape"}, {"y"});
        c.output("y", {1, 64});
        c.save(dir + "/reshape_batch_2e62.onnx");
    }
    { // SAME padding of a 40,000-wide kernel with dilation 40,000 (structure-only weights)
        onnxtest::ModelBuilder b({1, 4, 8, 8});
        b.external("W", {4, 4, 40000, 40000}, "absent.bin", 0);
        auto* n = b.node("Conv", {"x", "W"}, {"y"});
        onnxtest::ModelBuilder::attr(n, "kernel_shape", I64s{40000, 40000});
        onnxtest::ModelBuilder::attr(n, "auto_pad", std::string("SAME_UPPER"));
        onnxtest::ModelBuilder::attr(n, "dilations", I64s{40000, 40000});
        b.output("y", {1, 4, 8, 8});
        b.save(dir + "/same_dilation.onnx");
    }
    { // An unused zero-element initializer (legal: imports)
        onnxtest::ModelBuilder b({1, 4, 4, 4});
        b.init("unused_empty", {0}, std::vector<float>{});
        b.node("Relu", {"x"}, {"y"});
        b.output("y", {1, 4, 4, 4});
        b.save(dir + "/empty_initializer.onnx");
    }
    { // Names with invalid UTF-8, a newline and a terminal escape (legal: imports)
        onnxtest::ModelBuilder b({1, 4, 4, 4});
        b.node("Relu", {"x"}, {"r\xff\xfe"}, "bad\xff\xfe utf8");
        b.node("Relu", {"r\xff\xfe"}, {"y"}, "esc\x1b[31mred\nline");
        b.output("y", {1, 4, 4, 4});
        b.save(dir + "/odd_names.onnx");
    }
    // Chains of ReLUs: 200k distinct (over the ops limit), 20k named alike (legal), 200k alike.
    for (const auto& [file, count, alike] :
         {std::tuple{"nodes_200k.onnx", 200000, false}, std::tuple{"alike_20k.onnx", 20000, true},
          std::tuple{"alike_200k.onnx", 200000, true}}) {
        onnxtest::ModelBuilder b({1, 4, 4, 4});
        std::string prev = "x";
        for (int i = 0; i < count; ++i) {
            const std::string out = "r" + std::to_string(i);
            b.node("Relu", {prev}, {out}, alike ? "same" : "n" + std::to_string(i));
            prev = out;
        }
        b.output(prev, {1, 4, 4, 4});
        b.save(dir + "/" + file);
    }
    { // External data through a symlink to /etc/passwd
        fs::create_directories(dir + "/ext_passwd");
        fs::remove(dir + "/ext_passwd/weights.bin");
        fs::create_symlink("/etc/passwd", dir + "/ext_passwd/weights.bin");
        onnxtest::ModelBuilder b({1, 4, 2, 2});
        b.external("W", {4, 4, 1, 1}, "weights.bin", 0);
        b.node("Conv", {"x", "W"}, {"y"});
        b.output("y", {1, 4, 2, 2});
        b.save(dir + "/ext_passwd/model.onnx");
    }
    { // A sparse 8 GiB external weights file
        fs::create_directories(dir + "/ext_sparse");
        const int fd = ::open((dir + "/ext_sparse/weights.bin").c_str(), O_CREAT | O_WRONLY, 0644);
        if (fd < 0 || ::ftruncate(fd, 8LL << 30) != 0) return 1;
        ::close(fd);
        onnxtest::ModelBuilder b({1, 32768, 1, 1});
        b.external("W", {65536, 32768, 1, 1}, "weights.bin", 0);
        b.node("Conv", {"x", "W"}, {"y"});
        b.output("y", {1, 65536, 1, 1});
        b.save(dir + "/ext_sparse/model.onnx");
    }
    return 0;
}
