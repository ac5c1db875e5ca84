#include "gpu/op_program.h"

#include "exec/weights_init.h"
#include "gpu/conv_algo.h"
#include "gpu/kernels.h"

#include <algorithm>
#include <cstdio>

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
    const int hw = v.shape.h * v.shape.w;
    IOSCOPE_CHECK(cudnnSetTensor4dDescriptorEx(d, CUDNN_DATA_FLOAT, batch, v.shape.c, v.shape.h, v.shape.w,
                                               static_cast<int>(v.stride), hw, v.shape.w, 1));
    return h;
}

int activationCode(Activation a) {
    switch (a) {
    case Activation::None:
        return 0;
    case Activation::Relu:
        return 1;
    case Activation::Sigmoid:
        return 2;
    case Activation::Tanh:
        return 3;
    case Activation::Relu6:
        return 4;
    }
    return 0;
}

View sliceChannels(const View& v, int first, Shape shape) {
    return View{v.ptr + static_cast<long long>(first) * v.shape.h * v.shape.w, shape, v.stride};
}

std::string describe(const View& v) {
    return v.shape.str() + "/" + std::to_string(v.stride);
}

} // namespace

ProgramCompiler::ProgramCompiler(Device& device, const Graph& g, const BufferPlan& plan, Precision precision)
    : device_(device), g_(g), plan_(plan), precision_(precision) {}

const float* ProgramCompiler::upload(Program& prog, const std::vector<float>& values) {
    if (values.empty()) return nullptr;
    auto buffer = std::make_shared<DeviceBuffer>(uploadFloats(values));
    prog.keepAlive.push_back(buffer);
    return buffer->floats();
}

View ProgramCompiler::privateBuffer(Program& prog, Shape shape) {
    auto buffer = std::make_shared<DeviceBuffer>(size_t(shape.elements()) * plan_.batch() * sizeof(float),
                                                 "intermediate tensor");
    prog.keepAlive.push_back(buffer);
    return View{buffer->floats(), shape, shape.elements()};
}

void ProgramCompiler::addElementwise(Program& prog, const std::vector<View>& inputs, const View& y,
                                     bool product, const float* scale, const float* shift, Activation act) {
    if (inputs.empty() || inputs.size() > size_t(kMaxEwInputs))
        throw RuntimeFailure("element-wise op with " + std::to_string(inputs.size()) +
                             " inputs is not supported");
    ElementwiseArgs a;
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i].shape.elements() != y.shape.elements())
            throw RuntimeFailure("element-wise input " + describe(inputs[i]) + " does not match output " +
                                 describe(y));
        a.in[i] = inputs[i].ptr;
        a.inStride[i] = inputs[i].stride;
    }
    a.inputs = static_cast<int>(inputs.size());
    a.product = product;
    a.scale = scale;
    a.shift = shift;
    a.activation = activationCode(act);
    a.out = y.ptr;
    a.outStride = y.stride;
    a.perSample = y.shape.elements();
    a.planeSize = std::max(1, y.shape.h * y.shape.w);
    a.batch = plan_.batch();
    prog.steps.push_back([a](Slot& s) {
        launchElementwise(a, s.stream);
        IOSCOPE_CHECK(cudaPeekAtLastError());
    });
}

