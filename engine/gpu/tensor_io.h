#pragma once
// Host NCHW float tensors in and out of device views of any layout and element type (network
// inputs, outputs for checks, test fixtures).
#include "gpu/tensor_view.h"

#include <vector>

namespace ioscope::gpu {

// `nchw` holds batch * C * H * W floats in NCHW order; they are converted and written into `v`
// (synchronously).
void writeTensor(const View& v, int batch, const std::vector<float>& nchw);

// The view's `batch` samples as NCHW floats (synchronously).
std::vector<float> readTensor(const View& v, int batch);

} // namespace ioscope::gpu
