// Inception V3 as the IOS paper defines it (ios/models/inception_v3.py): no batch norm, no
// classifier; every conv carries bias and a fused ReLU; 3x299x299 input; global average pool at
// the end. 119 units: 94 conv, 14 pool, 11 concat.
#include "models/model_builder.h"
#include "models/model_registry.h"

namespace ioscope {
namespace {

Window k1() {
    return makeWindow(1, 1);
}
Window k3(int stride = 1, int pad = 0) {
    return makeWindow(3, 3, stride, stride, pad, pad);
}
Window k1x7() {
    return makeWindow(1, 7, 1, 1, 0, 3);
}
Window k7x1() {
    return makeWindow(7, 1, 1, 1, 3, 0);
}
Window k1x3() {
    return makeWindow(1, 3, 1, 1, 0, 1);
}
Window k3x1() {
    return makeWindow(3, 1, 1, 1, 1, 0);
}
Window avg3() {
    return makeWindow(3, 3, 1, 1, 1, 1);
}

OpId stem(ModelBuilder& b, OpId x) {
    x = b.conv("conv1_3x3", {x}, 32, k3(2));    // 32x149x149
    x = b.conv("conv2_3x3", {x}, 32, k3());     // 32x147x147
    x = b.conv("conv3_3x3", {x}, 64, k3(1, 1)); // 64x147x147
    x = b.maxPool("pool1", x, k3(2));           // 64x73x73
    x = b.conv("conv4_1x1", {x}, 80, k1());     // 80x73x73
    x = b.conv("conv5_3x3", {x}, 192, k3());    // 192x71x71
    return b.maxPool("pool2", x, k3(2));        // 192x35x35
}

// 35x35 module with 1x1, 5x5, double 3x3 and pooled branches.
OpId inceptionA(ModelBuilder& b, const std::string& n, OpId x, int poolFeatures) {
    const OpId b1 = b.conv(n + "/1x1", {x}, 64, k1());
    OpId b5 = b.conv(n + "/5x5_reduce", {x}, 48, k1());
    b5 = b.conv(n + "/5x5", {b5}, 64, makeWindow(5, 5, 1, 1, 2, 2));
    OpId b3 = b.conv(n + "/3x3dbl_reduce", {x}, 64, k1());
    b3 = b.conv(n + "/3x3dbl_1", {b3}, 96, k3(1, 1));
    b3 = b.conv(n + "/3x3dbl_2", {b3}, 96, k3(1, 1));
    OpId bp = b.avgPool(n + "/pool", x, avg3());
    bp = b.conv(n + "/pool_proj", {bp}, poolFeatures, k1());
    return b.concat(n + "/concat", {b1, b5, b3, bp});
}

// 35x35 -> 17x17 reduction.
OpId inceptionB(ModelBuilder& b, const std::string& n, OpId x) {
    const OpId b3 = b.conv(n + "/3x3", {x}, 384, k3(2));
    OpId bd = b.conv(n + "/3x3dbl_reduce", {x}, 64, k1());
    bd = b.conv(n + "/3x3dbl_1", {bd}, 96, k3(1, 1));
    bd = b.conv(n + "/3x3dbl_2", {bd}, 96, k3(2));
    const OpId bp = b.maxPool(n + "/pool", x, k3(2));
    return b.concat(n + "/concat", {b3, bd, bp});
}

// 17x17 module with factorized 7x7 branches.
OpId inceptionC(ModelBuilder& b, const std::string& n, OpId x, int c7) {
    const OpId b1 = b.conv(n + "/1x1", {x}, 192, k1());
    OpId b7 = b.conv(n + "/7x7_reduce", {x}, c7, k1());
    b7 = b.conv(n + "/7x7_1", {b7}, c7, k1x7());
    b7 = b.conv(n + "/7x7_2", {b7}, 192, k7x1());
    OpId bd = b.conv(n + "/7x7dbl_reduce", {x}, c7, k1());
    bd = b.conv(n + "/7x7dbl_1", {bd}, c7, k7x1());
    bd = b.conv(n + "/7x7dbl_2", {bd}, c7, k1x7());
    bd = b.conv(n + "/7x7dbl_3", {bd}, c7, k7x1());
    bd = b.conv(n + "/7x7dbl_4", {bd}, 192, k1x7());
    OpId bp = b.avgPool(n + "/pool", x, avg3());
    bp = b.conv(n + "/pool_proj", {bp}, 192, k1());
    return b.concat(n + "/concat", {b1, b7, bd, bp});
}

// 17x17 -> 8x8 reduction.
OpId inceptionD(ModelBuilder& b, const std::string& n, OpId x) {
    OpId b3 = b.conv(n + "/3x3_reduce", {x}, 192, k1());
    b3 = b.conv(n + "/3x3", {b3}, 320, k3(2));
    OpId b7 = b.conv(n + "/7x7x3_reduce", {x}, 192, k1());
    b7 = b.conv(n + "/7x7x3_1", {b7}, 192, k1x7());
    b7 = b.conv(n + "/7x7x3_2", {b7}, 192, k7x1());
    b7 = b.conv(n + "/7x7x3_3", {b7}, 192, k3(2));
    const OpId bp = b.maxPool(n + "/pool", x, k3(2));
    return b.concat(n + "/concat", {b3, b7, bp});
}

// 8x8 module with expanded (1x3 and 3x1 side by side) branches: six concat inputs.
OpId inceptionE(ModelBuilder& b, const std::string& n, OpId x) {
    const OpId b1 = b.conv(n + "/1x1", {x}, 320, k1());
    const OpId b3 = b.conv(n + "/3x3_reduce", {x}, 384, k1());
    const OpId b3a = b.conv(n + "/3x3_a", {b3}, 384, k1x3());
    const OpId b3b = b.conv(n + "/3x3_b", {b3}, 384, k3x1());
    OpId bd = b.conv(n + "/3x3dbl_reduce", {x}, 448, k1());
    bd = b.conv(n + "/3x3dbl_1", {bd}, 384, k3(1, 1));
    const OpId bda = b.conv(n + "/3x3dbl_a", {bd}, 384, k1x3());
    const OpId bdb = b.conv(n + "/3x3dbl_b", {bd}, 384, k3x1());
    OpId bp = b.avgPool(n + "/pool", x, avg3());
    bp = b.conv(n + "/pool_proj", {bp}, 192, k1());
    return b.concat(n + "/concat", {b1, b3a, b3b, bda, bdb, bp});
}

} // namespace

Graph buildInceptionV3() {
    ModelBuilder b("inception_v3", {3, 299, 299});
    OpId x = stem(b, b.input());
    x = inceptionA(b, "mixed_5b", x, 32);
    x = inceptionA(b, "mixed_5c", x, 64);
    x = inceptionA(b, "mixed_5d", x, 64);
    x = inceptionB(b, "mixed_6a", x);
    x = inceptionC(b, "mixed_6b", x, 128);
    x = inceptionC(b, "mixed_6c", x, 160);
    x = inceptionC(b, "mixed_6d", x, 160);
    x = inceptionC(b, "mixed_6e", x, 192);
    x = inceptionD(b, "mixed_7a", x);
    x = inceptionE(b, "mixed_7b", x);
    x = inceptionE(b, "mixed_7c", x);
    b.globalAvgPool("global_pool", x);
    return b.finish();
}

} // namespace ioscope
