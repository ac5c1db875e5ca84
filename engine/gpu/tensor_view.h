#pragma once
// Tensors on the device as strided views. Every view addresses element (n, c, pixel) at
//   ptr + n * sampleStride + c * channelStride + pixel * pixelStride   (in elements)
// so one description covers NCHW (channelStride = h*w, pixelStride = 1) and NHWC
// (channelStride = 1, pixelStride = the buffer's channels), and a channel slice of a concat
// buffer is the same buffer with an offset pointer: concat stays free in both layouts.
#include "cost/cost_model.h"
#include "gpu/data_type.h"
#include "gpu/kernels.h"
#include "graph/shape.h"

#include <cudnn.h>
#include <library_types.h>

namespace ioscope::gpu {

inline DataType dataTypeFor(Precision p) {
    return p == Precision::Fp16 ? DataType::F16 : p == Precision::Bf16 ? DataType::BF16 : DataType::F32;
}
inline cudnnDataType_t cudnnType(DataType t) {
    return t == DataType::F16    ? CUDNN_DATA_HALF
           : t == DataType::BF16 ? CUDNN_DATA_BFLOAT16
                                 : CUDNN_DATA_FLOAT;
}
inline cudaDataType_t cudaType(DataType t) {
    return t == DataType::F16 ? CUDA_R_16F : t == DataType::BF16 ? CUDA_R_16BF : CUDA_R_32F;
}

struct View {
    void* ptr = nullptr;
    Shape shape;
    long long sampleStride = 0;
    long long channelStride = 0;
    long long pixelStride = 0;
    DataType type = DataType::F32;

    bool empty() const { return ptr == nullptr; }
    bool channelsLast() const { return channelStride == 1 && shape.h * shape.w > 1; }
    // Every sample is one dense block (no slice of a wider buffer).
    bool packed() const {
        const long long hw = (long long)shape.h * shape.w;
        const bool nchw = pixelStride == 1 && channelStride == hw;
        const bool nhwc = channelStride == 1 && pixelStride == shape.c;
        return (nchw || nhwc) && sampleStride == shape.elements();
    }
    // Channels [first, first + shape.c) of this view.
    View channels(int first, Shape sliceShape) const {
        View v = *this;
        v.ptr = static_cast<char*>(ptr) + first * channelStride * elementBytes(type);
        v.shape = sliceShape;
        return v;
    }
    // Elements spanned by `batch` samples, from ptr to the last element inclusive.
    long long extent(int batch) const {
        return (batch - 1) * sampleStride + (shape.c - 1) * channelStride +
               ((long long)shape.h * shape.w - 1) * pixelStride + 1;
    }
};

// A dense view of a whole buffer of `shape` in `layout`.
inline View packedView(void* ptr, Shape shape, Layout layout, DataType type) {
    const long long hw = (long long)shape.h * shape.w;
    if (layout == Layout::Nchw) return View{ptr, shape, shape.elements(), hw, 1, type};
    return View{ptr, shape, shape.elements(), 1, shape.c, type};
}

// Kernel arguments (gpu/kernels.h) of a view.
inline Operand operandOf(const View& v) {
    return {v.ptr, v.sampleStride, v.channelStride, v.pixelStride};
}
inline OutputArgs outputOf(const View& v, int batch) {
    OutputArgs o;
    o.ptr = v.ptr;
    o.sampleStride = v.sampleStride;
    o.channelStride = v.channelStride;
    o.pixelStride = v.pixelStride;
    o.batch = batch;
    o.channels = v.shape.c;
    o.height = v.shape.h;
    o.width = v.shape.w;
    o.type = v.type;
    o.channelsFastest = v.channelStride == 1;
    return o;
}

} // namespace ioscope::gpu
