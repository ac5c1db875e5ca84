#pragma once
// Weights as the runtime's kernels read them: converted to the run's element type and, for
// channels-last runs, reordered the way cuDNN's NHWC filters and ioscope's depthwise kernel
// expect. Host-side and pure, apart from the upload itself.
#include "cost/cost_model.h"
#include "gpu/device.h"
#include "gpu/tensor_view.h"

#include <cstdint>
#include <vector>

namespace ioscope::gpu {

// [K][C][kh][kw] (the IR's order) to [K][kh][kw][C] for NHWC; unchanged for NCHW.
std::vector<float> convFilter(const std::vector<float>& kernel, int k, int c, int kh, int kw, Layout layout);

// A depthwise kernel [C][1][kh][kw] as taps [kh][kw][C], so neighbouring threads (channels)
// read neighbouring weights.
std::vector<float> depthwiseTaps(const std::vector<float>& kernel, int channels, int kh, int kw);

// fp16 or bf16 bit patterns of `values` (round to nearest even).
std::vector<std::uint16_t> toHalfBits(const std::vector<float>& values, DataType type);

// Host values converted to `type` (round to nearest even) and copied to a new device buffer.
DeviceBuffer uploadAs(const std::vector<float>& values, DataType type);

// `values` (in `type`) converted back to float.
std::vector<float> toFloats(const void* values, size_t count, DataType type);

} // namespace ioscope::gpu
