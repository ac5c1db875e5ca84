// SqueezeNet v1.0 with complex bypass as the IOS paper defines it (ios/models/squeezenet.py):
// every fire module's output is its expand concat summed with a bypass, the identity where the
// channel counts match and a 1x1 conv where they do not. No batch norm, no classifier: a 1x1
// conv to 1000 channels and a global average pool end the network. 3x224x224 input, 50 units.
#include "models/model_builder.h"
#include "models/model_registry.h"

namespace ioscope {
namespace {

OpId fire(ModelBuilder& b, const std::string& n, OpId x, int squeeze, int expand) {
    const OpId s = b.conv(n + "/squeeze1x1", {x}, squeeze, makeWindow(1, 1));
    const OpId e3 = b.conv(n + "/expand3x3", {s}, expand, makeWindow(3, 3, 1, 1, 1, 1));
    const OpId e1 = b.conv(n + "/expand1x1", {s}, expand, makeWindow(1, 1));
    const OpId cat = b.concat(n + "/concat", {e3, e1});
    const OpId bypass =
        b.shape(cat).c == b.shape(x).c ? x : b.conv(n + "/bypass1x1", {x}, 2 * expand, makeWindow(1, 1));
    return b.sum(n + "/sum", {cat, bypass});
}

} // namespace

Graph buildSqueezeNet() {
    ModelBuilder b("squeezenet", {3, 224, 224});
    OpId x = b.conv("conv1", {b.input()}, 96, makeWindow(7, 7, 2, 2, 3, 3)); // 96x112x112
    x = b.maxPool("pool1", x, makeWindow(3, 3, 2, 2));                       // 96x55x55
    x = fire(b, "fire2", x, 16, 64);
    x = fire(b, "fire3", x, 16, 64);
    x = fire(b, "fire4", x, 32, 128);
    x = b.maxPool("pool4", x, makeWindow(3, 3, 2, 2)); // 256x27x27
    x = fire(b, "fire5", x, 32, 128);
    x = fire(b, "fire6", x, 48, 192);
    x = fire(b, "fire7", x, 48, 192);
    x = fire(b, "fire8", x, 64, 256);
    x = b.maxPool("pool8", x, makeWindow(3, 3, 2, 2)); // 512x13x13
    x = fire(b, "fire9", x, 64, 256);
    x = b.conv("conv10", {x}, 1000, makeWindow(1, 1));
    b.globalAvgPool("global_pool", x);
    return b.finish();
}

} // namespace ioscope
