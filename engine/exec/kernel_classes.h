#pragma once
// Where a run's kernel time goes, by kernel name (CUPTI records): layout transposes, element-wise
// kernels, convolutions (cuDNN's and ioscope's depthwise kernel) and the rest (pooling, GEMMs of
// fully connected layers, softmax, copies). The runtime's goal is no transposes and little
// element-wise time (docs/semantics.md, "GPU runtime rules"); `execute --json` and the GPU benchmark report
// these figures.
#include "schedule/kernel_record.h"

#include <array>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace ioscope {

enum class KernelClass { Transpose, Elementwise, Convolution, Other };
inline constexpr int kKernelClasses = 4;
std::string_view toString(KernelClass c);

KernelClass classifyKernel(std::string_view name);

struct KernelClassTotals {
    std::array<double, kKernelClasses> ms{};
    std::array<int, kKernelClasses> count{};
    double totalMs() const;
    double share(KernelClass c) const; // of the summed kernel time, 0..1
};
KernelClassTotals kernelClassTotals(const std::vector<KernelRecord>& kernels);

// {"transposes": {"ms": .., "count": .., "share": ..}, ...}
nlohmann::json kernelClassesJson(const std::vector<KernelRecord>& kernels);
// "transposes 0 (0.0%), element-wise 12 (3.1%), convolutions 80 (90.2%), other 20 (6.7%)"
std::string kernelClassesText(const std::vector<KernelRecord>& kernels);

// Kernel time per op that launched it (KernelRecord::op), largest first, ties by op id; kernels of
// no known op are left out. Where an op's GPU time goes, for `execute` and the explorer.
struct OpKernelTime {
    int op = -1;
    double ms = 0;
    int kernels = 0;
};
std::vector<OpKernelTime> kernelTimeByOp(const std::vector<KernelRecord>& kernels);

} // namespace ioscope
