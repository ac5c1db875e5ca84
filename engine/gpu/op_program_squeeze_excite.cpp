// Squeeze-excite chains in two kernels (gpu/squeeze_excite.h): the pool runs the reduction conv,
// the multiply runs the expansion conv, and the convs between them compile to nothing.
#include "exec/weights_init.h"
#include "gpu/op_program.h"

namespace ioscope::gpu {

static_assert(kMaxSqueezeChannels <= kMaxSqueezeHidden); // the kernels' shared-memory capacity

void ProgramCompiler::compileSqueezeExcite(Program& prog, OpId id, const SqueezeExcite& se,
                                           const std::vector<View>& inputs, const View& y) {
    if (id == se.reduce || id == se.expand) return;
    const int batch = plan_.batch();
    if (id == se.pool) {
        const Op& reduce = g_.op(se.reduce);
        const Weights w = seededWeights(reduce, kDefaultWeightSeed);
        const int channels = y.shape.c, tiles = (channels + 31) / 32;
        SqueezeTail tail;
        tail.weights = upload(prog, w.kernel); // [hidden][channels]
        tail.bias = upload(prog, w.bias);
        tail.hidden = reduce.outChannels;
        tail.activation = activationCode(reduce.activation);
        auto partial = std::make_shared<DeviceBuffer>(sizeof(float) * size_t(batch) * size_t(tiles) *
                                                          size_t(tail.hidden),
                                                      "squeeze-excite partial sums");
        auto arrived =
            std::make_shared<DeviceBuffer>(sizeof(unsigned) * size_t(batch), "squeeze-excite counters");
        IOSCOPE_CHECK(cudaMemset(arrived->data(), 0, arrived->bytes()));
        prog.keepAlive.push_back(partial);
        prog.keepAlive.push_back(arrived);
        tail.partial = partial->floats();
        tail.arrived = static_cast<unsigned*>(arrived->data());
        tail.out = outputOf(plan_.op(se.reduce).out, batch);
        addPool(prog, g_.op(id), inputs, y, EpilogueSpec{}, tail);
        return;
    }
    // The multiply: the gate's expansion conv, transposed so that a block's lanes read neighbouring
    // channels of one row.
    const Op& expand = g_.op(se.expand);
    const Weights w = seededWeights(expand, kDefaultWeightSeed);
    const int channels = expand.outChannels, hidden = g_.op(se.reduce).outChannels;
    std::vector<float> transposed(w.kernel.size());
    for (int c = 0; c < channels; ++c)
        for (int j = 0; j < hidden; ++j)
            transposed[size_t(j) * size_t(channels) + size_t(c)] =
                w.kernel[size_t(c) * size_t(hidden) + size_t(j)];
    const Op& op = g_.op(id);
    const size_t map = op.inputs[0] == se.expand ? 1 : 0;
    ExciteArgs a;
    a.x = operandOf(inputs[map]);
    a.squeezed = operandOf(plan_.op(se.reduce).out);
    a.hidden = hidden;
    a.weights = upload(prog, transposed);
    a.bias = upload(prog, w.bias);
    a.activation = activationCode(expand.activation);
    a.out = outputOf(y, batch);
    prog.steps.push_back([a](Slot& s) {
        launchExcite(a, s.stream);
        IOSCOPE_CHECK(cudaPeekAtLastError());
    });
}

} // namespace ioscope::gpu
