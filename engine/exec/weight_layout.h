#pragma once
// Weight orders the GPU runtime's kernels read, from the IR's order (exec/weights_init.h).
// CUDA-free, so the permutations are tested everywhere.
#include <vector>

namespace ioscope {

// A filter [K][C][kh][kw] as [K][kh][kw][C] (cuDNN's NHWC filter format).
std::vector<float> filterChannelsLast(const std::vector<float>& kernel, int k, int c, int kh, int kw);

// A depthwise kernel [C][1][kh][kw] as taps [kh][kw][C], so neighbouring threads (channels)
// read neighbouring weights.
std::vector<float> depthwiseTaps(const std::vector<float>& kernel, int channels, int kh, int kw);

} // namespace ioscope
