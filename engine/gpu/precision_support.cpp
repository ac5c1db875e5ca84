#include "gpu/gpu_execution.h"

namespace ioscope {

std::string precisionUnsupported(Precision p, int computeCapability, const std::string& device) {
    const int need = p == Precision::Bf16 || p == Precision::Tf32 ? 80 : p == Precision::Fp16 ? 70 : 0;
    if (computeCapability >= need) return {};
    return "precision " + std::string(toString(p)) + " needs a GPU of compute capability " +
           std::to_string(need / 10) + "." + std::to_string(need % 10) + " or newer; " + device + " has " +
           std::to_string(computeCapability / 10) + "." + std::to_string(computeCapability % 10);
}

} // namespace ioscope
