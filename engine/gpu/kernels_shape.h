#pragma once
// Kernels of the data-movement and broadcasting kinds (issue #13): Slice, Pad, Resize,
// ChannelShuffle (one gather kernel, each output element reads the input element(s) it comes
// from) and Binary (add/sub/mul/div with broadcasting). Strided views in any layout, fp32/fp16/
// bf16 storage with fp32 arithmetic, as gpu/kernels.h; the CPU reference is exec/cpu_ops_shape.h.
#include "gpu/kernels.h"

namespace ioscope::gpu {

enum GatherCode : int { kGatherSlice = 0, kGatherPad = 1, kGatherResize = 2, kGatherShuffle = 3 };

struct GatherArgs {
    Operand x;
    int inC = 1, inH = 1, inW = 1;
    int code = kGatherSlice;
    int c0 = 0, h0 = 0, w0 = 0, sh = 1, sw = 1; // slice
    int top = 0, left = 0;                      // pad (bottom/right follow from the sizes)
    bool reflect = false;
    float value = 0.0f;
    bool linear = false; // resize: bilinear, else nearest
    int coord = 0;       // ResizeCoord
    int round = 0;       // NearestRound
    int groups = 1;      // channel shuffle
    OutputArgs out;
};
void launchGather(const GatherArgs& args, cudaStream_t stream);

enum BinaryCode : int { kBinaryAdd = 0, kBinarySub = 1, kBinaryMul = 2, kBinaryDiv = 3 };

struct BinaryArgs {
    Operand a, b;
    int aC = 1, aH = 1, aW = 1, bC = 1, bH = 1, bW = 1; // a dim of 1 broadcasts
    int fn = kBinaryAdd;
    int activation = kActNone;
    OutputArgs out;
};
void launchBinary(const BinaryArgs& args, cudaStream_t stream);

} // namespace ioscope::gpu
