// Dense layers on one pixel (squeeze-excite's 1x1 convs on pooled maps, fully connected heads) in
// ioscope's own kernel, measured against the cuDNN / cuBLAS paths by the callers in op_program.cpp.
#include "gpu/conv_algo.h"
#include "gpu/cuda_check.h"
#include "gpu/kernels.h"
#include "gpu/op_program.h"

namespace ioscope::gpu {

double ProgramCompiler::timeProgram(const Program& prog) {
    return timeCapturedCalls(device_, [&](Slot& s) {
        prog.launch(s);
        return cudaPeekAtLastError() == cudaSuccess;
    });
}

double ProgramCompiler::tryDense(Program& prog, const View& x, const View& y,
                                 const std::vector<float>& kernel, const EpilogueSpec& epi) {
    if (x.shape.h * x.shape.w != 1 || y.shape.h * y.shape.w != 1 ||
        epi.residuals.size() > size_t(kMaxResiduals) ||
        kernel.size() != size_t(x.shape.c) * size_t(y.shape.c))
        return -1;
    DenseArgs a;
    a.x = operandOf(x);
    a.inChannels = x.shape.c;
    a.weights = uploadTyped(prog, kernel);
    a.epi.bias = epi.bias && !epi.bias->empty() ? upload(prog, *epi.bias) : nullptr;
    for (size_t r = 0; r < epi.residuals.size(); ++r) a.epi.residual[r] = operandOf(epi.residuals[r]);
    a.epi.residuals = int(epi.residuals.size());
    a.epi.activation = activationCode(epi.activation);
    a.out = outputOf(y, plan_.batch());
    prog.steps.push_back([a](Slot& s) {
        launchDense(a, s.stream);
        IOSCOPE_CHECK(cudaPeekAtLastError());
    });
    return timeProgram(prog);
}

} // namespace ioscope::gpu
