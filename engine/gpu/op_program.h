#pragma once
// Ops compiled into launch steps: cuDNN/cuBLAS descriptors built, conv algorithms measured and
// weights uploaded (in the run's element type and layout) once, so a run (or a CUDA-graph
// capture) only enqueues work on a slot's stream.
//
// What runs where: convolutions in cuDNN with bias, one residual and ReLU fused into the call
// where cuDNN accepts it (else one element-wise epilogue kernel); depthwise convolutions
// (separable convs' first half, depthwise Conv ops), pools, flatten, softmax and element-wise
// work in ioscope's kernels (gpu/kernels.h) with the epilogue fused; fully connected in cuBLAS.
#include "exec/merged_conv.h"
#include "gpu/buffer_plan.h"
#include "gpu/deferred_epilogue.h"
#include "gpu/kernels.h"
#include "gpu/squeeze_excite.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ioscope::gpu {

// One enqueue on a slot's stream (no host synchronisation inside).
using Step = std::function<void(Slot&)>;

// The kernels' activation code (gpu/kernels.h) of an activation.
int activationCode(Activation a);

struct Program {
    OpId op = -1; // the op it computes (a merged convolution: its first op), for kernel records
    std::vector<Step> steps;
    std::vector<std::shared_ptr<void>> keepAlive; // descriptors, weights, private buffers
    void launch(Slot& slot) const {
        for (const Step& s : steps) s(slot);
    }
};

class FusedConv;
// Appends the launch of a fused cuDNN graph to `prog` (kept alive with it); a failing launch
// throws RuntimeFailure naming `what` (the op or unit).
void addFusedConvStep(Program& prog, std::shared_ptr<FusedConv> conv, const std::string& what);

// What an op's result gets before it is stored: bias, residual adds, activation.
struct EpilogueSpec {
    const std::vector<float>* bias = nullptr;
    std::vector<View> residuals;
    Activation activation = Activation::None;
};

// What a depthwise conv applies to each input value on load: activation(x + bias).
struct PrologueSpec {
    const std::vector<float>* bias = nullptr;
    Activation activation = Activation::None;
};

// The key under which a program the compiler times as a whole (`kind`: "gemm", "dense", "fc") is
// measured once: the views' shapes, strides and alignments and the epilogue's form.
std::string timedProblemKey(const char* kind, const View& x, const View& y, const EpilogueSpec& epi);

// Compiles ops of one graph against one buffer plan. Weights are seeded (weights_init) unless
// the op carries its own, exactly as the CPU reference executor uses them.
class ProgramCompiler {
  public:
    ProgramCompiler(Device& device, const Graph& g, const BufferPlan& plan, Precision precision);

    // A unit op (not a merge member): gathers its inputs, then computes into plan.op(id).out.
    Program compileOp(OpId id);
    // A merge stage as one convolution writing plan.merged(mergeIndex).
    Program compileMerged(const std::vector<OpId>& ops, int mergeIndex);
    // The same, writing `y` (live profiling gives each candidate merge its own buffer).
    Program compileMerged(const std::vector<OpId>& ops, const View& y);

    // Appends a copy of `from` into `to` (same shape; any strides).
    void appendCopy(Program& prog, const View& from, const View& to) {
        addElementwise(prog, {from}, to, false, nullptr, nullptr, Activation::None);
    }
    // A dense buffer of `shape` in the plan's layout and type, owned by `prog`.
    View privateBuffer(Program& prog, Shape shape);

