// A sequential unit {scale-shift (+ ReLU), 1x1 conv} (graph/fusion.h: a batch norm that could not
// fold into the conv before it, as DenseNet's pre-activation) in one kernel that normalizes the
// input as it loads it (gpu/kernels.h, launchPrologueGemm), measured against the unit as two
// programs (the scale-shift pass into a private buffer, then the conv's fastest path); the faster
// is kept.
#include "exec/weights_init.h"
#include "gpu/cuda_check.h"
#include "gpu/kernels.h"
#include "gpu/op_program.h"

#include <cstdio>
#include <string>

namespace ioscope::gpu {
namespace {

// The unit's body is the scale-shift and the 1x1 conv the fusion rewrite joined.
bool isScaleShiftConv(const Op& unit) {
    if (unit.kind != OpKind::Sequential || unit.body.size() != 2) return false;
    const Op& ss = unit.body[0];
    const Op& conv = unit.body[1];
    const Window& w = conv.window;
    return ss.kind == OpKind::ScaleShift &&
           (ss.activation == Activation::None || ss.activation == Activation::Relu) &&
           conv.kind == OpKind::Conv && conv.groups == 1 && w.kh == 1 && w.kw == 1 && w.sh == 1 &&
           w.sw == 1 && w.ph == 0 && w.pw == 0;
}

// Every sample's pixels one uniform run of channels-last rows.
bool uniformRows(const View& v) {
    return v.channelStride == 1 && v.sampleStride == (long long)v.shape.h * v.shape.w * v.pixelStride;
}

} // namespace

bool ProgramCompiler::compileScaleShiftConv(Program& prog, const Op& unit, const View& x, const View& y) {
    const ConvPath forced = device_.options().convPath;
    const long long rows = (long long)x.shape.h * x.shape.w * plan_.batch();
    if (!isScaleShiftConv(unit) || precision_ == Precision::Fp32 || !uniformRows(x) || !uniformRows(y) ||
        rows >= (1LL << 31) || (forced != ConvPath::Fastest && forced != ConvPath::Prologue))
        return false;
    const Weights ss = seededBodyWeights(unit, 0, kDefaultWeightSeed);
    const Weights cw = seededBodyWeights(unit, 1, kDefaultWeightSeed);
    const Op& conv = unit.body[1];
    PrologueGemmArgs a;
    a.x = x.ptr;
    a.xRowStride = x.pixelStride;
    a.rows = int(rows);
    a.inChannels = x.shape.c;
    a.outChannels = y.shape.c;
    a.preRelu = unit.body[0].activation == Activation::Relu;
    a.activation = activationCode(conv.activation);
    a.y = y.ptr;
    a.yRowStride = y.pixelStride;
    a.type = type_;

    // Each block shape as its own program; the unit as written (two programs) as the baseline.
    Program best;
    double bestMs = -1;
    int bestTile = -1;
    const std::string problem =
        timedProblemKey("prologue", x, y, EpilogueSpec{nullptr, {}, conv.activation}) +
        (a.preRelu ? "|relu" : "|none") + (conv.bias ? "|bias" : "");
    const int forcedTile = device_.options().prologueTile;
    for (int tile = 0; tile < kPrologueGemmTiles; ++tile) {
        if (forcedTile >= 0 && tile != forcedTile % kPrologueGemmTiles) continue;
        Program candidate;
        PrologueGemmArgs t = a;
        t.tile = tile;
        t.scale = upload(candidate, ss.kernel);
        t.shift = upload(candidate, ss.bias);
        t.weights = uploadTyped(candidate, cw.kernel);
        t.bias = conv.bias ? upload(candidate, cw.bias) : nullptr;
        if (!prologueGemmFits(t)) return false;
        candidate.steps.push_back([t](Slot& s) {
            launchPrologueGemm(t, s.stream);
            IOSCOPE_CHECK(cudaPeekAtLastError());
        });
        const double ms = timeProgramOnce(candidate, problem + "|tile" + std::to_string(tile));
        if (ms >= 0 && (bestMs < 0 || ms < bestMs)) best = std::move(candidate), bestMs = ms, bestTile = tile;
    }
    if (bestMs < 0) return false; // the kernel never ran: the unit as written
    const int kernelTile = bestTile;
    double writtenMs = -1;
    if (forced != ConvPath::Prologue) {
        Program written;
        const View normalized = privateBuffer(written, x.shape);
        compileCore(written, unit.body[0], {x}, normalized, ss, {});
        compileCore(written, conv, {normalized}, y, cw, {});
        writtenMs = timeProgramOnce(written, problem + "|written");
        if (writtenMs >= 0 && writtenMs <= bestMs) best = std::move(written), bestTile = -1;
    }
    if (device_.options().convLog)
        std::fprintf(stderr,
                     "ioscope: unit '%s' (scale-shift, 1x1 conv) takes %s (kernel %.4f, tile %d, as written "
                     "%.4f ms)\n",
                     unit.name.c_str(), bestTile >= 0 ? "the prologue kernel" : "two programs", bestMs,
                     kernelTile, writtenMs);
    prog.steps.insert(prog.steps.end(), best.steps.begin(), best.steps.end());
    prog.keepAlive.insert(prog.keepAlive.end(), best.keepAlive.begin(), best.keepAlive.end());
    return true;
}

} // namespace ioscope::gpu
