#pragma once
// Whether cuBLASLt's ReLU epilogue sees the C matrix: D = relu(A·B + beta·C + bias), as a residual
// block needs, or relu(A·B + bias) + beta·C. The documentation does not say, so the device is asked
// once per element type with a GEMM whose two readings differ in sign; a pointwise conv gives
// cuBLASLt a residual under ReLU only where the answer is yes.
#include "gpu/data_type.h"

namespace ioscope::gpu {

class Device;

// Measured on first use for `type` (and cached on the device); false where cuBLASLt offers no
// algorithm for the probe. Callers hold device.lock().
bool ltReluSeesResidual(Device& device, DataType type);

} // namespace ioscope::gpu
