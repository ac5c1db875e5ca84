// Writes the small crafted ONNX seeds of tests/fuzz/seeds/onnx (run by hand after changing it:
// build-fuzz/fuzz/make_onnx_seeds tests/fuzz/seeds/onnx): shapes the bundled fixtures lack, such
// as weights in an external file (weights.bin, which fuzz_onnx provides), Constant nodes,
// Reshape/Flatten, Concat and pools, ceil-mode pools with end padding, and split attention's
// radix softmax with its near misses (radix_bad_*.onnx: each must be refused naming its node;
// tests/app/tst_cli_onnx.cpp runs them through the CLI), so the fuzzer starts from them.
#include "engine/onnx_test_models.h"

#include <cstdio>
#include <string>

using onnxtest::ModelBuilder;
using I64s = std::vector<std::int64_t>;

namespace {

// A pool `type` of kernel k, stride s, ONNX pads (top, left, bottom, right), ceil mode.
onnx::NodeProto* pool(ModelBuilder& m, const char* type, const std::string& in, const std::string& out,
                      std::int64_t k, std::int64_t s, const I64s& pads, bool ceil, const std::string& name) {
    auto* n = m.node(type, {in}, {out}, name);
    ModelBuilder::attr(n, "kernel_shape", I64s{k, k});
    ModelBuilder::attr(n, "strides", I64s{s, s});
    ModelBuilder::attr(n, "pads", pads);
    if (ceil) ModelBuilder::attr(n, "ceil_mode", std::int64_t{1});
    return n;
}

// Split attention's radix softmax on (1, C, 1, 1) (the mean of x over H, W): Reshape to `view`,
// Transpose by `perm` (none when empty), Softmax over `axis` (at `opset`), Reshape to `back`.
// Node names: view, transpose, rsoftmax, back.
ModelBuilder radixSoftmax(std::int64_t c, const I64s& view, const I64s& perm, std::int64_t axis,
                          const I64s& back, int opset = 17) {
    ModelBuilder m({1, c, 4, 4}, opset);
    auto* mean = m.node("ReduceMean", {"x"}, {"m"}, "mean");
    ModelBuilder::attr(mean, "axes", I64s{2, 3});
    m.initInts("view_shape", view);
    m.initInts("back_shape", back);
    m.node("Reshape", {"m", "view_shape"}, {"v"}, "view");
    std::string t = "v";
    if (!perm.empty()) {
        ModelBuilder::attr(m.node("Transpose", {"v"}, {"t"}, "transpose"), "perm", perm);
        t = "t";
    }
    ModelBuilder::attr(m.node("Softmax", {t}, {"s"}, "rsoftmax"), "axis", axis);
    m.node("Reshape", {"s", "back_shape"}, {"y"}, "back");
    I64s out = back;
    std::int64_t known = 1;
    for (auto d : back) known *= d > 0 ? d : 1;
    for (auto& d : out)
        if (d < 0) d = c / known;
    m.output("y", out);
    return m;
}

} // namespace

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
    { // Ceil-mode pools with end padding (Window::eh/ew): max and average (count_include_pad 0
      // and 1), uneven pads, and a max pool whose last window lies wholly in the end padding (the
      // importer's -infinity Pad).
        ModelBuilder m({1, 4, 8, 8});
        pool(m, "MaxPool", "x", "a", 3, 2, {0, 0, 0, 0}, true, "max_ceil");            // 8 -> 4, end pad 1
        pool(m, "AveragePool", "x", "b", 3, 2, {1, 0, 0, 1}, true, "avg_ceil_uneven"); // begin 1 / end 1
        auto* c = pool(m, "AveragePool", "x", "c", 2, 3, {0, 0, 1, 1}, true, "avg_ceil_counted");
        ModelBuilder::attr(c, "count_include_pad", std::int64_t{1});
        pool(m, "MaxPool", "x", "d", 2, 2, {0, 0, 2, 2}, false, "max_window_in_padding"); // 8 -> 5
        pool(m, "MaxPool", "a", "e", 3, 2, {1, 1, 1, 1}, true, "max_ceil_padded");        // 4 -> 3
        m.output("a", {1, 4, 4, 4});
        m.output("b", {1, 4, 4, 4});
        m.output("c", {1, 4, 3, 3});
        m.output("d", {1, 4, 5, 5});
        m.output("e", {1, 4, 3, 3});
        m.save(dir + "/ceil_pools.onnx");
    }
    // Split attention's radix-2 softmax as timm exports it, then its near misses.
    radixSoftmax(8, {1, 1, 2, -1}, {0, 2, 1, 3}, 1, {1, -1}).save(dir + "/radix_softmax.onnx");
    radixSoftmax(12, {1, 1, 3, -1}, {0, 2, 1, 3}, 1, {1, -1}).save(dir + "/radix_bad_radix3.onnx");
    radixSoftmax(8, {1, 1, 4, -1}, {0, 2, 1, 3}, 1, {1, -1}).save(dir + "/radix_bad_radix4.onnx");
    radixSoftmax(8, {1, 2, 2, -1}, {0, 2, 1, 3}, 1, {1, -1}).save(dir + "/radix_bad_cardinality2.onnx");
    radixSoftmax(8, {1, 1, 2, -1}, {0, 1, 3, 2}, 2, {1, -1}).save(dir + "/radix_bad_perm.onnx");
    radixSoftmax(8, {1, 1, 2, -1}, {0, 2, 1, 3}, 3, {1, -1}).save(dir + "/radix_bad_axis3.onnx");
    radixSoftmax(8, {1, 1, 2, -1}, {0, 2, 1, 3}, 0, {1, -1}).save(dir + "/radix_bad_axis0.onnx");
    radixSoftmax(8, {1, 1, 2, -1}, {0, 2, 1, 3}, 2, {1, -1}).save(dir + "/radix_bad_axis_size1.onnx");
    radixSoftmax(8, {1, 1, 2, -1}, {0, 2, 1, 3}, 1, {1, 4, 2}).save(dir + "/radix_bad_back.onnx");
    radixSoftmax(8, {1, 1, 2, -1}, {0, 2, 1, 3}, 1, {2, -1}).save(dir + "/radix_bad_back_batch.onnx");
    radixSoftmax(8, {1, 1, 3, 3}, {0, 2, 1, 3}, 1, {1, -1}).save(dir + "/radix_bad_view_count.onnx");
    radixSoftmax(8, {1, 1, 2, -1}, {0, 2, 1, 3}, 1, {1, -1}, 11).save(dir + "/radix_bad_opset11.onnx");
    { // The radix view fed to an op other than Softmax (a sigmoid on the view).
        ModelBuilder m = radixSoftmax(8, {1, 1, 2, -1}, {0, 2, 1, 3}, 1, {1, -1});
        m.graph->mutable_node(3)->set_op_type("Sigmoid");
        m.graph->mutable_node(3)->set_name("sigmoid");
        m.graph->mutable_node(3)->clear_attribute();
        m.save(dir + "/radix_bad_sigmoid.onnx");
    }
    { // Cardinality 2 transposed and reshaped back without a softmax.
        ModelBuilder m = radixSoftmax(8, {1, 2, 2, -1}, {0, 2, 1, 3}, 1, {1, -1});
        m.graph->mutable_node(3)->set_op_type("Identity");
        m.graph->mutable_node(3)->clear_attribute();
        m.save(dir + "/radix_bad_cardinality2_back.onnx");
    }
    return 0;
}
