#pragma once
// A convolution and its epilogue (bias, residual adds, activation) as one cuDNN operation graph,
// run by cuDNN's fusion engines: conv -> +bias -> +residual... -> activation in one kernel; with
// an input prologue (per-channel scale, shift, ReLU), also the normalization before the conv.
// The legacy fused call (cudnnConvolutionBiasActivationForward) allows only one slow algorithm
// with ReLU and no other activation; the graph API lets cuDNN's heuristics pick tensor-core
// kernels with the epilogue compiled in, so no element-wise kernel runs after the convolution.
#include "gpu/device.h"
#include "gpu/tensor_view.h"
#include "graph/op.h"

#include <memory>
#include <string>
#include <vector>

namespace ioscope::gpu {

struct FusedConvSpec {
    View x, y;
    const void* w = nullptr;  // filter: KRSC when channelsLast, else KCRS
    bool channelsLast = true; // the run's layout (x may be a strided slice of it)
    int outChannels = 0, groups = 1;
    Window window;
    int batch = 1;
    const void* bias = nullptr; // outChannels values in x's type, or none
    std::vector<View> residuals;
    Activation activation = Activation::None;
    Precision precision = Precision::Tf32;
    // An input prologue applied as the conv loads x: x * preScale + preShift per input channel (x's
    // type), then ReLU where preRelu (a batch norm on the conv's input, as in DenseNet).
    const void* preScale = nullptr;
    const void* preShift = nullptr;
    bool preRelu = false;
    // 2 * outChannels floats for the output's per-channel sum and sum of squares, or none. cuDNN's
    // engines for a prologue may want these outputs (its "scale-bias-relu-conv-genstats" pattern);
    // the runtime discards them.
    void* stats = nullptr;
};

// The execution plans cuDNN offers for one problem shape (not tied to data pointers), shared
// through the device's cache because building one may compile a kernel.
class FusedConvPlans;

// One fused convolution ready to launch on any slot.
class FusedConv {
  public:
    // Builds (or takes from the device's cache) the plans for `spec`, times the best few as they
    // run (captured in CUDA graphs) and keeps the fastest; nullptr when cuDNN has no engine for it.
    static std::shared_ptr<FusedConv> build(Device& device, const FusedConvSpec& spec);
    ~FusedConv();
    FusedConv(const FusedConv&) = delete;
    FusedConv& operator=(const FusedConv&) = delete;

    // Enqueues the fused convolution on the slot's stream.
    cudnnStatus_t launch(Slot& slot) const;
    double measuredMs() const { return ms_; }
    const std::string& engineName() const { return engine_; }

  private:
    FusedConv() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    double ms_ = -1;
    std::string engine_;
};

} // namespace ioscope::gpu
