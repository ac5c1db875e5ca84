#pragma once
// CPU reference of the data-movement and broadcasting kinds of issue #13: Slice, Pad, Resize,
// ChannelShuffle and Binary. NCHW float tensors at any batch, clarity over speed.
#include "exec/tensor.h"
#include "graph/op.h"

namespace ioscope {

Tensor sliceBox(const Tensor& x, const SliceBox& box);
Tensor pad(const Tensor& x, const PadSpec& spec);
Tensor resize(const Tensor& x, const ResizeSpec& spec);
Tensor channelShuffle(const Tensor& x, int groups);
// Element-wise a (fn) b with numpy broadcasting over C, H, W (each dim equal or 1); equal batch.
Tensor binary(const Tensor& a, const Tensor& b, BinaryFn fn);

// The input coordinate an output coordinate maps to (ONNX's coordinate_transformation_mode);
// the GPU kernels use the same formula.
float resizeSource(int outIndex, int inSize, int outSize, ResizeCoord coord);
// Nearest mode: the input index of a mapped coordinate, clamped into [0, inSize).
int nearestIndex(float source, int inSize, NearestRound round);

} // namespace ioscope
