#include "cost/sim_calibration.h"

#include "cost/sim_cost_model.h"
#include "cost/sim_timeline.h"
#include "io/json_reader.h"
#include "util/atomic_file.h"
#include "util/errors.h"

#include <algorithm>
#include <cmath>

namespace ioscope {
namespace {

int outSize(int in, int k, int s, int p) {
    return (in + 2 * p - k) / s + 1;
}

} // namespace

CalibrationData loadCalibrationData(const std::string& path) {
    const json::Json root = json::parse(readFile(path, limits::kJsonFileMiB), path);
    const json::Reader rd(path);
    CalibrationData d;
    const json::Json& layers = rd.array(rd.member(root, "layers", ""), "layers");
    for (size_t i = 0; i < layers.size(); ++i) {
        const json::Json& l = layers[i];
        const std::string at = "layers[" + std::to_string(i) + "]";
        const auto num = [&](const char* key) {
            return int(rd.integer(rd.member(l, key, at), at + "." + key, 0, 1 << 20));
        };
        CalibrationLayer layer;
        Op& op = layer.op;
        const std::string kind = rd.string(rd.member(l, "kind", at), at + ".kind");
        op.in = {num("c"), num("h"), num("w")};
        if (kind == "conv") {
            op.kind = OpKind::Conv;
            op.window = {num("kh"), num("kw"), num("sh"), num("sw"), num("ph"), num("pw"), 1, 1};
            op.outChannels = num("oc");
            op.groups = std::max(1, num("groups"));
            op.activation = Activation::Relu;
            op.out = {op.outChannels, outSize(op.in.h, op.window.kh, op.window.sh, op.window.ph),
                      outSize(op.in.w, op.window.kw, op.window.sw, op.window.pw)};
        } else if (kind == "maxpool" || kind == "avgpool") {
            op.kind = kind == "maxpool" ? OpKind::MaxPool : OpKind::AvgPool;
            const int k = num("k"), s = num("s"), p = num("p");
            op.window = {k, k, s, s, p, p, 1, 1};
            op.out = {op.in.c, outSize(op.in.h, k, s, p), outSize(op.in.w, k, s, p)};
        } else {
            rd.fail(at + ".kind", "unknown layer kind '" + kind + "'");
        }
        layer.measured[0] = rd.number(rd.member(l, "graph_fp32_ms", at), at + ".graph_fp32_ms");
        layer.measured[1] = rd.number(rd.member(l, "graph_tf32_ms", at), at + ".graph_tf32_ms");
        layer.label =
            kind + " " + op.in.str() + "->" + op.out.str() +
            (kind == "conv" ? " k" + std::to_string(op.window.kh) + "x" + std::to_string(op.window.kw) : "");
        d.layers.push_back(std::move(layer));
    }
    const json::Json& sets = rd.array(rd.member(root, "concurrent", ""), "concurrent");
    for (size_t i = 0; i < sets.size(); ++i) {
        const std::string at = "concurrent[" + std::to_string(i) + "]";
        CalibrationSet s;
        const std::string p = rd.string(rd.member(sets[i], "precision", at), at + ".precision");
        s.precision = p == "tf32" ? Precision::Tf32 : Precision::Fp32;
        const json::Json& idx = rd.array(rd.member(sets[i], "layers", at), at + ".layers");
        for (size_t j = 0; j < idx.size(); ++j)
            s.layers.push_back(int(rd.integer(idx[j], at + ".layers", 0, long(d.layers.size()) - 1)));
        s.togetherMs = rd.number(rd.member(sets[i], "graph_ms", at), at + ".graph_ms");
        s.sumAloneMs = rd.number(rd.member(sets[i], "sum_alone_ms", at), at + ".sum_alone_ms");
        d.sets.push_back(std::move(s));
    }
    return d;
}

// PyTorch's conv2d(bias) + relu_ on NCHW tensors (the microbenchmark's): the convolution, a
// bias-add kernel and an in-place ReLU kernel.
std::vector<SimKernel> torchLayerKernels(const SimDevice& dev, const Op& op, Precision prec) {
    RunConfig run{1, prec, Layout::Nchw};
    std::vector<SimKernel> ks = lowerOp(dev, op, run);
    if (op.kind == OpKind::Conv) {
        const double outs = double(op.out.elements());
        ks.push_back(streamingKernel(dev, "bias add", outs, 4.0 * (2 * outs + op.outChannels), outs));
        ks.push_back(streamingKernel(dev, "relu", outs, 4.0 * 2 * outs, outs));
    }
    return ks;
}

CalibrationEvaluation evaluateCalibration(const SimDevice& device, const CalibrationData& data,
                                          const TorchHarness& harness) {
    SimDevice dev = device;
    dev.stageBaseUs = harness.roundUs;
    dev.gemmEffFp32 = std::min(1.0, dev.gemmEffFp32 * harness.gemmScale);
    dev.gemmEffTf32 = std::min(1.0, dev.gemmEffTf32 * harness.gemmScale);
    CalibrationEvaluation e;
    std::vector<std::vector<SimKernel>> kernels[2];
    std::vector<double> alone[2];
    double lossAlone = 0, lossTogether = 0;
    for (int p = 0; p < 2; ++p) {
        for (const CalibrationLayer& l : data.layers) {
            kernels[p].push_back(torchLayerKernels(dev, l.op, p ? Precision::Tf32 : Precision::Fp32));
            alone[p].push_back(stageLatencyUs(dev, {kernels[p].back()}) / 1000.0);
            e.aloneErr[p].push_back(alone[p].back() / l.measured[p] - 1);
            lossAlone += std::pow(std::log(alone[p].back() / l.measured[p]), 2);
        }
    }
    for (const CalibrationSet& s : data.sets) {
        const int p = s.precision == Precision::Tf32;
        std::vector<std::vector<SimKernel>> streams;
        double predSum = 0;
        for (int i : s.layers) streams.push_back(kernels[p][size_t(i)]), predSum += alone[p][size_t(i)];
        const double together = stageLatencyUs(dev, streams) / 1000.0;
        e.togetherErr.push_back(together / s.togetherMs - 1);
        e.predSpeedup.push_back(predSum / together);
        e.measSpeedup.push_back(s.sumAloneMs / s.togetherMs);
        e.speedupErr.push_back(e.predSpeedup.back() / e.measSpeedup.back() - 1);
        lossTogether += std::pow(std::log(e.predSpeedup.back() / e.measSpeedup.back()), 2);
    }
    const double nAlone = 2.0 * double(data.layers.size());
    e.loss = lossAlone / nAlone + (data.sets.empty() ? 0 : lossTogether / double(data.sets.size()));
    return e;
}

RuntimeEvaluation evaluateRuntime(const SimDevice& dev, const std::vector<RuntimeNetwork>& nets) {
    RuntimeEvaluation e;
    SimCostModel model(dev, "sim");
    double wholeSum = 0;
    size_t wholeCount = 0;
    for (const RuntimeNetwork& n : nets) {
        std::vector<double>& err = e.stageErr.emplace_back();
        e.kernelFree.push_back(0);
        double sq = 0;
        for (const RuntimeStage& s : n.stages) {
            const double pred = model.stageLatencyMs(*n.graph, s.stage, n.run);
            if (pred <= 0) { // no kernels (a lone concat): the model makes it free, the runtime does not
                ++e.kernelFree.back();
                continue;
            }
            err.push_back(pred / s.measuredMs - 1);
            sq += std::pow(std::log(pred / s.measuredMs), 2);
        }
        if (!err.empty()) e.stageLoss += sq / double(err.size());
        std::vector<double>& whole = e.schedulePredMs.emplace_back();
        for (const RuntimeSchedule& r : n.schedules) {
            double ms = 0;
            for (const Stage& st : r.schedule.stages) ms += model.stageLatencyMs(*n.graph, st, n.run);
            whole.push_back(ms);
            wholeSum += std::pow(std::log(ms / r.measuredMs), 2), ++wholeCount;
        }
    }
    if (!nets.empty()) e.stageLoss /= double(nets.size());
    if (wholeCount) e.wholeLoss = wholeSum / double(wholeCount);
    return e;
}

double quantile(std::vector<double> v, double q, bool absolute) {
    if (v.empty()) return 0;
    if (absolute)
        for (double& x : v) x = std::fabs(x);
    std::sort(v.begin(), v.end());
    const double pos = q * double(v.size() - 1);
    const size_t lo = size_t(pos);
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

const std::vector<FitParam>& fitParams() {
    static const std::vector<FitParam> params = {
        {"launchUs", &SimDevice::launchUs, 0.05, 10},
        {"kernelTailUs", &SimDevice::kernelTailUs, 0.05, 10},
        {"stageBaseUs", &SimDevice::stageBaseUs, 0.05, 10},
        {"streamForkUs", &SimDevice::streamForkUs, 0.0, 10},
        {"gemmEffFp32", &SimDevice::gemmEffFp32, 0.05, 1},
        {"gemmEffTf32", &SimDevice::gemmEffTf32, 0.25,
         1}, // below, tf32 GEMMs lose their lead over fp32 (docs)
        {"tileHalfArea", &SimDevice::tileHalfArea, 1, 1e5},
        {"memEff", &SimDevice::memEff, 0.02, 1},
        {"streamFlopEff", &SimDevice::streamFlopEff, 0.01, 1},
        {"bwSaturation", &SimDevice::bwSaturation, 0.05, 1},
    };
    return params;
}

double jointLoss(const SimDevice& dev, const TorchHarness& harness, const CalibrationData& data,
                 const std::vector<RuntimeNetwork>& nets, const FitWeights& w) {
    double loss = evaluateCalibration(dev, data, harness).loss;
    if (!nets.empty()) {
        const RuntimeEvaluation r = evaluateRuntime(dev, nets);
        loss += w.stage * r.stageLoss + w.whole * r.wholeLoss;
    }
    return loss;
}

// Coordinate descent with multiplicative steps: the loss is piecewise smooth (waves and tile
// choices are discrete), so a derivative-free search is the robust choice. With runtime data the
// two harness constants are two more coordinates; without, the harness is the device itself.
FitResult fitCalibration(SimDevice dev, const CalibrationData& data, const std::vector<RuntimeNetwork>& nets,
                         const FitWeights& w, const ProgressCallback& progress) {
    const bool joint = !nets.empty();
    const auto harnessOf = [&](const FitResult& f) {
        return joint ? f.harness : TorchHarness{f.dev.stageBaseUs, 1.0};
    };
    for (const FitParam& p : fitParams()) dev.*(p.field) = std::clamp(dev.*(p.field), p.lo, p.hi);
    FitResult fit{dev, kTorchHarness, 0};
    fit.loss = jointLoss(fit.dev, harnessOf(fit), data, nets, w);
    const size_t coords = fitParams().size() + (joint ? 2 : 0);
    long long rounds = 0;
    for (double step = 0.5; step > 0.004; step *= 0.5) ++rounds;
    long long round = 0;
    for (double step = 0.5; step > 0.004; step *= 0.5) {
        for (bool improved = true; improved;) {
            improved = false;
            for (size_t i = 0; i < coords; ++i) {
                for (double factor : {1 + step, 1 / (1 + step)}) {
                    FitResult trial = fit;
                    if (i == fitParams().size()) {
                        trial.harness.roundUs = std::clamp(trial.harness.roundUs * factor, 0.05, 20.0);
                    } else if (i > fitParams().size()) {
                        trial.harness.gemmScale = std::clamp(trial.harness.gemmScale * factor, 0.2, 5.0);
                    } else {
                        const FitParam& p = fitParams()[i];
                        double& v = trial.dev.*(p.field);
                        v = std::clamp(v == 0 ? 0.01 : v * factor, p.lo, p.hi);
                    }
                    trial.loss = jointLoss(trial.dev, harnessOf(trial), data, nets, w);
                    if (trial.loss < fit.loss - 1e-12) fit = trial, improved = true;
                }
            }
        }
        if (progress) {
            Progress p = countedProgress(++round, rounds);
            p.loss = fit.loss;
            progress(p);
        }
    }
    fit.harness = harnessOf(fit);
    return fit;
}

} // namespace ioscope