  private:
    void compileCore(Program& prog, const Op& op, const std::vector<View>& inputs, const View& y,
                     const Weights& w, const std::vector<View>& residuals, const PrologueSpec& pre = {});
    void addConv(Program& prog, const Op& op, const View& x, const View& y, const Weights& w,
                 const std::vector<float>& kernel, const EpilogueSpec& epi, const PrologueSpec& pre = {});
    // A conv in cuDNN (or cuBLAS for pointwise ones): its candidate paths measured, the fastest kept.
    void addLibraryConv(Program& prog, const Op& op, const View& x, const View& y,
                        const std::vector<float>& kernel, const EpilogueSpec& epi);
    // A depthwise conv (`op`: groups = channels, dilation 1) of the sum of `inputs`, `pre` applied on
    // load: ioscope's kernels, cuDNN's grouped conv where asked for, or both timed and the faster
    // kept, cuDNN after an element-wise pass where something is applied on load
    // (GpuOptions::depthwiseKernel; gpu/op_program_depthwise.cpp).
    void addDepthwiseConv(Program& prog, const Op& op, const std::vector<View>& inputs, const View& y,
                          const std::vector<float>& kernel, const PrologueSpec& pre, const EpilogueSpec& epi);
    // The measured milliseconds of the convolution call (without a separate epilogue kernel),
    // or a negative value when cuDNN has no algorithm for these tensors.
    double tryCudnnConv(Program& prog, const Op& op, const View& x, const View& y,
                        const std::vector<float>& kernel, const EpilogueSpec& epi, bool fused);
    // The same with the whole epilogue in one cuDNN graph (gpu/fused_conv_graph.h); negative
    // when cuDNN has no fusion engine for it.
    double tryFusedGraph(Program& prog, const Op& op, const View& x, const View& y,
                         const std::vector<float>& kernel, const EpilogueSpec& epi);
    // A 1x1 layer on one pixel as ioscope's dense kernel with the whole epilogue (one launch; cuBLAS's
    // GEMV and an epilogue kernel took two): its measured milliseconds, or negative when it does not
    // apply. `kernel` holds rows of x's channels (gpu/op_program_dense.cpp).
    double tryDense(Program& prog, const View& x, const View& y, const std::vector<float>& kernel,
                    const EpilogueSpec& epi);
    // A 1x1, stride-1, unpadded conv on channels-last tensors as one cuBLAS GEMM over all pixels
    // (rows of x and y may be channel slices of wider buffers) with bias and ReLU, or bias and one
    // residual, in cuBLASLt's epilogue, or else followed by the epilogue kernel, timed as a whole;
    // negative when it does not apply. In fp16 cuDNN's ranking left some of these on a
    // CUDA-core kernel 2-4x slower than the tensor-core GEMM.
    double tryPointwiseGemm(Program& prog, const Op& op, const View& x, const View& y,
                            const std::vector<float>& kernel, const EpilogueSpec& epi);
    // The GEMM with its epilogue in cuBLASLt's (tryPointwiseGemm; gpu/op_program_dense.cpp).
    // Its measured milliseconds, or negative (nothing added) when cuBLASLt cannot run it.
    double addPointwiseLt(Program& prog, const void* weights, const View& x, const View& y,
                          const EpilogueSpec& epi, int rows);
    // Milliseconds per launch of `prog` as a CUDA graph replays it.
    double timeProgram(const Program& prog);
    // The same, measured once per `problem` (with this compiler's type, precision and batch) and
    // then answered from the device's cache.
    double timeProgramOnce(const Program& prog, const std::string& problem);
    // A sequential unit {scale-shift (+ ReLU), 1x1 conv} in ioscope's prologue GEMM kernel where it
    // measures faster than the unit as written, or cuDNN's graph with an input prologue where the
    // input is packed and it measures fastest (gpu/op_program_prologue_gemm.cpp); false, with
    // nothing added, where neither applies.
    bool compileScaleShiftConv(Program& prog, const Op& unit, const View& x, const View& y);
    void addDepthwise(Program& prog, const std::vector<View>& inputs, const View& y, const Window& win,
                      const std::vector<float>& weights, const PrologueSpec& pre, const EpilogueSpec& epi);
    // `squeeze`: a squeeze-excite reduction the pool's kernel runs on its means (global pools only).
    void addPool(Program& prog, const Op& op, const std::vector<View>& inputs, const View& y,
                 const EpilogueSpec& epi, const SqueezeTail& squeeze = {});
    // An op of a squeeze-excite chain (gpu/squeeze_excite.h): the pool runs the reduction conv
    // too, the multiply the expansion conv; the convs between them compile to nothing
    // (gpu/op_program_squeeze_excite.cpp).
    void compileSqueezeExcite(Program& prog, OpId id, const SqueezeExcite& se,
                              const std::vector<View>& inputs, const View& y);
    void addFullyConnected(Program& prog, const Op& op, const View& x, const View& y, const Weights& w,
                           const std::vector<View>& residuals);
    void addBlasFullyConnected(Program& prog, const Op& op, const View& x, const View& y, const Weights& w,
                               const std::vector<View>& residuals);
    void addElementwise(Program& prog, const std::vector<View>& inputs, const View& y, bool product,
                        const float* scale, const float* shift, Activation act);
    // Slice, Pad, Resize, ChannelShuffle and Binary (gpu/shape_ops.cpp, gpu/kernels_shape.h).
    void addShapeOp(Program& prog, const Op& op, const std::vector<View>& inputs, const View& y);
    // The kernels' epilogue arguments of `epi` (its bias uploaded into `prog`); residuals at most
    // kMaxResiduals (the callers check).
    Epilogue epilogueArgs(Program& prog, const EpilogueSpec& epi);
    const float* upload(Program& prog, const std::vector<float>& values);
    const void* uploadTyped(Program& prog, const std::vector<float>& values);

    Device& device_;
    const Graph& g_;
    const BufferPlan& plan_;
    Precision precision_;
    DataType type_;
    const DeferredEpilogues& deferred_; // the plan's: epilogues and ReLU ops depthwise readers apply on load
    SqueezeExciteChains squeezeExcite_; // squeeze-excite gates in two kernels
};

} // namespace ioscope::gpu
