#include "gpu/tensor_io.h"

#include "gpu/cuda_check.h"
#include "gpu/weights_upload.h"

#include <cstdint>
#include <cstring>

namespace ioscope::gpu {
namespace {

// Element offset of (n, c, pixel) in the view, relative to its pointer.
long long offsetOf(const View& v, long long n, long long c, long long p) {
    return n * v.sampleStride + c * v.channelStride + p * v.pixelStride;
}

} // namespace

void writeTensor(const View& v, int batch, const std::vector<float>& nchw) {
    const long long extent = v.extent(batch);
    const size_t bytes = size_t(elementBytes(v.type));
    // Read the span first, so elements between the view's own (other slices) are kept.
    std::vector<unsigned char> span(size_t(extent) * bytes);
    IOSCOPE_CHECK(cudaMemcpy(span.data(), v.ptr, span.size(), cudaMemcpyDeviceToHost));
    const long long pixels = (long long)v.shape.h * v.shape.w;
    std::vector<float> ordered(size_t(batch) * size_t(v.shape.elements()));
    std::vector<long long> where(ordered.size());
    size_t i = 0;
    for (long long n = 0; n < batch; ++n)
        for (long long c = 0; c < v.shape.c; ++c)
            for (long long p = 0; p < pixels; ++p, ++i) {
                ordered[i] = nchw[i];
                where[i] = offsetOf(v, n, c, p);
            }
    if (v.type == DataType::F32) {
        for (size_t k = 0; k < ordered.size(); ++k) std::memcpy(&span[size_t(where[k]) * 4], &ordered[k], 4);
    } else {
        const std::vector<std::uint16_t> bits = toHalfBits(ordered, v.type);
        for (size_t k = 0; k < bits.size(); ++k) std::memcpy(&span[size_t(where[k]) * 2], &bits[k], 2);
    }
    IOSCOPE_CHECK(cudaMemcpy(v.ptr, span.data(), span.size(), cudaMemcpyHostToDevice));
}

std::vector<float> readTensor(const View& v, int batch) {
    const long long extent = v.extent(batch);
    const size_t bytes = size_t(elementBytes(v.type));
    std::vector<unsigned char> span(size_t(extent) * bytes);
    IOSCOPE_CHECK(cudaMemcpy(span.data(), v.ptr, span.size(), cudaMemcpyDeviceToHost));
    const std::vector<float> all = toFloats(span.data(), size_t(extent), v.type);
    const long long pixels = (long long)v.shape.h * v.shape.w;
    std::vector<float> out(size_t(batch) * size_t(v.shape.elements()));
    size_t i = 0;
    for (long long n = 0; n < batch; ++n)
        for (long long c = 0; c < v.shape.c; ++c)
            for (long long p = 0; p < pixels; ++p) out[i++] = all[size_t(offsetOf(v, n, c, p))];
    return out;
}

} // namespace ioscope::gpu
