#pragma once
// Element types of device tensors. Plain C++17: the CUDA kernels include it.
namespace ioscope::gpu {

enum class DataType { F32, F16, BF16 };

inline int elementBytes(DataType t) {
    return t == DataType::F32 ? 4 : 2;
}

} // namespace ioscope::gpu
