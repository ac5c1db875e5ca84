#include "gpu/profiling_session.h"

#include "analysis/model_totals.h"
#include "gpu/kernels.h"

#include <algorithm>

namespace ioscope::gpu {

ProfilingSession::ProfilingSession(Device& device, const Graph& g, const RunConfig& run)
    : graph_(&g), hash_(g.contentHash()), run_(run) {
    device.requirePrecision(run.precision);
    device.setPrecision(run.precision);
    const DataType type = dataTypeFor(run.precision);
    plan_ = std::make_unique<BufferPlan>(g, std::vector<std::vector<OpId>>{}, run.batch, run.layout, type,
                                         device.options().ownDepthwiseKernels());
    // Stage inputs hold deterministic, finite values (their content never matters for time).
    launchPatternFill(plan_->base(), static_cast<long long>(plan_->bytes()) / elementBytes(type), type, 7u,
                      device.slot(0).stream);
    IOSCOPE_CHECK(cudaStreamSynchronize(device.slot(0).stream));
    compiler_ = std::make_unique<ProgramCompiler>(device, g, *plan_, run.precision);
}

StageGroups ProfilingSession::stageGroups(const Stage& stage) {
    if (stage.strategy == Strategy::Merge && stage.opCount() > 1) return {{&mergedProgram(stage.allOps())}};
    StageGroups groups;
    for (const auto& group : stage.groups) {
        std::vector<const Program*> list;
        for (OpId id : group) list.push_back(&opProgram(id));
        groups.push_back(std::move(list));
    }
    return groups;
}

const Program& ProfilingSession::opProgram(OpId id) {
    auto it = programs_.find(id);
    if (it == programs_.end())
        it = programs_.emplace(id, std::make_unique<Program>(compiler_->compileOp(id))).first;
    return *it->second;
}

// A merge stage as the executor runs it: when the members' slices lie side by side (a concat
// buffer), the merged convolution writes there; otherwise it writes its own buffer and the
// copies the members' consumers will make are measured with it.
const Program& ProfilingSession::mergedProgram(std::vector<OpId> ops) {
    std::sort(ops.begin(), ops.end(), [&](OpId a, OpId b) {
        return static_cast<const char*>(plan_->op(a).out.ptr) <
               static_cast<const char*>(plan_->op(b).out.ptr);
    });
    auto it = merged_.find(ops);
    if (it != merged_.end()) {
        it->second.lastBatch = batch_;
        return *it->second.program;
    }
    int channels = 0;
    bool contiguous = true;
    for (size_t i = 0; i < ops.size(); ++i) {
        const View& v = plan_->op(ops[i]).out;
        channels += v.shape.c;
        if (i > 0) {
            const View& prev = plan_->op(ops[i - 1]).out;
            contiguous = contiguous && v.sampleStride == prev.sampleStride &&
                         v.pixelStride == prev.pixelStride &&
                         v.ptr == prev.channels(prev.shape.c, v.shape).ptr;
        }
    }
    const View first = plan_->op(ops.front()).out;
    const Shape shape{channels, first.shape.h, first.shape.w};
    std::unique_ptr<DeviceBuffer> buffer;
    std::unique_ptr<Program> program;
    if (contiguous) {
        View whole = first;
        whole.shape = shape;
        program = std::make_unique<Program>(compiler_->compileMerged(ops, whole));
    } else {
        buffer = std::make_unique<DeviceBuffer>(
            size_t(shape.elements()) * run_.batch * size_t(elementBytes(first.type)), "merged output");
        const View y = packedView(buffer->data(), shape, run_.layout, first.type);
        program = std::make_unique<Program>(compiler_->compileMerged(ops, y));
        int channel = 0;
        for (OpId id : ops) {
            const View& member = plan_->op(id).out;
            compiler_->appendCopy(*program, y.channels(channel, member.shape), member);
            channel += member.shape.c;
        }
    }
    it = merged_.emplace(ops, Merged{std::move(buffer), std::move(program), batch_}).first;
    return *it->second.program;
}

void ProfilingSession::releaseMergesUpTo(size_t index) {
    std::erase_if(merged_, [&](const auto& m) {
        if (m.second.lastBatch > index) return false;
        children_.forget(m.second.program.get());
        return true;
    });
}

double ProfilingSession::workingSetBytes() const {
    return double(modelTotals(*graph_).params) * bytesPerElement(run_.precision) + double(plan_->bytes());
}

} // namespace ioscope::gpu
