#include "gpu/fused_conv_graph.h"

#include "gpu/conv_algo.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <limits>
#include <mutex>
#include <string_view>
#include <utility>

namespace ioscope::gpu {
namespace {

constexpr int kHeuristicConfigs = 8; // engine configurations asked of cuDNN's heuristics
constexpr int kTimedPlans = 3;       // of those that build, the first few are timed as they run
constexpr int kMaxPlans = 5;         // ...and up to this many when those are all one engine
// Grouped convs: cuDNN's heuristics rank its depthwise engines anywhere (PyTorch, with
// cudnn.benchmark as the peer sets it, times every configuration), so more are asked for and the
// first plan of up to this many distinct engines is timed.
constexpr int kGroupedHeuristicConfigs = 32;
constexpr int kGroupedTimedEngines = 8;

// Tensor ids in the variant pack.
constexpr int64_t kX = 1, kW = 2, kY = 3, kBias = 4, kPreScale = 5, kPreShift = 6, kSum = 7, kSqSum = 8,
                  kFirstResidual = 10, kFirstVirtual = 100;

struct Unsupported {};
void ok(cudnnStatus_t status) {
    if (status != CUDNN_STATUS_SUCCESS) throw Unsupported{};
}

// One cuDNN backend descriptor, destroyed with its owner.
class Backend {
  public:
    explicit Backend(cudnnBackendDescriptorType_t type) { ok(cudnnBackendCreateDescriptor(type, &d_)); }
    ~Backend() {
        if (d_) cudnnBackendDestroyDescriptor(d_);
    }
    Backend(Backend&& o) noexcept : d_(std::exchange(o.d_, nullptr)) {}
    Backend(const Backend&) = delete;
    Backend& operator=(const Backend&) = delete;
    Backend& operator=(Backend&&) = delete;

    cudnnBackendDescriptor_t get() const { return d_; }
    template <typename T>
    Backend& set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, T value) {
        ok(cudnnBackendSetAttribute(d_, name, type, 1, &value));
        return *this;
    }
    template <typename T, size_t N>
    Backend& set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type,
                 const std::array<T, N>& v) {
        ok(cudnnBackendSetAttribute(d_, name, type, int64_t(N), v.data()));
        return *this;
    }
    template <typename T>
    Backend& set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type,
                 const std::vector<T>& v) {
        ok(cudnnBackendSetAttribute(d_, name, type, int64_t(v.size()), v.data()));
        return *this;
    }
    Backend& finalize() {
        ok(cudnnBackendFinalize(d_));
        return *this;
    }

  private:
    cudnnBackendDescriptor_t d_ = nullptr;
};

using Dims = std::array<int64_t, 4>;

int64_t alignmentOf(const void* p) {
    const auto address = reinterpret_cast<uintptr_t>(p);
    int64_t a = 16;
    while (a > 1 && address % uintptr_t(a) != 0) a /= 2;
    return a;
}

Dims dimsOf(const View& v, int batch) {
    return {batch, v.shape.c, v.shape.h, v.shape.w};
}
Dims stridesOf(const View& v) {
    return {v.sampleStride, v.channelStride, v.pixelStride * v.shape.w, v.pixelStride};
}

