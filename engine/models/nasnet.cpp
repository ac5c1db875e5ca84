// NasNet-A large (stem filters 96, filters 168, 3x331x331) as the IOS paper defines it
// (python/models/nasnet.py in the IOS repository): a stem conv, two stem cells, then 18 normal
// and 2 reduction cells, each reading the two cells before it. Units follow IOS: a ReLU-
// separable conv is one unit (SepConv with a leading ReLU), a ReLU-then-1x1-conv is one
// sequential unit, and each cell's combination (sums of branch pairs, concatenated) is one
// identity op with sum terms. IOS simplifies the canonical network in three ways kept here:
// normal cells concatenate 5 branches (3360 channels at the end, not 4032), the second stem
// cell sums its two strided 1x1 paths, and factorized reductions are 1x1 stride-2 ReLU-convs
// (no pooling path shift). 374 units.
#include "models/model_builder.h"
#include "models/model_registry.h"

#include <string>
#include <vector>

namespace ioscope {
namespace {

Window pool3(int stride) {
    return makeWindow(3, 3, stride, stride, 1, 1);
}

struct Cell {
    ModelBuilder& b;
    std::string n; // name prefix, "cell05/"

    OpId reluConv(const std::string& name, OpId x, int out, int stride = 1) {
        return b.reluConv(n + name, x, out, makeWindow(1, 1, stride, stride));
    }
    // Two ReLU-separable convs; the first keeps the input channels (stem: goes to `out`).
    OpId separable(const std::string& name, OpId x, int out, int kernel, int stride, bool stem = false) {
        const OpId first = b.reluSepConv(n + name + "/sep1", {x}, stem ? out : b.shape(x).c, kernel, stride);
        return b.reluSepConv(n + name + "/sep2", {first}, out, kernel, 1);
    }
    OpId maxPool(const std::string& name, OpId x, int stride) {
        return b.maxPool(n + name, x, pool3(stride));
    }
    OpId avgPool(const std::string& name, OpId x, int stride) {
        return b.avgPool(n + name, x, pool3(stride));
    }
    OpId identity(const std::string& name, const std::vector<std::vector<OpId>>& terms) {
        return b.identity(n + name, terms);
    }
};

OpId stem0(ModelBuilder& b, OpId x, int f) {
    Cell c{b, "stem0/"};
    const OpId x1 = c.reluConv("conv1x1", x, f);
    const OpId c0 = c.identity(
        "comb0", {{c.separable("comb0_left", x1, f, 5, 2), c.separable("comb0_right", x, f, 7, 2, true)}});
    const OpId c1 =
        c.identity("comb1", {{c.maxPool("comb1_left", x1, 2), c.separable("comb1_right", x, f, 7, 2, true)}});
    const OpId c2l = c.avgPool("comb2_left", x1, 2);
    const OpId c2r = c.separable("comb2_right", x, f, 5, 2, true);
    const OpId c3r = c.avgPool("comb3_right", c0, 1);
    const OpId c4l = c.separable("comb4_left", c0, f, 3, 1);
    const OpId c4r = c.maxPool("comb4_right", x1, 2);
    return c.identity("output", {{c1}, {c2l, c2r}, {c3r, c0}, {c4l, c4r}});
}

OpId stem1(ModelBuilder& b, OpId prev, OpId x, int f) {
    Cell c{b, "stem1/"};
    const OpId left = c.reluConv("left", prev, f);
    const OpId right = c.identity(
        "right", {{c.reluConv("right_path1", x, f / 2, 2), c.reluConv("right_path2", x, f / 2, 2)}});
    const OpId c0 = c.identity(
        "comb0", {{c.separable("comb0_left", left, f, 5, 2), c.separable("comb0_right", right, f, 7, 2)}});
    const OpId c1 =
        c.identity("comb1", {{c.maxPool("comb1_left", left, 2), c.separable("comb1_right", right, f, 7, 2)}});
    const OpId c2l = c.avgPool("comb2_left", left, 2);
    const OpId c2r = c.separable("comb2_right", right, f, 5, 2);
    const OpId c3r = c.avgPool("comb3_right", c0, 1);
    const OpId c4l = c.separable("comb4_left", c0, f, 3, 1);
    const OpId c4r = c.maxPool("comb4_right", left, 2);
    // IOS pairs the third branch with comb1 here (the canonical cell uses comb0); kept as IOS has it.
    return c.identity("output", {{c1}, {c2l, c2r}, {c3r, c1}, {c4l, c4r}});
}

// The first normal cell after a reduction: the previous-previous input is twice as large, so it
// is reduced by two strided 1x1 ReLU-convs whose outputs are concatenated.
OpId firstCell(Cell c, OpId x, OpId prev, int leftF, int rightF) {
    const OpId left = c.identity(
        "left", {{c.reluConv("left_path1", prev, leftF, 2)}, {c.reluConv("left_path2", prev, leftF, 2)}});
    const OpId right = c.reluConv("right", x, rightF);
    const OpId c0l = c.separable("comb0_left", right, rightF, 5, 1);
    const OpId c0r = c.separable("comb0_right", right, rightF, 3, 1);
    const OpId c1l = c.separable("comb1_left", left, rightF, 5, 1);
    const OpId c1r = c.separable("comb1_right", left, rightF, 3, 1);
    const OpId c2l = c.avgPool("comb2_left", right, 1);
    const OpId c3l = c.avgPool("comb3_left", left, 1);
    const OpId c3r = c.avgPool("comb3_right", left, 1);
    const OpId c4l = c.separable("comb4_left", right, rightF, 3, 1);
    return c.identity("output", {{left}, {c0l, c0r}, {c1l, c1r}, {c2l, left}, {c3l, c3r}, {c4l, right}});
}

OpId normalCell(Cell c, OpId x, OpId prev, int leftF, int rightF) {
    const OpId left = c.reluConv("left", prev, leftF);
    const OpId right = c.reluConv("right", x, rightF);
    const OpId c0l = c.separable("comb0_left", right, rightF, 5, 1);
    const OpId c0r = c.separable("comb0_right", left, leftF, 3, 1);
    const OpId c1l = c.separable("comb1_left", left, leftF, 5, 1);
    const OpId c1r = c.separable("comb1_right", left, leftF, 3, 1);
    const OpId c2l = c.avgPool("comb2_left", right, 1);
    const OpId c3l = c.avgPool("comb3_left", left, 1);
    const OpId c3r = c.avgPool("comb3_right", left, 1);
    const OpId c4l = c.separable("comb4_left", right, rightF, 3, 1);
    return c.identity("output", {{c0l, c0r}, {c1l, c1r}, {c2l, left}, {c3l, c3r}, {c4l, right}});
}

OpId reductionCell(Cell c, OpId x, OpId prev, int leftF, int rightF) {
    const OpId left = c.reluConv("left", prev, leftF);
    const OpId right = c.reluConv("right", x, rightF);
    const OpId c0 = c.identity("comb0", {{c.separable("comb0_left", right, rightF, 5, 2),
                                          c.separable("comb0_right", left, rightF, 7, 2)}});
    const OpId c1l = c.maxPool("comb1_left", right, 2);
    const OpId c1r = c.separable("comb1_right", left, rightF, 7, 2);
    const OpId c1 = c.identity("comb1", {{c1l, c1r}});
    const OpId c2l = c.avgPool("comb2_left", right, 2);
    const OpId c2r = c.separable("comb2_right", left, rightF, 5, 2);
    const OpId c3r = c.avgPool("comb3_right", c0, 1);
    const OpId c4l = c.separable("comb4_left", c0, rightF, 3, 1);
    const OpId c4r = c.maxPool("comb4_right", right, 2);
    return c.identity("output", {{c1l, c1r}, {c2l, c2r}, {c1, c3r}, {c4l, c4r}});
}

} // namespace

Graph buildNasNet() {
    constexpr int stemFilters = 96, f = 168;
    ModelBuilder b("nasnet", {3, 331, 331});
    const OpId conv0 =
        b.conv("conv0", {b.input()}, stemFilters, makeWindow(3, 3, 2, 2), Activation::None); // 96x165x165
    const OpId s0 = stem0(b, conv0, f / 4);                                                  // 168x83x83
    const OpId s1 = stem1(b, s0, conv0, f / 2);                                              // 336x42x42
    std::vector<OpId> v{conv0, s0, s1}; // cell outputs; each cell reads the last two
    int index = 0;
    auto cellName = [&] {
        ++index;
        return Cell{b, std::string("cell") + (index < 10 ? "0" : "") + std::to_string(index) + "/"};
    };
    // Three groups of a first cell and five normal cells, with reductions between them.
    for (int group = 0; group < 3; ++group) {
        const int scale = 1 << group; // filters 168, 336, 672
        if (group > 0) {
            const OpId red = reductionCell(cellName(), v.back(), v[v.size() - 2], f * scale, f * scale);
            // The first cell after a reduction reads the reduction and, as its second input, the
            // reduction's own second input (IOS: first_cell(v10, v8)).
            const OpId beforeReduction = v[v.size() - 2];
            v.push_back(red);
            v.push_back(firstCell(cellName(), red, beforeReduction, f * scale / 2, f * scale));
        } else {
            v.push_back(firstCell(cellName(), s1, s0, f / 2, f));
        }
        for (int k = 0; k < 5; ++k)
            v.push_back(normalCell(cellName(), v.back(), v[v.size() - 2], f * scale, f * scale));
    }
    const OpId r = b.relu("relu", v.back());
    b.globalAvgPool("global_pool", r);
    return b.finish();
}

} // namespace ioscope
