#include "gpu/op_program.h"

#include "exec/weight_layout.h"
#include "exec/weights_init.h"
#include "gpu/conv_algo.h"
#include "gpu/fused_conv_graph.h"
#include "gpu/kernels.h"
#include "gpu/weights_upload.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <tuple>

namespace ioscope::gpu {
namespace {

const float kOne = 1.0f, kZero = 0.0f;

template <typename T, typename Destroy> std::shared_ptr<T> holder(T value, Destroy destroy) {
    return std::shared_ptr<T>(new T(value), [destroy](T* p) {
        destroy(*p);
        delete p;
    });
}

std::shared_ptr<cudnnTensorDescriptor_t> tensorDesc(const View& v, int batch) {
    cudnnTensorDescriptor_t d = nullptr;
    IOSCOPE_CHECK(cudnnCreateTensorDescriptor(&d));
    auto h = holder(d, cudnnDestroyTensorDescriptor);
    IOSCOPE_CHECK(cudnnSetTensor4dDescriptorEx(d, cudnnType(v.type), batch, v.shape.c, v.shape.h, v.shape.w,
                                               int(v.sampleStride), int(v.channelStride),
                                               int(v.pixelStride * v.shape.w), int(v.pixelStride)));
    return h;
}

std::string describe(const View& v) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%s strides %lld/%lld/%lld", v.shape.str().c_str(), v.sampleStride,
                  v.channelStride, v.pixelStride);
    return buf;
}

bool isDepthwise(const Op& op, const View& x) {
    return op.groups > 1 && op.groups == x.shape.c && op.outChannels == x.shape.c;
}

} // namespace

int activationCode(Activation a) {
    switch (a) {
    case Activation::None:
        return kActNone;
    case Activation::Relu:
        return kActRelu;
    case Activation::Sigmoid:
        return kActSigmoid;
    case Activation::Tanh:
        return kActTanh;
    case Activation::Relu6:
        return kActRelu6;
    case Activation::HardSigmoid:
        return kActHardSigmoid;
    case Activation::HardSwish:
        return kActHardSwish;
    case Activation::Silu:
        return kActSilu;
    case Activation::LeakyRelu:
        return kActLeakyRelu;
    }
    return kActNone;
}

ProgramCompiler::ProgramCompiler(Device& device, const Graph& g, const BufferPlan& plan, Precision precision)
    : device_(device), g_(g), plan_(plan), precision_(precision), type_(plan.type()),
      deferred_(plan.deferred()) {
    std::vector<bool> members(size_t(g.size()), false);
    for (int k = 0; k < plan.mergeSets(); ++k)
        for (OpId id : plan.mergeOrder(k)) members[size_t(id)] = true;
    squeezeExcite_ = squeezeExciteChains(g, members);
}

Epilogue ProgramCompiler::epilogueArgs(Program& prog, const EpilogueSpec& epi) {
    Epilogue e;
    e.bias = epi.bias && !epi.bias->empty() ? upload(prog, *epi.bias) : nullptr;
    for (size_t r = 0; r < epi.residuals.size(); ++r) e.residual[r] = operandOf(epi.residuals[r]);
    e.residuals = int(epi.residuals.size());
    e.activation = activationCode(epi.activation);
    return e;
}

const float* ProgramCompiler::upload(Program& prog, const std::vector<float>& values) {
    if (values.empty()) return nullptr;
    auto buffer = std::make_shared<DeviceBuffer>(uploadFloats(values));
    prog.keepAlive.push_back(buffer);
    return buffer->floats();
}

const void* ProgramCompiler::uploadTyped(Program& prog, const std::vector<float>& values) {
    if (values.empty()) return nullptr;
    auto buffer = std::make_shared<DeviceBuffer>(uploadAs(values, type_));
    prog.keepAlive.push_back(buffer);
    return buffer->data();
}

View ProgramCompiler::privateBuffer(Program& prog, Shape shape) {
    auto buffer = std::make_shared<DeviceBuffer>(
        size_t(shape.elements()) * plan_.batch() * size_t(elementBytes(type_)), "intermediate tensor");
    prog.keepAlive.push_back(buffer);
    return packedView(buffer->data(), shape, plan_.layout(), type_);
}

void ProgramCompiler::addElementwise(Program& prog, const std::vector<View>& inputs, const View& y,
                                     bool product, const float* scale, const float* shift, Activation act) {
    if (inputs.empty() || inputs.size() > size_t(kMaxEwInputs))
        throw RuntimeFailure("element-wise op with " + std::to_string(inputs.size()) +
                             " inputs is not supported");
    ElementwiseArgs a;
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!(inputs[i].shape == y.shape))
            throw RuntimeFailure("element-wise input " + describe(inputs[i]) + " does not match output " +
                                 describe(y));
        a.in[i] = operandOf(inputs[i]);
    }
    a.inputs = static_cast<int>(inputs.size());
    a.product = product;
    a.scale = scale;
    a.shift = shift;
    a.activation = activationCode(act);
    a.out = outputOf(y, plan_.batch());
    prog.steps.push_back([a](Slot& s) {
        launchElementwise(a, s.stream);
        IOSCOPE_CHECK(cudaPeekAtLastError());
    });
}