void ProgramCompiler::addConv(Program& prog, const Op& op, const View& x, const View& y, const float* kernel,
                              const float* bias) {
    const int n = plan_.batch();
    const Window& w = op.window;
    auto xd = tensorDesc(x, n), yd = tensorDesc(y, n);
    cudnnFilterDescriptor_t wdRaw = nullptr;
    IOSCOPE_CHECK(cudnnCreateFilterDescriptor(&wdRaw));
    auto wd = holder(wdRaw, cudnnDestroyFilterDescriptor);
    IOSCOPE_CHECK(cudnnSetFilter4dDescriptor(wdRaw, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, op.outChannels,
                                             x.shape.c / op.groups, w.kh, w.kw));
    cudnnConvolutionDescriptor_t cdRaw = nullptr;
    IOSCOPE_CHECK(cudnnCreateConvolutionDescriptor(&cdRaw));
    auto cd = holder(cdRaw, cudnnDestroyConvolutionDescriptor);
    IOSCOPE_CHECK(cudnnSetConvolution2dDescriptor(cdRaw, w.ph, w.pw, w.sh, w.sw, w.dh, w.dw,
                                                  CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    IOSCOPE_CHECK(cudnnSetConvolutionGroupCount(cdRaw, op.groups));
    // Strict fp32 needs FMA math: cuDNN's default math may use TF32 tensor cores on Ampere+.
    const cudnnMathType_t math = precision_ == Precision::Tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH;
    IOSCOPE_CHECK(cudnnSetConvolutionMathType(cdRaw, math));
    int on = 0, oc = 0, oh = 0, ow = 0;
    IOSCOPE_CHECK(cudnnGetConvolution2dForwardOutputDim(cdRaw, *xd, wdRaw, &on, &oc, &oh, &ow));
    if (oc != y.shape.c || oh != y.shape.h || ow != y.shape.w)
        throw RuntimeFailure("op '" + op.name + "': cuDNN output " + std::to_string(oc) + "x" +
                             std::to_string(oh) + "x" + std::to_string(ow) + " differs from the inferred " +
                             y.shape.str());

    char key[512];
    std::snprintf(key, sizeof key, "%d|%s/%lld|%d,%d,%d,%d|%d,%d,%d,%d,%d,%d,%d|%lld|%d", n,
                  x.shape.str().c_str(), x.stride, op.outChannels, w.kh, w.kw, op.groups, w.ph, w.pw, w.sh,
                  w.sw, w.dh, w.dw, 0, y.stride, int(math));
    auto& cache = device_.convAlgoCache();
    auto it = cache.find(key);
    if (it == cache.end()) {
        try {
            const ConvProblem problem{*xd, x.ptr, wdRaw, kernel, cdRaw, *yd, y.ptr, op.groups != 1};
            it = cache.emplace(key, chooseConvAlgo(device_, problem, precision_)).first;
        } catch (const RuntimeFailure& e) {
            throw RuntimeFailure("op '" + op.name + "': " + e.what() + " (input " + describe(x) +
                                 ", output " + describe(y) + ")");
        }
    }
    const ConvAlgoChoice choice = it->second;
    IOSCOPE_CHECK(cudnnSetConvolutionMathType(cdRaw, choice.math));
    prog.keepAlive.insert(prog.keepAlive.end(), {xd, yd, wd, cd});

    // Conv + bias + ReLU in one cuDNN call where cuDNN allows it (ReLU, a bias); else conv, then
    // one element-wise kernel for bias and activation.
    if (bias && op.activation == Activation::Relu) {
        cudnnActivationDescriptor_t adRaw = nullptr;
        IOSCOPE_CHECK(cudnnCreateActivationDescriptor(&adRaw));
        auto ad = holder(adRaw, cudnnDestroyActivationDescriptor);
        IOSCOPE_CHECK(
            cudnnSetActivationDescriptor(adRaw, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0.0));
        cudnnTensorDescriptor_t bdRaw = nullptr;
        IOSCOPE_CHECK(cudnnCreateTensorDescriptor(&bdRaw));
        auto bd = holder(bdRaw, cudnnDestroyTensorDescriptor);
        IOSCOPE_CHECK(
            cudnnSetTensor4dDescriptor(bdRaw, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, op.outChannels, 1, 1));
        auto fused = [xd, yd, wd, cd, ad, bd, choice, x, y, kernel, bias](Slot& s) {
            return cudnnConvolutionBiasActivationForward(s.cudnn, &kOne, *xd, x.ptr, *wd, kernel, *cd,
                                                         choice.algo, s.workspace.data(), choice.workspace,
                                                         &kZero, *yd, y.ptr, *bd, bias, *ad, *yd, y.ptr);
        };
        Slot& s0 = device_.slot(0);
        if (fused(s0) == CUDNN_STATUS_SUCCESS) {
            IOSCOPE_CHECK(cudaStreamSynchronize(s0.stream));
            prog.keepAlive.insert(prog.keepAlive.end(), {ad, bd});
            prog.steps.push_back([fused](Slot& s) { IOSCOPE_CHECK(fused(s)); });
            return;
        }
        cudaGetLastError();
    }
    prog.steps.push_back([xd, yd, wd, cd, choice, x, y, kernel](Slot& s) {
        IOSCOPE_CHECK(cudnnConvolutionForward(s.cudnn, &kOne, *xd, x.ptr, *wd, kernel, *cd, choice.algo,
                                              s.workspace.data(), choice.workspace, &kZero, *yd, y.ptr));
    });
    if (bias || op.activation != Activation::None)
        addElementwise(prog, {y}, y, false, nullptr, bias, op.activation);
}

void ProgramCompiler::compileCore(Program& prog, const Op& op, const std::vector<View>& inputs, const View& y,
                                  const Weights& w) {
    const int n = plan_.batch();
    const View& x = inputs.front();
    switch (op.kind) {
    case OpKind::Input:
        return;
    case OpKind::Conv:
        addConv(prog, op, x, y, upload(prog, w.kernel), upload(prog, w.bias));
        return;
    case OpKind::SepConv: {
        View in = x;
        if (op.preRelu) {
            in = privateBuffer(prog, x.shape);
            addElementwise(prog, {x}, in, false, nullptr, nullptr, Activation::Relu);
        }
        Op depthwise = op;
        depthwise.groups = x.shape.c;
        depthwise.outChannels = x.shape.c;
        depthwise.activation = Activation::None;
        const View mid = privateBuffer(prog, {x.shape.c, y.shape.h, y.shape.w});
        addConv(prog, depthwise, in, mid, upload(prog, w.depthwise), nullptr);
        Op pointwise = op;
        pointwise.window = Window{};
        pointwise.groups = 1;
        addConv(prog, pointwise, mid, y, upload(prog, w.kernel), upload(prog, w.bias));
        return;
    }
    case OpKind::MaxPool:
    case OpKind::AvgPool:
    case OpKind::GlobalAvgPool: {
        Window win = op.window;
        if (op.kind == OpKind::GlobalAvgPool) win = Window{x.shape.h, x.shape.w, 1, 1, 0, 0, 1, 1};
        if (win.dh != 1 || win.dw != 1)
            throw RuntimeFailure("op '" + op.name + "': dilated pooling is not supported by the GPU runtime");
        const cudnnPoolingMode_t mode = op.kind == OpKind::MaxPool ? CUDNN_POOLING_MAX
                                        : (op.countIncludePad || op.kind == OpKind::GlobalAvgPool)
                                            ? CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING
                                            : CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
        cudnnPoolingDescriptor_t pdRaw = nullptr;
        IOSCOPE_CHECK(cudnnCreatePoolingDescriptor(&pdRaw));
        auto pd = holder(pdRaw, cudnnDestroyPoolingDescriptor);
        IOSCOPE_CHECK(cudnnSetPooling2dDescriptor(pdRaw, mode, CUDNN_NOT_PROPAGATE_NAN, win.kh, win.kw,
                                                  win.ph, win.pw, win.sh, win.sw));
        auto xd = tensorDesc(x, n), yd = tensorDesc(y, n);
        prog.keepAlive.insert(prog.keepAlive.end(), {pd, xd, yd});
        prog.steps.push_back([pd, xd, yd, x, y](Slot& s) {
            IOSCOPE_CHECK(cudnnPoolingForward(s.cudnn, *pd, &kOne, *xd, x.ptr, &kZero, *yd, y.ptr));
        });
        return;
    }
    case OpKind::Softmax: {
        auto xd = tensorDesc(x, n), yd = tensorDesc(y, n);
        prog.steps.push_back([xd, yd, x, y](Slot& s) {
            IOSCOPE_CHECK(cudnnSoftmaxForward(s.cudnn, CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_MODE_CHANNEL,
                                              &kOne, *xd, x.ptr, &kZero, *yd, y.ptr));
        });
        return;
    }
    case OpKind::FullyConnected: {
        const float* kernel = upload(prog, w.kernel);
        const float* bias = upload(prog, w.bias);
        const int in = static_cast<int>(x.shape.elements()), out = op.outChannels;
        const long long lda = x.stride, ldc = y.stride;
        // Row-major out[N][O] = in[N][I] * W[O][I]^T, i.e. column-major out^T = W^T(as I x O)^T * in^T.
        prog.steps.push_back([=](Slot& s) {
            IOSCOPE_CHECK(cublasSgemm(s.cublas, CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &kOne, kernel, in,
                                      x.ptr, static_cast<int>(lda), &kZero, y.ptr, static_cast<int>(ldc)));
        });
        if (bias || op.activation != Activation::None)
            addElementwise(prog, {y}, y, false, nullptr, bias, op.activation);
        return;
    }
    case OpKind::Activation:
        addElementwise(prog, inputs, y, false, nullptr, nullptr, op.activation);
        return;
    case OpKind::Mul:
        addElementwise(prog, inputs, y, true, nullptr, nullptr, Activation::None);
        return;
    case OpKind::ScaleShift:
        addElementwise(prog, inputs, y, false, upload(prog, w.kernel), upload(prog, w.bias),
                       Activation::None);
        return;
    case OpKind::Add:
    case OpKind::Identity:
    case OpKind::Concat:
    case OpKind::Flatten:
        // Concat/Identity whose inputs were written in place already are their own output.
        if (inputs.size() == 1 && inputs.front().ptr == y.ptr) return;
        addElementwise(prog, inputs, y, false, nullptr, nullptr, Activation::None);
        return;
    case OpKind::Sequential:
        throw RuntimeFailure("op '" + op.name + "': nested sequential op");
    }
}

Program ProgramCompiler::compileOp(OpId id) {
    Program prog;
    const Op& op = g_.op(id);
    const PlannedOp& p = plan_.op(id);
    if (op.kind == OpKind::Input) return prog;
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
            addElementwise(prog, sources, sliceChannels(p.combined, term.channel, term.shape), false, nullptr,
                           nullptr, Activation::None);
        }
        inputs = {p.combined};
        break;
    }
    if (op.kind != OpKind::Sequential) {
        compileCore(prog, op, inputs, p.out, seededWeights(op, kDefaultWeightSeed));
        return prog;
    }
    View cur = inputs.front();
    for (size_t i = 0; i < op.body.size(); ++i) {
        const Op& inner = op.body[i];
        const View y = i + 1 == op.body.size() ? p.out : privateBuffer(prog, inner.out);
        compileCore(prog, inner, {cur}, y, seededBodyWeights(op, i, kDefaultWeightSeed));
        cur = y;
    }
    return prog;
}

Program ProgramCompiler::compileMerged(const std::vector<OpId>& ops, int mergeIndex) {
    return compileMerged(ops, plan_.merged(mergeIndex));
}

Program ProgramCompiler::compileMerged(const std::vector<OpId>& ops, const View& y) {
    Program prog;
    std::vector<Weights> weights;
    for (OpId id : ops) weights.push_back(seededWeights(g_.op(id), kDefaultWeightSeed));
    const MergedConv m = buildMergedConv(g_, ops, weights);
    const View x = plan_.op(ops.front()).combined;
    addConv(prog, m.conv, x, y, upload(prog, m.weights.kernel), upload(prog, m.weights.bias));
    return prog;
}

} // namespace ioscope::gpu
