#pragma once
// Plain, obviously correct CPU implementations of every op kind on NCHW float tensors at any
// batch. They are the numerical oracle for schedules and the GPU runtime: clarity over speed,
// though convolutions loop so the innermost run is contiguous (Inception V3 runs in seconds).
//
// Conventions: padding is zero for convolutions and ignored by max pooling; average pooling
// divides by the taps inside the padded input when countIncludePad (kh*kw unless a window runs
// past the end padding), else by the in-bounds taps (ONNX's AveragePool); softmax normalises over
// channels at each (n, h, w); fully connected flattens each sample as (C, H, W).
#include "exec/tensor.h"
#include "graph/op.h"

#include <vector>

namespace ioscope {

// Applies an activation element-wise, in place.
void applyActivation(Tensor& t, Activation act);

// The op's inputs met as the kind demands: Concat concatenates, Add sums, Mul multiplies,
// every other kind uses op.combine (Sum or Concat). One input passes through unchanged.
Tensor combineInputs(const Op& op, const std::vector<const Tensor*>& inputs);

Tensor conv2d(const Tensor& x, const Op& op, const Weights& w);  // groups, dilation, bias, activation
Tensor sepConv(const Tensor& x, const Op& op, const Weights& w); // [ReLU] depthwise, pointwise, bias, act
Tensor pool(const Tensor& x, const Op& op);                      // MaxPool or AvgPool
Tensor globalAvgPool(const Tensor& x);
Tensor fullyConnected(const Tensor& x, const Op& op, const Weights& w);
Tensor softmaxChannels(const Tensor& x);
Tensor scaleShift(const Tensor& x, const Weights& w);

// One non-Sequential op on its already combined input.
Tensor applySingleOp(const Op& op, const Tensor& combined, const Weights& w);

// A whole op from its producers' outputs: combine, then the op (a Sequential op runs its body
// in order). `weights` as seededOpWeights returns them (one per body op for Sequential).
Tensor computeOp(const Op& op, const std::vector<const Tensor*>& inputs, const std::vector<Weights>& weights);

} // namespace ioscope
