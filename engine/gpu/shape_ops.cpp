// Launch steps of the data-movement and broadcasting kinds: Slice, Pad, Resize, ChannelShuffle
// (one gather kernel) and Binary (add/sub/mul/div with broadcasting), any layout and type.
#include "gpu/cuda_check.h"
#include "gpu/kernels_shape.h"
#include "gpu/op_program.h"

namespace ioscope::gpu {
namespace {

int binaryCode(BinaryFn fn) {
    switch (fn) {
    case BinaryFn::Add:
        return kBinaryAdd;
    case BinaryFn::Sub:
        return kBinarySub;
    case BinaryFn::Mul:
        return kBinaryMul;
    case BinaryFn::Div:
        return kBinaryDiv;
    }
    return kBinaryAdd;
}

} // namespace

void ProgramCompiler::addShapeOp(Program& prog, const Op& op, const std::vector<View>& inputs,
                                 const View& y) {
    if (op.kind == OpKind::Binary) {
        if (inputs.size() != 2) throw RuntimeFailure("op '" + op.name + "': a binary op needs two inputs");
        BinaryArgs a;
        a.a = operandOf(inputs[0]), a.b = operandOf(inputs[1]);
        a.aC = inputs[0].shape.c, a.aH = inputs[0].shape.h, a.aW = inputs[0].shape.w;
        a.bC = inputs[1].shape.c, a.bH = inputs[1].shape.h, a.bW = inputs[1].shape.w;
        a.fn = binaryCode(op.binary);
        a.activation = activationCode(op.activation);
        a.out = outputOf(y, plan_.batch());
        prog.steps.push_back([a](Slot& s) {
            launchBinary(a, s.stream);
            IOSCOPE_CHECK(cudaPeekAtLastError());
        });
        return;
    }
    if (inputs.size() != 1) throw RuntimeFailure("op '" + op.name + "': takes one input");
    const View& x = inputs.front();
    GatherArgs a;
    a.x = operandOf(x);
    a.inC = x.shape.c, a.inH = x.shape.h, a.inW = x.shape.w;
    a.out = outputOf(y, plan_.batch());
    switch (op.kind) {
    case OpKind::Slice:
        a.code = kGatherSlice;
        a.c0 = op.slice.c0, a.h0 = op.slice.h0, a.w0 = op.slice.w0, a.sh = op.slice.sh, a.sw = op.slice.sw;
        break;
    case OpKind::Pad:
        a.code = kGatherPad;
        a.top = op.pad.top, a.left = op.pad.left;
        a.reflect = op.pad.mode == PadMode::Reflect;
        a.value = op.pad.value;
        break;
    case OpKind::Resize:
        a.code = kGatherResize;
        a.linear = op.resize.mode == ResizeMode::Linear;
        a.coord = int(op.resize.coord);
        a.round = int(op.resize.round);
        break;
    case OpKind::ChannelShuffle:
        a.code = kGatherShuffle;
        a.groups = op.groups;
        break;
    default:
        throw RuntimeFailure("op '" + op.name + "': not a data-movement kind");
    }
    prog.steps.push_back([a](Slot& s) {
        launchGather(a, s.stream);
        IOSCOPE_CHECK(cudaPeekAtLastError());
    });
}

} // namespace ioscope::gpu