Backend tensor(int64_t uid, cudnnDataType_t type, const Dims& dims, const Dims& strides, int64_t alignment,
               bool isVirtual) {
    Backend t(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
    t.set(CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, uid)
        .set(CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, type)
        .set(CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, dims)
        .set(CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, strides)
        .set(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, alignment)
        .set(CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, isVirtual)
        .finalize();
    return t;
}

Backend pointwiseOp(cudnnPointwiseMode_t mode, const Backend& in, const Backend* second, const Backend& out,
                    std::deque<Backend>& keep, float upperClip = 0) {
    Backend pw(CUDNN_BACKEND_POINTWISE_DESCRIPTOR);
    pw.set(CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, mode)
        .set(CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, CUDNN_DATA_FLOAT);
    if (upperClip > 0) pw.set(CUDNN_ATTR_POINTWISE_RELU_UPPER_CLIP, CUDNN_TYPE_FLOAT, upperClip);
    pw.finalize();
    Backend op(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR);
    op.set(CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, CUDNN_TYPE_BACKEND_DESCRIPTOR, pw.get())
        .set(CUDNN_ATTR_OPERATION_POINTWISE_XDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, in.get());
    if (second) op.set(CUDNN_ATTR_OPERATION_POINTWISE_BDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, second->get());
    op.set(CUDNN_ATTR_OPERATION_POINTWISE_YDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, out.get()).finalize();
    keep.push_back(std::move(pw));
    return op;
}

// Engines whose arithmetic the precision does not allow: strict fp32 takes no tensor cores and
// no transforms; fp16/bf16 keep fp32 accumulation (unless reducedReduction: GpuOptions) and exact
// algorithms (as conv_algo.cpp does).
bool allowed(const std::vector<cudnnBackendNumericalNote_t>& notes, Precision precision,
             bool reducedReduction) {
    for (cudnnBackendNumericalNote_t n : notes) {
        const bool transform = n == CUDNN_NUMERICAL_NOTE_FFT || n == CUDNN_NUMERICAL_NOTE_WINOGRAD ||
                               n == CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_4x4 ||
                               n == CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_6x6 ||
                               n == CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_13x13;
        if (n == CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS) return false;
        if (n == CUDNN_NUMERICAL_NOTE_REDUCED_PRECISION_REDUCTION &&
            !(reducedReduction && (precision == Precision::Fp16 || precision == Precision::Bf16)))
            return false;
        if (precision == Precision::Fp32 && (n == CUDNN_NUMERICAL_NOTE_TENSOR_CORE || transform))
            return false;
        if (precision != Precision::Tf32 && transform) return false;
    }
    return true;
}

} // namespace

// The plans of one problem: every tensor's shape, strides and alignment, not its address.
class FusedConvPlans {
  public:
    struct Plan {
        Backend plan;
        int64_t workspace = 0;
        std::string name;
    };
    std::vector<Plan> plans;
    std::vector<int64_t> uids; // in the order of FusedConv's data pointers
    // Every descriptor the plans were built from (tensors, operations, graph, engine configs):
    // kept as long as the plans, whatever cuDNN copies internally.
    std::deque<Backend> owned;
    // The fastest plan once timed (the same problem elsewhere in the network is not re-timed).
    int chosen = -1;
    double chosenMs = -1;
};

