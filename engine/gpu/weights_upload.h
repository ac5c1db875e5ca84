#pragma once
// Weights and tensors in the run's element type on the device (exec/numeric_formats.h rounds).
#include "cost/cost_model.h"
#include "gpu/device.h"
#include "gpu/tensor_view.h"

#include <cstdint>
#include <vector>

namespace ioscope::gpu {

// fp16 or bf16 bit patterns of `values` (round to nearest even).
std::vector<std::uint16_t> toHalfBits(const std::vector<float>& values, DataType type);

// Host values converted to `type` (round to nearest even) and copied to a new device buffer.
DeviceBuffer uploadAs(const std::vector<float>& values, DataType type);

// `values` (in `type`) converted back to float.
std::vector<float> toFloats(const void* values, size_t count, DataType type);

} // namespace ioscope::gpu