void ProgramCompiler::addDepthwise(Program& prog, const std::vector<View>& inputs, const View& y,
                                   const Window& win, const std::vector<float>& weights,
                                   const PrologueSpec& pre, const EpilogueSpec& epi) {
    if (inputs.empty() || inputs.size() > size_t(kMaxEwInputs) ||
        epi.residuals.size() > size_t(kMaxResiduals))
        throw RuntimeFailure("depthwise conv with " + std::to_string(inputs.size()) + " inputs and " +
                             std::to_string(epi.residuals.size()) + " residuals is not supported");
    DepthwiseArgs a;
    for (size_t i = 0; i < inputs.size(); ++i) a.x[i] = operandOf(inputs[i]);
    a.inputs = int(inputs.size());
    a.inH = inputs.front().shape.h;
    a.inW = inputs.front().shape.w;
    const std::vector<float> taps = depthwiseTaps(weights, y.shape.c, win.kh, win.kw);
    a.weights = upload(prog, taps);
    if (device_.options().depthwiseTypedWeights && type_ != DataType::F32)
        a.typedWeights = uploadTyped(prog, taps);
    a.win = {win.kh, win.kw, win.sh, win.sw, win.ph, win.pw, win.dh, win.dw};
    a.pre.bias = pre.bias && !pre.bias->empty() ? upload(prog, *pre.bias) : nullptr;
    a.pre.activation = activationCode(pre.activation);
    a.epi = epilogueArgs(prog, epi);
    a.out = outputOf(y, plan_.batch());
    const int columns = device_.options().depthwiseColumns;
    a.columns = columns > 0 ? columns : type_ == DataType::F32 ? 4 : 1;
    a.vector = device_.options().depthwiseVector;
    auto launch = [](Program& to, const DepthwiseArgs& args) {
        to.steps.push_back([args](Slot& s) {
            launchDepthwise(args, s.stream);
            IOSCOPE_CHECK(cudaPeekAtLastError());
        });
    };
    const GpuOptions::DepthwiseKernel forced = device_.options().depthwiseKernel;
    const std::string problem = timedProblemKey("depthwise", inputs.front(), y, epi) + "|" +
                                std::to_string(win.kh) + "s" + std::to_string(win.sh) + "p" +
                                std::to_string(win.ph) + "," + std::to_string(win.pw) + "|pre" +
                                std::to_string(a.pre.activation) + (a.pre.bias ? "b" : "");
    // The staged tile against the row kernel in fp32 and tf32 only: on nasnetalarge (H100, batch 1)
    // it ran every one of its 213 depthwise convs faster in the run (5x5: 7.4-8.1 -> 5.9 us), but in
    // fp16 the 5x5 convs it won when timed alone ran 25-35 % slower in the run (8.3-9.3 -> 11.2-12 us).
    // (Timed against cuDNN, ioscope's side times its own variants too: op_program_depthwise.cpp.)
    const bool timing =
        forced == GpuOptions::DepthwiseKernel::Fastest || forced == GpuOptions::DepthwiseKernel::Timed;
    const bool tileTimed = timing && type_ == DataType::F32;
    if (depthwiseCanTile(a) && (forced == GpuOptions::DepthwiseKernel::Tile || tileTimed)) {
        a.tile = true;
        if (tileTimed) { // both timed, the faster kept
            Program row, tile;
            DepthwiseArgs rowArgs = a;
            rowArgs.tile = false;
            launch(row, rowArgs);
            launch(tile, a);
            const double rowMs = timeProgramOnce(row, problem + "|row");
            const double tileMs = timeProgramOnce(tile, problem + "|tile");
            a.tile = tileMs >= 0 && (rowMs < 0 || tileMs < rowMs);
        }
    }
    // 16-bit types: the row kernel's vector width timed (GpuOptions::depthwiseVector), the fastest kept.
    const int widest = depthwiseRowVector(a);
    if (timing && type_ != DataType::F32 && a.vector == 0 && widest >= 4) {
        double best = -1;
        std::string timed;
        for (int v = widest; v >= 2; v /= 2) {
            Program candidate;
            DepthwiseArgs narrower = a;
            narrower.vector = v;
            launch(candidate, narrower);
            const double ms = timeProgramOnce(candidate, problem + "|v" + std::to_string(v));
            if (ms >= 0 && (best < 0 || ms < best)) best = ms, a.vector = v;
            timed += " " + std::to_string(v) + ": " + std::to_string(ms);
        }
        if (device_.options().convLog)
            std::fprintf(stderr, "ioscope: depthwise %dx%d into %s, channels a thread (ms)%s -> %d\n", win.kh,
                         win.kw, describe(y).c_str(), timed.c_str(), a.vector);
    }
    launch(prog, a);
}