namespace {

std::string problemKey(const FusedConvSpec& s) {
    auto view = [](const View& v) {
        char b[160];
        std::snprintf(b, sizeof b, "%s/%lld,%lld,%lld/a%lld", v.shape.str().c_str(), v.sampleStride,
                      v.channelStride, v.pixelStride, (long long)alignmentOf(v.ptr));
        return std::string(b);
    };
    const Window& w = s.window;
    char b[200];
    std::snprintf(b, sizeof b, "n%d|t%d|p%d|l%d|k%d,g%d|%d,%d,%d,%d,%d,%d,%d,%d|b%d|a%d|", s.batch,
                  int(s.x.type), int(s.precision), int(s.channelsLast), s.outChannels, s.groups, w.kh, w.kw,
                  w.sh, w.sw, w.ph, w.pw, w.dh, w.dw, s.bias ? int(alignmentOf(s.bias)) : 0,
                  int(s.activation));
    std::string key = b + view(s.x) + "|" + view(s.y);
    for (const View& r : s.residuals) key += "|r" + view(r);
    if (s.preScale)
        key += "|pre" + std::to_string(alignmentOf(s.preScale)) + "," +
               std::to_string(alignmentOf(s.preShift)) + (s.preRelu ? "relu" : "");
    if (s.stats) key += "|stats";
    return key;
}

std::shared_ptr<const FusedConvPlans> buildPlans(Device& device, const FusedConvSpec& s) {
    const cudnnDataType_t io = cudnnType(s.x.type);
    const bool nhwc = s.channelsLast;
    const int64_t k = s.outChannels, cg = s.x.shape.c / s.groups, kh = s.window.kh, kw = s.window.kw;
    const Dims yDims = dimsOf(s.y, s.batch);
    const int64_t oh = s.y.shape.h, ow = s.y.shape.w;
    const Dims packedY = nhwc ? Dims{k * oh * ow, 1, ow * k, k} : Dims{k * oh * ow, oh * ow, ow, 1};
    int64_t nextVirtual = kFirstVirtual;
    auto virtualTensor = [&] { return tensor(nextVirtual++, CUDNN_DATA_FLOAT, yDims, packedY, 16, true); };

    auto plans = std::make_shared<FusedConvPlans>();
    std::deque<Backend>& keep = plans->owned; // references stay valid as it grows
    std::vector<cudnnBackendDescriptor_t> opList;

    const Backend& x =
        keep.emplace_back(tensor(kX, io, dimsOf(s.x, s.batch), stridesOf(s.x), alignmentOf(s.x.ptr), false));
    const Dims wStrides = nhwc ? Dims{kh * kw * cg, 1, kw * cg, cg} : Dims{cg * kh * kw, kh * kw, kw, 1};
    const Backend& w =
        keep.emplace_back(tensor(kW, io, Dims{k, cg, kh, kw}, wStrides, alignmentOf(s.w), false));
    plans->uids = {kX, kW, kY};

    // The prologue x * scale + shift (-> ReLU) into a virtual fp32 tensor the conv reads.
    const Backend* convInput = &x;
    if (s.preScale) {
        const int64_t c = s.x.shape.c;
        const Dims xDims = dimsOf(s.x, s.batch);
        const Dims packedX =
            nhwc ? Dims{c * s.x.shape.h * s.x.shape.w, 1, s.x.shape.w * c, c}
                 : Dims{c * s.x.shape.h * s.x.shape.w, s.x.shape.h * s.x.shape.w, s.x.shape.w, 1};
        const Dims perChannel{1, c, 1, 1}, perChannelStrides = nhwc ? Dims{c, 1, c, c} : Dims{c, 1, 1, 1};
        auto step = [&](cudnnPointwiseMode_t mode, const Backend* operand) {
            const Backend& out =
                keep.emplace_back(tensor(nextVirtual++, CUDNN_DATA_FLOAT, xDims, packedX, 16, true));
            opList.push_back(keep.emplace_back(pointwiseOp(mode, *convInput, operand, out, keep)).get());
            convInput = &out;
        };
        step(CUDNN_POINTWISE_MUL, &keep.emplace_back(tensor(kPreScale, io, perChannel, perChannelStrides,
                                                            alignmentOf(s.preScale), false)));
        step(CUDNN_POINTWISE_ADD, &keep.emplace_back(tensor(kPreShift, io, perChannel, perChannelStrides,
                                                            alignmentOf(s.preShift), false)));
        if (s.preRelu) step(CUDNN_POINTWISE_RELU_FWD, nullptr);
        plans->uids.push_back(kPreScale);
        plans->uids.push_back(kPreShift);
    }

    Backend& conv = keep.emplace_back(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
    const Window& win = s.window;
    conv.set(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, CUDNN_DATA_FLOAT)
        .set(CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, CUDNN_CROSS_CORRELATION)
        .set(CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, int64_t(2))
        .set(CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_TYPE_INT64, std::array<int64_t, 2>{win.dh, win.dw})
        .set(CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, CUDNN_TYPE_INT64, std::array<int64_t, 2>{win.sh, win.sw})
        .set(CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_TYPE_INT64, std::array<int64_t, 2>{win.ph, win.pw})
        .set(CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, CUDNN_TYPE_INT64, std::array<int64_t, 2>{win.ph, win.pw})
        .finalize();

    // The chain conv -> +bias -> +residuals -> activation; the last op writes y.
    const int adds = (s.bias ? 1 : 0) + int(s.residuals.size());
    const int epilogueOps = adds + (s.activation != Activation::None ? 1 : 0);
    auto output = [&](bool last) {
        return last ? tensor(kY, io, yDims, stridesOf(s.y), alignmentOf(s.y.ptr), false) : virtualTensor();
    };
    const Backend* current = &keep.emplace_back(output(epilogueOps == 0));
    Backend& convOp = keep.emplace_back(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR);
    convOp.set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, CUDNN_TYPE_BACKEND_DESCRIPTOR, convInput->get())
        .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, CUDNN_TYPE_BACKEND_DESCRIPTOR, w.get())
        .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, CUDNN_TYPE_BACKEND_DESCRIPTOR, current->get())
        .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, conv.get())
        .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT, 1.0f)
        .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, 0.0f)
        .finalize();
    opList.push_back(convOp.get());
    int done = 0;
    auto addOperand = [&](const Backend& operand) {
        ++done;
        const Backend* out = &keep.emplace_back(output(done == epilogueOps));
        opList.push_back(
            keep.emplace_back(pointwiseOp(CUDNN_POINTWISE_ADD, *current, &operand, *out, keep)).get());
        current = out;
    };
    if (s.bias) {
        const Dims biasDims{1, k, 1, 1}, biasStrides = nhwc ? Dims{k, 1, k, k} : Dims{k, 1, 1, 1};
        addOperand(keep.emplace_back(tensor(kBias, io, biasDims, biasStrides, alignmentOf(s.bias), false)));
        plans->uids.push_back(kBias);
    }
    for (size_t r = 0; r < s.residuals.size(); ++r) {
        const View& z = s.residuals[r];
        const int64_t uid = kFirstResidual + int64_t(r);
        addOperand(
            keep.emplace_back(tensor(uid, io, dimsOf(z, s.batch), stridesOf(z), alignmentOf(z.ptr), false)));
        plans->uids.push_back(uid);
    }
    if (s.activation != Activation::None) {
        const Backend& out = keep.emplace_back(output(true));
        switch (s.activation) {
        case Activation::Relu:
            opList.push_back(
                keep.emplace_back(pointwiseOp(CUDNN_POINTWISE_RELU_FWD, *current, nullptr, out, keep)).get());
            break;
        case Activation::Relu6:
            opList.push_back(
                keep.emplace_back(pointwiseOp(CUDNN_POINTWISE_RELU_FWD, *current, nullptr, out, keep, 6.0f))
                    .get());
            break;
        case Activation::Sigmoid:
            opList.push_back(
                keep.emplace_back(pointwiseOp(CUDNN_POINTWISE_SIGMOID_FWD, *current, nullptr, out, keep))
                    .get());
            break;
        case Activation::Tanh:
            opList.push_back(
                keep.emplace_back(pointwiseOp(CUDNN_POINTWISE_TANH_FWD, *current, nullptr, out, keep)).get());
            break;
        case Activation::Silu: // x * sigmoid(x)
            opList.push_back(
                keep.emplace_back(pointwiseOp(CUDNN_POINTWISE_SWISH_FWD, *current, nullptr, out, keep))
                    .get());
            break;
        case Activation::HardSigmoid:
        case Activation::HardSwish:
        case Activation::LeakyRelu:
            throw Unsupported{}; // no cuDNN pointwise mode: the plain path's epilogue kernel runs them
        case Activation::None:
            break;
        }
        current = &out;
    }

    if (s.stats) { // per-channel sum and sum of squares of y
        const Dims perChannel{1, k, 1, 1}, perChannelStrides = nhwc ? Dims{k, 1, k, k} : Dims{k, 1, 1, 1};
        const Backend& sum =
            keep.emplace_back(tensor(kSum, CUDNN_DATA_FLOAT, perChannel, perChannelStrides, 16, false));
        const Backend& sqSum =
            keep.emplace_back(tensor(kSqSum, CUDNN_DATA_FLOAT, perChannel, perChannelStrides, 16, false));
        Backend& stats = keep.emplace_back(CUDNN_BACKEND_OPERATION_GEN_STATS_DESCRIPTOR);
        stats.set(CUDNN_ATTR_OPERATION_GENSTATS_MODE, CUDNN_TYPE_GENSTATS_MODE, CUDNN_GENSTATS_SUM_SQSUM)
            .set(CUDNN_ATTR_OPERATION_GENSTATS_MATH_PREC, CUDNN_TYPE_DATA_TYPE, CUDNN_DATA_FLOAT)
            .set(CUDNN_ATTR_OPERATION_GENSTATS_XDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, current->get())
            .set(CUDNN_ATTR_OPERATION_GENSTATS_SUMDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, sum.get())
            .set(CUDNN_ATTR_OPERATION_GENSTATS_SQSUMDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, sqSum.get())
            .finalize();
        opList.push_back(stats.get());
        plans->uids.push_back(kSum);
        plans->uids.push_back(kSqSum);
    }

    cudnnHandle_t handle = device.slot(0).cudnn;
    Backend& graph = keep.emplace_back(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
    graph.set(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, opList)
        .set(CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, handle)
        .finalize();
    // Configurations from cuDNN's heuristics (mode A), then its fallback list. For Inception V4's
    // 7x1 conv (64 -> 64 channels at 73x73, fp16, batch 16, H100) mode A's first three were knob
    // settings of engine 32, an fp32 FFMA kernel between two layout transposes, 0.23 ms; the first
    // plans of two other engines (41, 62: tensor cores) took 0.020 ms with the bias and ReLU.
    std::vector<cudnnBackendDescriptor_t> configPtrs;
    int64_t firstFallback = std::numeric_limits<int64_t>::max();
    const bool grouped = s.groups > 1;
    const int configsAsked = grouped ? kGroupedHeuristicConfigs : kHeuristicConfigs;
    const int timedPlans = grouped ? kGroupedTimedEngines : kTimedPlans;
    const int maxPlans = grouped ? kGroupedTimedEngines : kMaxPlans;
    for (const cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_FALLBACK}) {
        try {
            Backend& heuristics = keep.emplace_back(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
            heuristics.set(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, CUDNN_TYPE_BACKEND_DESCRIPTOR, graph.get())
                .set(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, mode)
                .finalize();
            std::vector<cudnnBackendDescriptor_t> some;
            for (int i = 0; i < configsAsked; ++i)
                some.push_back(keep.emplace_back(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR).get());
            int64_t got = 0;
            ok(cudnnBackendGetAttribute(heuristics.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                        CUDNN_TYPE_BACKEND_DESCRIPTOR, configsAsked, &got, some.data()));
            if (mode == CUDNN_HEUR_MODE_FALLBACK) firstFallback = int64_t(configPtrs.size());
            configPtrs.insert(configPtrs.end(), some.begin(),
                              some.begin() + std::min<int64_t>(got, configsAsked));
        } catch (const Unsupported&) {
            cudaGetLastError(); // no list of this kind for this graph
        }
    }
    const int64_t returned = int64_t(configPtrs.size());
    // The first few buildable plans are timed; when they are all one engine (as for that 7x1
    // conv), also the first plan of up to two other engines.
    std::vector<int64_t> engines; // the engine of each plan
    int compiling = 0;            // configurations left out because they compile at build time
    auto oneEngine = [&] {
        return std::all_of(engines.begin(), engines.end(), [&](int64_t e) { return e == engines.front(); });
    };
    for (int64_t i = 0; i < returned; ++i) {
        const bool enough = int(plans->plans.size()) >= timedPlans;
        if (enough && (!oneEngine() || int(plans->plans.size()) >= maxPlans)) break;
        try {
            Backend engine(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
            cudnnBackendDescriptor_t enginePtr = engine.get();
            int64_t n = 0;
            ok(cudnnBackendGetAttribute(configPtrs[size_t(i)], CUDNN_ATTR_ENGINECFG_ENGINE,
                                        CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &n, &enginePtr));
            std::vector<cudnnBackendNumericalNote_t> notes(CUDNN_NUMERICAL_NOTE_TYPE_COUNT);
            ok(cudnnBackendGetAttribute(enginePtr, CUDNN_ATTR_ENGINE_NUMERICAL_NOTE,
                                        CUDNN_TYPE_NUMERICAL_NOTE, int64_t(notes.size()), &n, notes.data()));
            notes.resize(size_t(n));
            // Grouped convs' configurations one by one (diagnostics: which engines cuDNN offers them).
            auto logConfig = [&](const char* verdict) {
                if (!device.options().convLog || s.groups == 1) return;
                int64_t global = -1, got = 0;
                cudnnBackendGetAttribute(enginePtr, CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, 1, &got,
                                         &global);
                std::string noted;
                static constexpr const char* kNoteNames[] = {
                    "tensor-cores",     "down-convert", "reduced-reduction", "fft",
                    "nondeterministic", "winograd",     "winograd-4x4",      "winograd-6x6",
                    "winograd-13x13",   "strict-nan"};
                for (cudnnBackendNumericalNote_t note : notes)
                    noted +=
                        std::string(" ") + (int(note) >= 0 && int(note) < 10 ? kNoteNames[int(note)] : "?");
                std::fprintf(stderr,
                             "ioscope: grouped conv (%d groups) config %lld: engine %lld, notes [%s ], %s\n",
                             s.groups, (long long)i, (long long)global, noted.c_str(), verdict);
            };
            if (!allowed(notes, s.precision, device.options().reducedPrecisionReduction)) {
                logConfig("left out: its arithmetic");
                continue;
            }
            const bool usesTensorCores =
                std::find(notes.begin(), notes.end(), CUDNN_NUMERICAL_NOTE_TENSOR_CORE) != notes.end();
            // Engines that compile their kernel at build time (NVRTC) cost seconds per shape, which a
            // live search pays for every candidate: only prebuilt engines unless asked for.
            std::vector<cudnnBackendBehaviorNote_t> behavior(CUDNN_BEHAVIOR_NOTE_TYPE_COUNT);
            // (A cuDNN that cannot say is taken to build without compiling, as before this check.)
            if (cudnnBackendGetAttribute(enginePtr, CUDNN_ATTR_ENGINE_BEHAVIOR_NOTE, CUDNN_TYPE_BEHAVIOR_NOTE,
                                         int64_t(behavior.size()), &n,
                                         behavior.data()) != CUDNN_STATUS_SUCCESS)
                n = 0;
            behavior.resize(size_t(n));
            const bool compiles = std::find(behavior.begin(), behavior.end(),
                                            CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION) != behavior.end();
            if (compiles && !device.options().runtimeCompiledEngines) {
                logConfig("left out: compiles at run time");
                ++compiling;
                continue;
            }
            int64_t index = -1;
            ok(cudnnBackendGetAttribute(enginePtr, CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, 1, &n,
                                        &index));
            const bool known = std::find(engines.begin(), engines.end(), index) != engines.end();
            if ((enough || i >= firstFallback || grouped) && known) { // grouped: one plan an engine
                logConfig("left out: its engine is timed already");
                continue;
            }
            const auto t0 = std::chrono::steady_clock::now();
            Backend plan(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
            plan.set(CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, handle)
                .set(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, CUDNN_TYPE_BACKEND_DESCRIPTOR,
                     configPtrs[size_t(i)])
                .finalize();
            int64_t workspace = 0;
            ok(cudnnBackendGetAttribute(plan.get(), CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
                                        CUDNN_TYPE_INT64, 1, &n, &workspace));
            if (workspace > int64_t(device.workspaceBytes())) {
                logConfig("left out: workspace");
                continue;
            }
            logConfig(compiles ? "built (compiled at run time)" : "built");
            char name[64];
            std::snprintf(
                name, sizeof name, "engine %lld%s (built in %.0f ms)", (long long)index,
                usesTensorCores ? " tensor cores" : "",
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            plans->plans.push_back({std::move(plan), workspace, name});
            engines.push_back(index);
        } catch (const Unsupported&) {
            cudaGetLastError(); // a configuration cuDNN cannot build for this problem
            if (device.options().convLog && s.groups > 1)
                std::fprintf(stderr, "ioscope: grouped conv config %lld: cuDNN cannot build it\n",
                             (long long)i);
        }
    }
    if (device.options().convLog && (s.preScale || plans->plans.empty() || s.groups > 1))
        std::fprintf(stderr,
                     "ioscope: cuDNN graph%s%s: %zu plans of %lld configurations (%d left out: runtime "
                     "compiled; IOSCOPE_CUDNN_GRAPH=rtc allows them)\n",
                     s.preScale ? " with input prologue" : "", s.stats ? " and stats" : "",
                     plans->plans.size(), (long long)returned, compiling);
    return plans;
}

} // namespace

struct FusedConv::Impl {
    std::shared_ptr<const FusedConvPlans> plans;
    size_t chosen = 0;
    std::vector<void*> pointers; // in plans->uids order
    // One variant pack per slot workspace; built on a slot's first launch.
    mutable std::mutex mutex;
    struct Pack {
        void* workspace;
        size_t plan;
        Backend descriptor;
    };
    mutable std::deque<Pack> packs;

    const Backend& pack(size_t planIndex, void* workspace) const {
        std::lock_guard lock(mutex);
        for (const Pack& p : packs)
            if (p.workspace == workspace && p.plan == planIndex) return p.descriptor;
        Backend p(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
        p.set(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, plans->uids)
            .set(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, pointers)
            .set(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, workspace)
            .finalize();
        return packs.emplace_back(Pack{workspace, planIndex, std::move(p)}).descriptor;
    }
    cudnnStatus_t run(size_t planIndex, Slot& slot) const {
        try {
            const Backend& p = pack(planIndex, slot.workspace.data());
            return cudnnBackendExecute(slot.cudnn, plans->plans[planIndex].plan.get(), p.get());
        } catch (const Unsupported&) {
            return CUDNN_STATUS_BAD_PARAM;
        }
    }
};

FusedConv::~FusedConv() = default;

std::shared_ptr<FusedConv> FusedConv::build(Device& device, const FusedConvSpec& spec) {
    // Off: GpuOptions::fusedConvGraphs (diagnostics, A/B measurements).
    if (!device.options().fusedConvGraphs) return nullptr;
    const std::string key = problemKey(spec);
    auto& cache = device.fusedPlanCache();
    auto it = cache.find(key);
    if (it == cache.end()) {
        std::shared_ptr<const FusedConvPlans> plans;
        try {
            plans = buildPlans(device, spec);
        } catch (const Unsupported&) {
            cudaGetLastError();
            if (device.options().convLog && spec.preScale)
                std::fprintf(stderr, "ioscope: cuDNN refused the operation graph with input prologue%s\n",
                             spec.stats ? " and stats" : "");
        }
        it = cache.emplace(key, plans && !plans->plans.empty() ? plans : nullptr).first;
    }
    if (!it->second) return nullptr;
    auto plans =
        std::const_pointer_cast<FusedConvPlans>(std::static_pointer_cast<const FusedConvPlans>(it->second));
    auto impl = std::make_unique<Impl>();
    impl->plans = plans;
    // In the order buildPlans gave the tensors their ids.
    impl->pointers = {spec.x.ptr, const_cast<void*>(spec.w), spec.y.ptr};
    if (spec.preScale) {
        impl->pointers.push_back(const_cast<void*>(spec.preScale));
        impl->pointers.push_back(const_cast<void*>(spec.preShift));
    }
    if (spec.bias) impl->pointers.push_back(const_cast<void*>(spec.bias));
    for (const View& r : spec.residuals) impl->pointers.push_back(r.ptr);
    if (spec.stats) {
        impl->pointers.push_back(spec.stats);
        impl->pointers.push_back(static_cast<float*>(spec.stats) + spec.outChannels);
    }

    double best = plans->chosenMs;
    if (plans->chosen >= 0) impl->chosen = size_t(plans->chosen);
    for (size_t i = 0; plans->chosen < 0 && i < plans->plans.size(); ++i) {
        const double ms =
            timeCapturedCalls(device, [&](Slot& s) { return impl->run(i, s) == CUDNN_STATUS_SUCCESS; });
        if (device.options().convLog)
            std::fprintf(stderr, "ioscope: fused conv graph %s: %.4f ms\n",
                         impl->plans->plans[i].name.c_str(), ms);
        if (ms >= 0 && (best < 0 || ms < best)) best = ms, impl->chosen = i;
    }
    if (best < 0) {
        it->second = nullptr; // none runs (or none captures): not tried again
        return nullptr;
    }
    plans->chosen = int(impl->chosen);
    plans->chosenMs = best;
    std::shared_ptr<FusedConv> conv(new FusedConv);
    conv->ms_ = best;
    conv->engine_ = impl->plans->plans[impl->chosen].name;
    conv->impl_ = std::move(impl);
    return conv;
}

cudnnStatus_t FusedConv::launch(Slot& slot) const {
    return impl_->run(impl_->chosen, slot);
}

} // namespace ioscope::gpu
