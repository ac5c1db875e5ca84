#include "gpu/weights_upload.h"

#include "exec/numeric_formats.h"

namespace ioscope::gpu {

std::vector<std::uint16_t> toHalfBits(const std::vector<float>& values, DataType type) {
    std::vector<std::uint16_t> bits(values.size());
    for (size_t i = 0; i < values.size(); ++i)
        bits[i] = type == DataType::F16 ? floatToHalf(values[i]) : floatToBf16(values[i]);
    return bits;
}

DeviceBuffer uploadAs(const std::vector<float>& values, DataType type) {
    if (type == DataType::F32) return uploadFloats(values);
    DeviceBuffer b(values.size() * 2, "weights");
    const std::vector<std::uint16_t> bits = toHalfBits(values, type);
    if (!bits.empty())
        IOSCOPE_CHECK(cudaMemcpy(b.data(), bits.data(), bits.size() * 2, cudaMemcpyHostToDevice));
    return b;
}

std::vector<float> toFloats(const void* values, size_t count, DataType type) {
    std::vector<float> out(count);
    if (type == DataType::F32) {
        const float* f = static_cast<const float*>(values);
        out.assign(f, f + count);
        return out;
    }
    const std::uint16_t* bits = static_cast<const std::uint16_t*>(values);
    for (size_t i = 0; i < count; ++i)
        out[i] = type == DataType::F16 ? halfToFloat(bits[i]) : bf16ToFloat(bits[i]);
    return out;
}

} // namespace ioscope::gpu
