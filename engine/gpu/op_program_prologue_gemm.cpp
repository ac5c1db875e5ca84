// A sequential unit {scale-shift (+ ReLU), 1x1 conv} (graph/fusion.h: a batch norm that could not
// fold into the conv before it, as DenseNet's pre-activation) in one kernel that normalizes the
// input as it loads it: ioscope's prologue GEMM (gpu/kernels.h, launchPrologueGemm), measured
// against the unit as two programs (the scale-shift pass into a private buffer, then the conv's
// fastest path), the faster kept; or, only where forced, cuDNN's operation graph with the
// scale-shift as the conv's input prologue (gpu/fused_conv_graph.h).
#include "exec/weights_init.h"
#include "gpu/cuda_check.h"
#include "gpu/fused_conv_graph.h"
#include "gpu/kernels.h"
#include "gpu/op_program.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace ioscope::gpu {
namespace {

// The unit's body is the scale-shift and the 1x1 conv the fusion rewrite joined.
bool isScaleShiftConv(const Op& unit) {
    if (unit.kind != OpKind::Sequential || unit.body.size() != 2) return false;
    const Op& ss = unit.body[0];
    const Op& conv = unit.body[1];
    return ss.kind == OpKind::ScaleShift &&
           (ss.activation == Activation::None || ss.activation == Activation::Relu) &&
           conv.kind == OpKind::Conv && conv.groups == 1 && conv.window.isPointwise();
}

// Every sample's pixels one uniform run of channels-last rows.
bool uniformRows(const View& v) {
    return v.channelStride == 1 && v.sampleStride == (long long)v.shape.h * v.shape.w * v.pixelStride;
}

} // namespace

