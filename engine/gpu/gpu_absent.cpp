// The GPU runtime of builds without CUDA: every entry point says why it is absent. The build
// compiles this file instead of the CUDA sources of engine/gpu (engine/CMakeLists.txt).
#include "gpu/gpu_execution.h"
#include "util/errors.h"

namespace ioscope {

namespace {
constexpr const char* kAbsent = "the GPU runtime is absent: ioscope was built without CUDA, cuDNN and CUPTI";
}

GpuContext::GpuContext(GpuOptions options) : options_(options) {}
GpuContext::~GpuContext() = default;

void GpuContext::DeviceDeleter::operator()(gpu::Device*) const {} // never made here

gpu::Device& GpuContext::device() {
    throw RuntimeFailure(kAbsent);
}

GpuStatus GpuContext::status() {
    GpuStatus s;
    s.reason = kAbsent;
    return s;
}

ExecutionResult executeOnGpu(GpuContext&, const Graph&, const Schedule&, const ExecutionOptions&,
                             CancelFlag) {
    throw RuntimeFailure(kAbsent);
}

LayoutChoice chooseLayoutByMeasurement(GpuContext&, const Graph&, const ExecutionOptions&) {
    throw RuntimeFailure(kAbsent);
}

std::unique_ptr<CostModel> makeGpuCostModel(GpuContext&, ExecMode, std::shared_ptr<ProfileCache>) {
    throw RuntimeFailure(kAbsent);
}

std::unique_ptr<CostModel> GpuContext::makeLiveCostModel(ExecMode, std::shared_ptr<ProfileCache>) {
    throw RuntimeFailure(kAbsent);
}

} // namespace ioscope