void ProgramCompiler::addPool(Program& prog, const Op& op, const std::vector<View>& inputs, const View& y,
                              const EpilogueSpec& epi, const SqueezeTail& squeeze) {
    if (inputs.empty() || inputs.size() > size_t(kMaxEwInputs) ||
        epi.residuals.size() > size_t(kMaxResiduals))
        throw RuntimeFailure("op '" + op.name + "': pooling with this many inputs is not supported");
    const View& x = inputs.front();
    Window win = op.window;
    if (op.kind == OpKind::GlobalAvgPool) win = Window{x.shape.h, x.shape.w, 1, 1, 0, 0, 1, 1};
    if (win.dh != 1 || win.dw != 1)
        throw RuntimeFailure("op '" + op.name + "': dilated pooling is not supported by the GPU runtime");
    PoolArgs a;
    for (size_t i = 0; i < inputs.size(); ++i) a.x[i] = operandOf(inputs[i]);
    a.inputs = int(inputs.size());
    a.inH = x.shape.h;
    a.inW = x.shape.w;
    a.win = {win.kh, win.kw, win.sh, win.sw, win.ph, win.pw, 1, 1};
    a.kind = op.kind == OpKind::MaxPool ? kPoolMax : kPoolAvg;
    a.countIncludePad = op.countIncludePad || op.kind == OpKind::GlobalAvgPool;
    a.epi = epilogueArgs(prog, epi);
    a.out = outputOf(y, plan_.batch());
    a.squeeze = squeeze;
    auto launch = [](Program& p, const PoolArgs& args) {
        p.steps.push_back([args](Slot& s) {
            launchPool(args, s.stream);
            IOSCOPE_CHECK(cudaPeekAtLastError());
        });
    };
    const GpuOptions::PoolKernel forced = device_.options().poolKernel;
    if (forced != GpuOptions::PoolKernel::Fastest) {
        a.slide = forced == GpuOptions::PoolKernel::Slide;
    } else if (poolCanSlide(a)) { // both kernels timed, the faster kept (kernels.h, PoolArgs::slide)
        Program tile, slide;
        launch(tile, a);
        PoolArgs sliding = a;
        sliding.slide = true;
        launch(slide, sliding);
        std::string problem = timedProblemKey("pool", x, y, epi) + "|k" + std::to_string(a.kind) +
                              (a.countIncludePad ? "i" : "e") + std::to_string(win.kh) + "x" +
                              std::to_string(win.kw) + "s" + std::to_string(win.sw) + "p" +
                              std::to_string(win.ph) + "," + std::to_string(win.pw);
        for (size_t i = 1; i < inputs.size(); ++i) problem += "+" + describe(inputs[i]);
        const double slideMs = timeProgramOnce(slide, problem + "|slide");
        const double tileMs = timeProgramOnce(tile, problem + "|tile");
        a.slide = slideMs >= 0 && (tileMs < 0 || slideMs < tileMs);
        if (device_.options().convLog)
            std::fprintf(stderr, "ioscope: pool '%s' takes the %s kernel\n", op.name.c_str(),
                         a.slide ? "sliding" : "tile");
    }
    launch(prog, a);
}

