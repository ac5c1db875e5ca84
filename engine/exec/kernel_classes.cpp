#include "exec/kernel_classes.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

namespace ioscope {
namespace {

bool contains(const std::string& lower, std::initializer_list<const char*> needles) {
    return std::any_of(needles.begin(), needles.end(),
                       [&](const char* n) { return lower.find(n) != std::string::npos; });
}

constexpr const char* kNames[kKernelClasses] = {"transposes", "element-wise", "convolutions", "other"};

} // namespace

std::string_view toString(KernelClass c) {
    return kNames[static_cast<int>(c)];
}

KernelClass classifyKernel(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    // cuDNN's layout conversions (nchwToNhwcKernel, nhwcToNchwKernel, ...), generic transposes.
    if (contains(lower,
                 {"nchwtonhwc", "nhwctonchw", "transpose", "nchw2nhwc", "nhwc2nchw", "convert_layout"}))
        return KernelClass::Transpose;
    // ioscope's depthwise kernels and its dense kernel (1x1 convs on one pixel), cuBLAS's GEMVs.
    if (contains(lower, {"depthwise", "densekernel", "gemv"})) return KernelClass::Convolution;
    // ioscope's broadcasting Add/Sub/Mul/Div (a squeeze-excite gate's multiply).
    if (contains(lower, {"binarykernel", "binarypackkernel"})) return KernelClass::Elementwise;
    // A convolution with its epilogue compiled in (cuDNN's fusion engines name both parts) is a
    // convolution: no separate element-wise pass runs.
    if (contains(lower, {"conv", "fprop"}) && !contains(lower, {"convert"})) return KernelClass::Convolution;
    // cuDNN's copies into a channel slice (fusion engines writing a concat slice): a memory pass
    // of its own, counted with the element-wise work it is.
    if (contains(lower, {"nhwcslice", "nchwslice"})) return KernelClass::Elementwise;
    // cuBLASLt's GEMMs (nvjet) and their split-K reductions run 1x1 convolutions for cuDNN.
    if (contains(lower, {"nvjet", "splitkreduce"})) return KernelClass::Convolution;
    // cuBLASLt's stand-alone epilogue kernels (bias, residual, activation after a GEMM that
    // cuDNN runs for a "fused" call) are element-wise work of their own.
    if (contains(lower, {"cublaslt"}) && contains(lower, {"epilogue"})) return KernelClass::Elementwise;
    if (contains(lower,
                 {"elementwise", "pointwise", "op_tensor", "optensor", "add_tensor", "addtensor",
                  "scale_tensor", "activation_fw", "activationfw", "bias_kernel", "vectorized_elementwise"}))
        return KernelClass::Elementwise;
    if (contains(lower, {"conv", "xmma", "implicit", "fprop", "winograd", "fft", "cutlass", "sm90_", "sm80_",
                         "gemm", "hmma", "wgmma", "dgrad"}))
        return KernelClass::Convolution;
    return KernelClass::Other;
}

double KernelClassTotals::totalMs() const {
    double t = 0;
    for (double v : ms) t += v;
    return t;
}

double KernelClassTotals::share(KernelClass c) const {
    const double t = totalMs();
    return t > 0 ? ms[size_t(c)] / t : 0.0;
}

KernelClassTotals kernelClassTotals(const std::vector<KernelRecord>& kernels) {
    KernelClassTotals t;
    for (const KernelRecord& k : kernels) {
        const auto c = size_t(classifyKernel(k.name));
        t.ms[c] += std::max(0.0, k.endMs - k.startMs);
        ++t.count[c];
    }
    return t;
}

nlohmann::json kernelClassesJson(const std::vector<KernelRecord>& kernels) {
    const KernelClassTotals t = kernelClassTotals(kernels);
    nlohmann::json j = nlohmann::json::object();
    for (int c = 0; c < kKernelClasses; ++c)
        j[kNames[c]] = {
            {"ms", t.ms[size_t(c)]}, {"count", t.count[size_t(c)]}, {"share", t.share(KernelClass(c))}};
    return j;
}

std::vector<OpKernelTime> kernelTimeByOp(const std::vector<KernelRecord>& kernels) {
    std::map<int, OpKernelTime> byOp;
    for (const KernelRecord& k : kernels) {
        if (k.op < 0) continue;
        OpKernelTime& t = byOp[k.op];
        t.op = k.op;
        t.ms += std::max(0.0, k.endMs - k.startMs);
        ++t.kernels;
    }
    std::vector<OpKernelTime> out;
    for (const auto& [op, t] : byOp) out.push_back(t);
    std::stable_sort(out.begin(), out.end(),
                     [](const OpKernelTime& a, const OpKernelTime& b) { return a.ms > b.ms; });
    return out;
}

std::string kernelClassesText(const std::vector<KernelRecord>& kernels) {
    const KernelClassTotals t = kernelClassTotals(kernels);
    std::string s;
    for (int c = 0; c < kKernelClasses; ++c) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%s%s %d (%.1f%%)", c ? ", " : "", kNames[c], t.count[size_t(c)],
                      100 * t.share(KernelClass(c)));
        s += buf;
    }
    return s;
}

} // namespace ioscope