bool ProgramCompiler::compileScaleShiftConv(Program& prog, const Op& unit, const View& x, const View& y) {
    const ConvPath forced = device_.options().convPath;
    if (!isScaleShiftConv(unit) ||
        (forced != ConvPath::Fastest && forced != ConvPath::Prologue && forced != ConvPath::PrologueGraph))
        return false;
    const Weights ss = seededBodyWeights(unit, 0, kDefaultWeightSeed);
    const Weights cw = seededBodyWeights(unit, 1, kDefaultWeightSeed);
    const Op& conv = unit.body[1];
    const bool preRelu = unit.body[0].activation == Activation::Relu;
    const std::string problem =
        timedProblemKey("prologue", x, y, EpilogueSpec{nullptr, {}, conv.activation}) +
        (preRelu ? "|relu" : "|none") + (conv.bias ? "|bias" : "");

    // Each candidate is its own program, timed; the fastest is kept.
    Program best;
    double bestMs = -1;
    std::string bestName;
    auto consider = [&](Program& candidate, double ms, std::string name) {
        if (ms >= 0 && (bestMs < 0 || ms < bestMs))
            best = std::move(candidate), bestMs = ms, bestName = std::move(name);
    };
    std::string tried; // each candidate's time, for IOSCOPE_CONV_LOG

    // ioscope's kernel, each block shape (channels-last rows; not strict fp32: it uses tensor cores).
    const long long rows = (long long)x.shape.h * x.shape.w * plan_.batch();
    const bool kernelApplies = precision_ != Precision::Fp32 && uniformRows(x) && uniformRows(y) &&
                               rows < (1LL << 31) && forced != ConvPath::PrologueGraph;
    PrologueGemmArgs a;
    a.x = x.ptr;
    a.xRowStride = x.pixelStride;
    a.rows = int(rows);
    a.inChannels = x.shape.c;
    a.outChannels = y.shape.c;
    a.preRelu = preRelu;
    a.activation = activationCode(conv.activation);
    a.y = y.ptr;
    a.yRowStride = y.pixelStride;
    a.type = type_;
    const int forcedTile = device_.options().prologueTile;
    for (int tile = 0; kernelApplies && tile < kPrologueGemmTiles; ++tile) {
        if (forcedTile >= 0 && tile != forcedTile % kPrologueGemmTiles) continue;
        Program candidate;
        PrologueGemmArgs t = a;
        t.tile = tile;
        t.scale = upload(candidate, ss.kernel);
        t.shift = upload(candidate, ss.bias);
        t.weights = uploadTyped(candidate, cw.kernel);
        t.bias = conv.bias ? upload(candidate, cw.bias) : nullptr;
        if (!prologueGemmFits(t)) break;
        candidate.steps.push_back([t](Slot& s) {
            launchPrologueGemm(t, s.stream);
            IOSCOPE_CHECK(cudaPeekAtLastError());
        });
        const double ms = timeProgramOnce(candidate, problem + "|tile" + std::to_string(tile));
        tried += ", tile " + std::to_string(tile) + " " + std::to_string(ms);
        consider(candidate, ms, "the prologue kernel, tile " + std::to_string(tile));
    }

    // cuDNN's operation graph scale -> shift (-> ReLU) -> conv -> epilogue. Its prologue engine
    // (cuDNN 9, fp16 only) wants the output's statistics as well (an extra output the runtime
    // discards) and no epilogue. On the H200 it took DenseNet's transitions in half the time of the
    // unit as written, but on a strided input (a channel prefix of a concat) its output was wrong,
    // so it is offered packed inputs only (session 24).
    if ((forced == ConvPath::Fastest || forced == ConvPath::PrologueGraph) && x.packed()) {
        for (const bool stats : {false, true}) {
            Program candidate;
            FusedConvSpec spec;
            spec.x = x;
            spec.y = y;
            spec.outChannels = conv.outChannels;
            spec.window = conv.window;
            spec.batch = plan_.batch();
            spec.activation = conv.activation;
            spec.precision = precision_;
            spec.channelsLast = plan_.layout() == Layout::Nhwc;
            spec.w = uploadTyped(candidate, cw.kernel); // 1x1: the same in either filter layout
            spec.bias = conv.bias ? uploadTyped(candidate, cw.bias) : nullptr;
            spec.preScale = uploadTyped(candidate, ss.kernel);
            spec.preShift = uploadTyped(candidate, ss.bias);
            spec.preRelu = preRelu;
            if (stats)
                spec.stats =
                    const_cast<float*>(upload(candidate, std::vector<float>(2 * size_t(conv.outChannels))));
            const std::shared_ptr<FusedConv> fused = FusedConv::build(device_, spec);
            if (!fused) continue;
            addFusedConvStep(candidate, fused, "unit '" + unit.name + "' (graph with input prologue)");
            const double ms = timeProgramOnce(candidate, problem + (stats ? "|graph+stats" : "|graph"));
            tried += ", cuDNN graph " + std::to_string(ms) + " (" + fused->engineName() + ")";
            consider(candidate, ms, std::string("cuDNN's graph") + (stats ? " with stats" : ""));
            break;
        }
    }
    if (bestMs < 0) return false; // neither runs it: the unit as written

    // The unit as written: the pass into a private buffer, then the conv's fastest path.
    if (forced == ConvPath::Fastest) {
        Program written;
        const View normalized = privateBuffer(written, x.shape);
        compileCore(written, unit.body[0], {x}, normalized, ss, {});
        compileCore(written, conv, {normalized}, y, cw, {});
        const double ms = timeProgramOnce(written, problem + "|written");
        tried += ", as written " + std::to_string(ms);
        if (ms >= 0 && ms <= bestMs) best = std::move(written), bestMs = ms, bestName = "two programs";
    }
    if (device_.options().convLog)
        std::fprintf(stderr, "ioscope: unit '%s' (scale-shift, 1x1 conv) takes %s, %.4f ms (%s ms)\n",
                     unit.name.c_str(), bestName.c_str(), bestMs, tried.substr(2).c_str());
    prog.steps.insert(prog.steps.end(), best.steps.begin(), best.steps.end());
    prog.keepAlive.insert(prog.keepAlive.end(), best.keepAlive.begin(), best.keepAlive.end());
    return true;
}

} // namespace ioscope::gpu