// One cuDNN convolution of x into y: fused (bias, at most one residual, ReLU or none, in the one
// call cuDNN offers) or plain (the epilogue then runs as one element-wise kernel over y).
// Returns false when cuDNN has no algorithm for these tensors (e.g. a strided slice it cannot
// address), so the caller can take another path.
double ProgramCompiler::tryCudnnConv(Program& prog, const Op& op, const View& x, const View& y,
                                     const std::vector<float>& kernel, const EpilogueSpec& epi, bool fused) {
    const int n = plan_.batch();
    const Window& w = op.window;
    auto xd = tensorDesc(x, n), yd = tensorDesc(y, n);
    cudnnFilterDescriptor_t wdRaw = nullptr;
    IOSCOPE_CHECK(cudnnCreateFilterDescriptor(&wdRaw));
    auto wd = holder(wdRaw, cudnnDestroyFilterDescriptor);
    const bool nhwc = plan_.layout() == Layout::Nhwc;
    IOSCOPE_CHECK(cudnnSetFilter4dDescriptor(wdRaw, cudnnType(type_),
                                             nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW, op.outChannels,
                                             x.shape.c / op.groups, w.kh, w.kw));
    cudnnConvolutionDescriptor_t cdRaw = nullptr;
    IOSCOPE_CHECK(cudnnCreateConvolutionDescriptor(&cdRaw));
    auto cd = holder(cdRaw, cudnnDestroyConvolutionDescriptor);
    // fp16 and bf16 accumulate in fp32 (cuDNN's pseudo-half configurations).
    IOSCOPE_CHECK(cudnnSetConvolution2dDescriptor(cdRaw, w.ph, w.pw, w.sh, w.sw, w.dh, w.dw,
                                                  CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    IOSCOPE_CHECK(cudnnSetConvolutionGroupCount(cdRaw, op.groups));
    // Strict fp32 needs FMA math: cuDNN's default math may use TF32 tensor cores on Ampere+.
    const cudnnMathType_t math = precision_ == Precision::Fp32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH;
    IOSCOPE_CHECK(cudnnSetConvolutionMathType(cdRaw, math));
    int on = 0, oc = 0, oh = 0, ow = 0;
    IOSCOPE_CHECK(cudnnGetConvolution2dForwardOutputDim(cdRaw, *xd, wdRaw, &on, &oc, &oh, &ow));
    if (oc != y.shape.c || oh != y.shape.h || ow != y.shape.w)
        throw RuntimeFailure("op '" + op.name + "': cuDNN output " + std::to_string(oc) + "x" +
                             std::to_string(oh) + "x" + std::to_string(ow) + " differs from the inferred " +
                             y.shape.str());
    const void* wData = uploadTyped(
        prog, nhwc ? filterChannelsLast(kernel, op.outChannels, x.shape.c / op.groups, w.kh, w.kw) : kernel);

    // The fused call: y = act(conv(x) + z + bias), z the residual (or y itself, weighted 0).
    const View* z = epi.residuals.empty() ? nullptr : &epi.residuals.front();
    const bool act = epi.activation == Activation::Relu || epi.activation == Activation::None;
    fused = fused && act && epi.residuals.size() <= 1;
    std::shared_ptr<cudnnTensorDescriptor_t> zd, bd;
    std::shared_ptr<cudnnActivationDescriptor_t> ad;
    const void* biasData = nullptr;
    if (fused) {
        zd = z ? tensorDesc(*z, n) : yd;
        cudnnTensorDescriptor_t bdRaw = nullptr;
        IOSCOPE_CHECK(cudnnCreateTensorDescriptor(&bdRaw));
        bd = holder(bdRaw, cudnnDestroyTensorDescriptor);
        IOSCOPE_CHECK(
            cudnnSetTensor4dDescriptor(bdRaw, CUDNN_TENSOR_NCHW, cudnnType(type_), 1, op.outChannels, 1, 1));
        const std::vector<float> zeros(size_t(op.outChannels), 0.0f);
        biasData = uploadTyped(prog, epi.bias && !epi.bias->empty() ? *epi.bias : zeros);
        cudnnActivationDescriptor_t adRaw = nullptr;
        IOSCOPE_CHECK(cudnnCreateActivationDescriptor(&adRaw));
        ad = holder(adRaw, cudnnDestroyActivationDescriptor);
        IOSCOPE_CHECK(cudnnSetActivationDescriptor(
            adRaw, epi.activation == Activation::Relu ? CUDNN_ACTIVATION_RELU : CUDNN_ACTIVATION_IDENTITY,
            CUDNN_NOT_PROPAGATE_NAN, 0.0));
    }
    const float alpha2 = z ? 1.0f : 0.0f;
    const void* zData = z ? z->ptr : y.ptr;
    const ConvCall call = [=](const ConvAlgoChoice& c, Slot& s) {
        if (!fused)
            return cudnnConvolutionForward(s.cudnn, &kOne, *xd, x.ptr, wdRaw, wData, cdRaw, c.algo,
                                           s.workspace.data(), c.workspace, &kZero, *yd, y.ptr);
        return cudnnConvolutionBiasActivationForward(s.cudnn, &kOne, *xd, x.ptr, wdRaw, wData, cdRaw, c.algo,
                                                     s.workspace.data(), c.workspace, &alpha2, *zd, zData,
                                                     *bd, biasData, *ad, *yd, y.ptr);
    };

    char key[640];
    std::snprintf(key, sizeof key,
                  "%d|%s/%lld,%lld,%lld|%d,%d,%d,%d|%d,%d,%d,%d,%d,%d|%lld,%lld,%lld|%d|t%d|f%d%d%d", n,
                  x.shape.str().c_str(), x.sampleStride, x.channelStride, x.pixelStride, op.outChannels, w.kh,
                  w.kw, op.groups, w.ph, w.pw, w.sh, w.sw, w.dh, w.dw, y.sampleStride, y.channelStride,
                  y.pixelStride, int(math), int(type_), int(fused), z ? 1 : 0, int(epi.activation));
    auto& cache = device_.convAlgoCache();
    auto it = cache.find(key);
    if (it == cache.end()) {
        const ConvProblem problem{*xd, x.ptr, wdRaw, wData, cdRaw, *yd, y.ptr, op.groups != 1};
        const bool precompOnly = fused && epi.activation == Activation::None;
        const auto choice = chooseConvAlgo(device_, problem, precision_, call, precompOnly);
        if (!choice) return -1;
        it = cache.emplace(key, *choice).first;
    }
    const ConvAlgoChoice choice = it->second;
    IOSCOPE_CHECK(cudnnSetConvolutionMathType(cdRaw, choice.math));
    prog.keepAlive.insert(prog.keepAlive.end(), {xd, yd, wd, cd});
    if (fused) prog.keepAlive.insert(prog.keepAlive.end(), {zd, bd, ad});
    prog.steps.push_back([call, choice, name = op.name](Slot& s) {
        const cudnnStatus_t status = call(choice, s);
        if (status != CUDNN_STATUS_SUCCESS)
            throw RuntimeFailure("cuDNN error in op '" + name + "': " + cudnnGetErrorString(status));
    });
    if (!fused && (epi.bias || !epi.residuals.empty() || epi.activation != Activation::None)) {
        std::vector<View> terms{y};
        terms.insert(terms.end(), epi.residuals.begin(), epi.residuals.end());
        addElementwise(prog, terms, y, false, nullptr, epi.bias ? upload(prog, *epi.bias) : nullptr,
                       epi.activation);
    }
    if (device_.options().convLog) // every convolution's path and algorithm (diagnostics)
        std::fprintf(stderr, "ioscope: conv '%s' %s: algo %d, math %d, %.4f ms (%s -> %s)\n", op.name.c_str(),
                     fused ? "fused" : "plain", int(choice.algo), int(choice.math), double(choice.ms),
                     describe(x).c_str(), describe(y).c_str());
    return choice.ms;
}

void addFusedConvStep(Program& prog, std::shared_ptr<FusedConv> conv, const std::string& what) {
    prog.keepAlive.push_back(conv);
    prog.steps.push_back([conv = std::move(conv), what](Slot& s) {
        const cudnnStatus_t status = conv->launch(s);
        if (status != CUDNN_STATUS_SUCCESS)
            throw RuntimeFailure("cuDNN error in " + what + ": " + cudnnGetErrorString(status));
    });
}

double ProgramCompiler::tryFusedGraph(Program& prog, const Op& op, const View& x, const View& y,
                                      const std::vector<float>& kernel, const EpilogueSpec& epi) {
    const bool nhwc = plan_.layout() == Layout::Nhwc;
    const Window& w = op.window;
    FusedConvSpec spec;
    spec.x = x;
    spec.y = y;
    spec.outChannels = op.outChannels;
    spec.groups = op.groups;
    spec.window = w;
    spec.batch = plan_.batch();
    spec.residuals = epi.residuals;
    spec.activation = epi.activation;
    spec.precision = precision_;
    spec.channelsLast = nhwc;
    spec.w = uploadTyped(
        prog, nhwc ? filterChannelsLast(kernel, op.outChannels, x.shape.c / op.groups, w.kh, w.kw) : kernel);
    spec.bias = epi.bias && !epi.bias->empty() ? uploadTyped(prog, *epi.bias) : nullptr;
    const std::shared_ptr<FusedConv> conv = FusedConv::build(device_, spec);
    if (!conv) return -1;
    addFusedConvStep(prog, conv, "op '" + op.name + "' (fused graph)");
    if (device_.options().convLog)
        std::fprintf(stderr, "ioscope: conv '%s' graph: %s, %.4f ms (%s -> %s)\n", op.name.c_str(),
                     conv->engineName().c_str(), conv->measuredMs(), describe(x).c_str(),
                     describe(y).c_str());
    return conv->measuredMs();
}

void ProgramCompiler::addConv(Program& prog, const Op& op, const View& x, const View& y, const Weights&,
                              const std::vector<float>& kernel, const EpilogueSpec& epi,
                              const PrologueSpec& pre) {
    if (isDepthwise(op, x) && op.window.dh == 1 && op.window.dw == 1)
        return addDepthwiseConv(prog, op, {x}, y, kernel, pre, epi);
    if (pre.bias || pre.activation != Activation::None)
        throw RuntimeFailure("op '" + op.name +
                             "': an input prologue on a conv ioscope's kernels do not run");
    addLibraryConv(prog, op, x, y, kernel, epi);
}

void ProgramCompiler::addLibraryConv(Program& prog, const Op& op, const View& x, const View& y,
                                     const std::vector<float>& kernel, const EpilogueSpec& epi) {
    try {
        // Fused (bias, residual and ReLU in cuDNN's call) or plain (then one element-wise
        // epilogue kernel): both measured where both apply, the faster kept. cuDNN's fused
        // kernels are not always its fastest.
        // Candidates, each measured (conv call) plus an estimate of the element-wise kernels it
        // adds (launch and tail, and its bytes at about 2.5 TB/s), the cheapest kept:
        //   fused   bias, one residual and ReLU in cuDNN's call, writing y where it lies;
        //   plain   the conv writing y, then one epilogue kernel;
        //   dense   the conv into a dense buffer, then the epilogue writes y's slice (cuDNN's
        //           tensor-core kernels may refuse strided slices, which in fp16 left only a
        //           CUDA-core kernel 3-7x slower);
        //   graph   the conv and its whole epilogue as one cuDNN operation graph (fusion
        //           engines: one kernel, no element-wise pass).
        const bool epilogue = epi.bias || !epi.residuals.empty() || epi.activation != Activation::None;
        const double bytes = double(y.shape.elements()) * plan_.batch() * elementBytes(type_) *
                             (2.0 + double(epi.residuals.size()));
        const double kernelMs = 0.003 + bytes / 2.5e9;
        Program fused, plain, dense, graph;
        double fusedMs = tryCudnnConv(fused, op, x, y, kernel, epi, true);
        if (fusedMs >= 0 && fused.steps.size() > 1) fusedMs += kernelMs; // cuDNN could not fuse it
        double plainMs = epilogue ? tryCudnnConv(plain, op, x, y, kernel, epi, false) : -1;
        if (plainMs >= 0) plainMs += kernelMs;
        double denseMs = -1;
        if (!x.packed() || !y.packed()) {
            const View xd = x.packed() ? x : privateBuffer(dense, x.shape);
            if (!x.packed()) appendCopy(dense, x, xd);
            const View yd = privateBuffer(dense, y.shape);
            denseMs = tryCudnnConv(dense, op, xd, yd, kernel, EpilogueSpec{}, false);
            if (denseMs >= 0) {
                std::vector<View> terms{yd};
                terms.insert(terms.end(), epi.residuals.begin(), epi.residuals.end());
                addElementwise(dense, terms, y, false, nullptr, epi.bias ? upload(dense, *epi.bias) : nullptr,
                               epi.activation);
                denseMs += kernelMs * (x.packed() ? 1 : 2);
            }
        }
        // (Also a bare conv into a channel slice: cuDNN's legacy call refuses some strided outputs
        // that its graph engines write in place, where the dense path copies the slice.)
        // The graph also for grouped convs without an epilogue: the legacy call ranks them by its
        // v7 heuristics alone (no timed search), while PyTorch, which builds operation graphs, ran
        // cuDNN's sm90_xmma_depthwise_convolution kernels in Inductor's runs (bench/probe-dw-cudnn.sh).
        const double graphMs =
            epilogue || !y.packed() || op.groups > 1 ? tryFusedGraph(graph, op, x, y, kernel, epi) : -1;
        //   gemv    a 1x1 conv on a 1x1 map (squeeze-excite) in ioscope's dense kernel, epilogue
        //           included, timed as a whole.
        Program gemv;
        const bool pointwise = op.groups == 1 && op.window.kh == 1 && op.window.kw == 1 &&
                               op.window.ph == 0 && op.window.pw == 0;
        const double gemvMs = pointwise ? tryDense(gemv, x, y, kernel, epi) : -1;
        //   gemm    a pointwise conv over many pixels as one cuBLAS GEMM and its epilogue kernel.
        Program gemm;
        const double gemmMs = pointwise && gemvMs < 0 ? tryPointwiseGemm(gemm, op, x, y, kernel, epi) : -1;
        Program* chosen = nullptr;
        double best = -1;
        ConvPath chosenPath = ConvPath::Fastest;
        const ConvPath forced = device_.options().convPath; // kept wherever it applies
        for (auto [candidate, ms, path] : {std::tuple{&fused, fusedMs, ConvPath::Fused},
                                           {&plain, plainMs, ConvPath::Plain},
                                           {&dense, denseMs, ConvPath::Dense},
                                           {&graph, graphMs, ConvPath::Graph},
                                           {&gemv, gemvMs, ConvPath::Gemv},
                                           {&gemm, gemmMs, ConvPath::Gemm}})
            if (ms >= 0 && (best < 0 || ms < best || path == forced) &&
                !(chosen && forced != ConvPath::Fastest && chosenPath == forced))
                chosen = candidate, best = ms, chosenPath = path;
        if (!chosen) throw RuntimeFailure("cuDNN has no convolution algorithm for this convolution");
        if (device_.options().convLog)
            std::fprintf(stderr,
                         "ioscope: conv '%s' takes %s (fused %.4f, plain %.4f, dense %.4f, graph %.4f, gemv "
                         "%.4f, gemm %.4f ms)\n",
                         op.name.c_str(),
                         chosen == &fused   ? "fused"
                         : chosen == &plain ? "plain"
                         : chosen == &dense ? "dense"
                         : chosen == &graph ? "graph"
                         : chosen == &gemv  ? "gemv"
                                            : "gemm",
                         fusedMs, plainMs, denseMs, graphMs, gemvMs, gemmMs);
        prog.steps.insert(prog.steps.end(), chosen->steps.begin(), chosen->steps.end());
        prog.keepAlive.insert(prog.keepAlive.end(), chosen->keepAlive.begin(), chosen->keepAlive.end());
    } catch (const RuntimeFailure& e) {
        throw RuntimeFailure("op '" + op.name + "': " + e.what() + " (input " + describe(x) + ", output " +
                             describe(y) + ")");
    }
}

void ProgramCompiler::addFullyConnected(Program& prog, const Op& op, const View& xIn, const View& y,
                                        const Weights& w, const std::vector<View>& residuals) {
    View x = xIn;
    if (x.shape.h * x.shape.w > 1) { // flatten in NCHW order first, as every executor does
        const View flat = privateBuffer(prog, {int(x.shape.elements()), 1, 1});
        const Operand xo = operandOf(x);
        const OutputArgs fo = outputOf(flat, plan_.batch());
        const int c = x.shape.c, pixels = x.shape.h * x.shape.w;
        prog.steps.push_back([xo, fo, c, pixels](Slot& s) {
            launchFlatten(xo, c, pixels, fo, s.stream);
            IOSCOPE_CHECK(cudaPeekAtLastError());
        });
        x = flat;
    }
    // cuBLAS (and an epilogue kernel) or, on one pixel, ioscope's dense kernel: both timed, the
    // faster kept.
    Program blas;
    addBlasFullyConnected(blas, op, x, y, w, residuals);
    Program gemv;
    const double gemvMs = tryDense(gemv, x, y, w.kernel, EpilogueSpec{&w.bias, residuals, op.activation});
    const double blasMs =
        timeProgramOnce(blas, timedProblemKey("fc", x, y, EpilogueSpec{&w.bias, residuals, op.activation}));
    const Program& chosen = gemvMs >= 0 && gemvMs < blasMs ? gemv : blas;
    prog.steps.insert(prog.steps.end(), chosen.steps.begin(), chosen.steps.end());
    prog.keepAlive.insert(prog.keepAlive.end(), chosen.keepAlive.begin(), chosen.keepAlive.end());
}

void ProgramCompiler::addBlasFullyConnected(Program& prog, const Op& op, const View& x, const View& y,
                                            const Weights& w, const std::vector<View>& residuals) {
    const void* kernel = uploadTyped(prog, w.kernel);
    const int n = plan_.batch(), in = x.shape.c, out = op.outChannels;
    const long long lda = x.sampleStride, ldc = y.sampleStride;
    const cudaDataType_t t = cudaType(type_);
    const cublasComputeType_t compute =
        precision_ == Precision::Tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    // Row-major out[N][O] = in[N][I] * W[O][I]^T, i.e. column-major out^T = W^T(as I x O)^T * in^T.
    prog.steps.push_back([=](Slot& s) {
        IOSCOPE_CHECK(cublasGemmEx(s.cublas, CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &kOne, kernel, t, in,
                                   x.ptr, t, static_cast<int>(lda), &kZero, y.ptr, t, static_cast<int>(ldc),
                                   compute, CUBLAS_GEMM_DEFAULT));
    });
    if (!w.bias.empty() || !residuals.empty() || op.activation != Activation::None) {
        std::vector<View> terms{y};
        terms.insert(terms.end(), residuals.begin(), residuals.end());
        addElementwise(prog, terms, y, false, nullptr, upload(prog, w.bias), op.activation);
    }
}

void ProgramCompiler::compileCore(Program& prog, const Op& op, const std::vector<View>& inputs, const View& y,
                                  const Weights& w, const std::vector<View>& residuals,
                                  const PrologueSpec& pre) {
    const View& x = inputs.front();
    const EpilogueSpec epi{w.bias.empty() ? nullptr : &w.bias, residuals, op.activation};
    switch (op.kind) {
    case OpKind::Input:
        return;
    case OpKind::Conv:
        addConv(prog, op, x, y, w, w.kernel, epi, pre);
        return;
    case OpKind::SepConv: {
        // Depthwise in ioscope's kernel (leading ReLU and the sum of the inputs taken on load; or
        // timed against cuDNN: GpuOptions::depthwiseKernel), pointwise in cuDNN with the op's epilogue.
        const View mid = privateBuffer(prog, {x.shape.c, y.shape.h, y.shape.w});
        Op depthwise = op;
        depthwise.kind = OpKind::Conv;
        depthwise.groups = depthwise.outChannels = x.shape.c;
        addDepthwiseConv(prog, depthwise, inputs, mid, w.depthwise,
                         PrologueSpec{nullptr, op.preRelu ? Activation::Relu : Activation::None},
                         EpilogueSpec{});
        Op pointwise = op;
        pointwise.window = Window{};
        pointwise.groups = 1;
        addConv(prog, pointwise, mid, y, w, w.kernel, epi);
        return;
    }
    case OpKind::MaxPool:
    case OpKind::AvgPool:
    case OpKind::GlobalAvgPool:
        addPool(prog, op, inputs, y,
                EpilogueSpec{w.bias.empty() ? nullptr : &w.bias, residuals, op.activation});
        return;
    case OpKind::Softmax: {
        const Operand xo = operandOf(x);
        const OutputArgs yo = outputOf(y, plan_.batch());
        prog.steps.push_back([xo, yo](Slot& s) {
            launchSoftmax(xo, yo, s.stream);
            IOSCOPE_CHECK(cudaPeekAtLastError());
        });
        return;
    }
    case OpKind::Flatten: {
        const Operand xo = operandOf(x);
        const OutputArgs yo = outputOf(y, plan_.batch());
        const int c = x.shape.c, pixels = x.shape.h * x.shape.w;
        prog.steps.push_back([xo, yo, c, pixels](Slot& s) {
            launchFlatten(xo, c, pixels, yo, s.stream);
            IOSCOPE_CHECK(cudaPeekAtLastError());
        });
        return;
    }
    case OpKind::FullyConnected:
        addFullyConnected(prog, op, x, y, w, residuals);
        return;
    case OpKind::Activation:
        addElementwise(prog, inputs, y, false, nullptr, nullptr, op.activation);
        return;
    case OpKind::Mul:
        addElementwise(prog, inputs, y, true, nullptr, nullptr, op.activation);
        return;
    case OpKind::ScaleShift:
        addElementwise(prog, inputs, y, false, upload(prog, w.kernel), upload(prog, w.bias), op.activation);
        return;
    case OpKind::Add:
    case OpKind::Identity:
    case OpKind::Concat:
        // Concat/Identity whose inputs were written in place already are their own output.
        if (inputs.size() == 1 && inputs.front().ptr == y.ptr && op.activation == Activation::None) return;
        addElementwise(prog, inputs, y, false, nullptr, nullptr, op.activation);
        return;
    case OpKind::Slice:
    case OpKind::Pad:
    case OpKind::Resize:
    case OpKind::ChannelShuffle:
    case OpKind::Binary:
        addShapeOp(prog, op, inputs, y); // gpu/shape_ops.cpp
        return;
    case OpKind::Sequential:
        throw RuntimeFailure("op '" + op.name + "': nested sequential op");
    }
}

Program ProgramCompiler::compileOp(OpId id) {
    Program prog;
    prog.op = id;
    const Op& op = g_.op(id);
    const PlannedOp& p = plan_.op(id);
    if (op.kind == OpKind::Input || p.view) return prog;
    std::vector<View> inputs;
    switch (p.gather) {
    case Gather::Direct:
        inputs = {p.combined};
        break;
    case Gather::Elementwise:
        inputs = p.inputs;
        break;
    case Gather::SumStaging:
        addElementwise(prog, p.inputs, p.combined, false, nullptr, nullptr, Activation::None);
        inputs = {p.combined};
        break;
    case Gather::Concat:
        for (const TermCopy& term : p.copies) {
            std::vector<View> sources;
            for (int i : term.inputs) sources.push_back(p.inputs[size_t(i)]);
            addElementwise(prog, sources, p.combined.channels(term.channel, term.shape), false, nullptr,
                           nullptr, Activation::None);
        }
        inputs = {p.combined};
        break;
    }
    if (const SqueezeExcite* se = squeezeExcite_.of(id)) {
        compileSqueezeExcite(prog, id, *se, inputs, p.out);
        return prog;
    }
    if (op.kind != OpKind::Sequential) {
        Weights w = seededWeights(op, kDefaultWeightSeed);
        if (deferred_.deferred[size_t(id)]) { // the raw result: the consumers finish it on load
            Op raw = op;
            raw.activation = Activation::None;
            w.bias.clear();
            compileCore(prog, raw, inputs, p.out, w, p.residuals);
            return prog;
        }
        const OpId from = deferred_.from[size_t(id)];
        const Weights fromWeights = from >= 0 ? seededWeights(g_.op(from), kDefaultWeightSeed) : Weights{};
        const PrologueSpec pre{fromWeights.bias.empty() ? nullptr : &fromWeights.bias,
                               from >= 0 ? g_.op(from).activation : Activation::None};
        compileCore(prog, op, inputs, p.out, w, p.residuals, pre);
        return prog;
    }
    if (compileScaleShiftConv(prog, op, inputs.front(), p.out)) return prog;
    View cur = inputs.front();
    for (size_t i = 0; i < op.body.size(); ++i) {
        const Op& inner = op.body[i];
        const View y = i + 1 == op.body.size() ? p.out : privateBuffer(prog, inner.out);
        compileCore(prog, inner, {cur}, y, seededBodyWeights(op, i, kDefaultWeightSeed), {});
        cur = y;
    }
    return prog;
}

Program ProgramCompiler::compileMerged(const std::vector<OpId>& ops, int mergeIndex) {
    return compileMerged(ops, plan_.merged(mergeIndex));
}

Program ProgramCompiler::compileMerged(const std::vector<OpId>& ops, const View& y) {
    Program prog;
    prog.op = ops.empty() ? -1 : ops.front();
    std::vector<Weights> weights;
    for (OpId id : ops) weights.push_back(seededWeights(g_.op(id), kDefaultWeightSeed));
    const MergedConv m = buildMergedConv(g_, ops, weights);
    const View x = plan_.op(ops.front()).combined;
    const EpilogueSpec epi{m.weights.bias.empty() ? nullptr : &m.weights.bias, {}, m.conv.activation};
    addConv(prog, m.conv, x, y, m.weights, m.weights.kernel, epi);
    return prog;
}

} // namespace ioscope::gpu
