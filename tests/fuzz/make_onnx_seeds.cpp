// Writes the small crafted ONNX seeds of tests/fuzz/seeds/onnx (run by hand after changing it:
// build-fuzz/fuzz/make_onnx_seeds tests/fuzz/seeds/onnx): shapes the bundled fixtures lack, such
// as weights in an external file (weights.bin, which fuzz_onnx provides), Constant nodes,
// Reshape/Flatten, Concat and pools, so the fuzzer starts from them.
#include "engine/onnx_test_models.h"

#include <cstdio>
#include <string>

using onnxtest::ModelBuilder;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_onnx_seeds FOLDER\n");
        return 2;
    }
    const std::string dir = argv[1];
    { // Conv whose weights and bias live in weights.bin.
        ModelBuilder m({1, 3, 8, 8});
        m.external("W", {4, 3, 3, 3}, "weights.bin", 0);
        m.external("B", {4}, "weights.bin", 432);
        auto* n = m.node("Conv", {"x", "W", "B"}, {"y"});
        ModelBuilder::attr(n, "kernel_shape", std::vector<std::int64_t>{3, 3});
        ModelBuilder::attr(n, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
        m.node("Relu", {"y"}, {"z"});
        m.output("z", {1, 4, 8, 8});
        m.save(dir + "/external_conv.onnx");
    }
    { // Two branches, concat, pools, flatten, Gemm.
        ModelBuilder m({1, 3, 16, 16});
        m.conv("x", "a", 3, 8, 3, 1);
        m.conv("x", "b", 3, 8, 1, 0, 1, 5);
        m.node("Concat", {"a", "b"}, {"c"})->add_attribute()->CopyFrom([] {
            onnx::AttributeProto a;
            a.set_name("axis");
            a.set_type(onnx::AttributeProto::INT);
            a.set_i(1);
            return a;
        }());
        auto* p = m.node("MaxPool", {"c"}, {"p"});
        ModelBuilder::attr(p, "kernel_shape", std::vector<std::int64_t>{2, 2});
        ModelBuilder::attr(p, "strides", std::vector<std::int64_t>{2, 2});
        m.node("GlobalAveragePool", {"p"}, {"g"});
        auto* f = m.node("Flatten", {"g"}, {"f"});
        ModelBuilder::attr(f, "axis", std::int64_t{1});
        m.init("Wfc", {10, 16}, 3);
        m.init("Bfc", {10}, 4);
        auto* gemm = m.node("Gemm", {"f", "Wfc", "Bfc"}, {"o"});
        ModelBuilder::attr(gemm, "transB", std::int64_t{1});
        m.node("Softmax", {"o"}, {"s"});
        m.output("s", {1, 10});
        m.save(dir + "/branches_gemm.onnx");
    }
    { // Constant node shapes feeding a Reshape; BatchNorm folded into a conv; Add of branches.
        ModelBuilder m({1, 4, 8, 8});
        m.conv("x", "c1", 4, 4, 3, 1);
        m.init("scale", {4}, 1), m.init("bias", {4}, 2), m.init("mean", {4}, 3), m.init("var", {4}, 4);
        m.node("BatchNormalization", {"c1", "scale", "bias", "mean", "var"}, {"bn"});
        m.node("Add", {"bn", "x"}, {"sum"});
        auto* k = m.node("Constant", {}, {"shape"});
        auto* a = k->add_attribute();
        a->set_name("value_ints");
        a->set_type(onnx::AttributeProto::INTS);
        for (std::int64_t d : {1, 256}) a->add_ints(d);
        m.node("Reshape", {"sum", "shape"}, {"r"});
        m.output("r", {1, 256});
        m.save(dir + "/constant_reshape.onnx");
    }
    return 0;
}
