#include "gpu/schedule_program.h"

#include "exec/tensor.h"
#include "gpu/cupti_timeline.h"

#include <algorithm>

namespace ioscope::gpu {

ScheduleProgram::ScheduleProgram(Device& device, const Graph& g, const Schedule& s, const RunConfig& run)
    : device_(device), g_(g), run_(run) {
    std::vector<std::vector<OpId>> mergeSets;
    for (const Stage& st : s.stages) {
        slots_ = std::max(slots_, static_cast<int>(st.groups.size()));
        if (st.strategy == Strategy::Merge && st.opCount() > 1) mergeSets.push_back(st.allOps());
    }
    device_.ensureSlots(slots_);
    plan_ = std::make_unique<BufferPlan>(g, mergeSets, run.batch);
    ProgramCompiler compiler(device_, g, *plan_, run.precision);
    // Programs are stored first, pointers taken after, so the vector never reallocates under them.
    std::vector<int> index(static_cast<size_t>(g.size()), -1);
    std::vector<int> mergedIndex;
    int merge = 0;
    for (const Stage& st : s.stages) {
        if (st.strategy == Strategy::Merge && st.opCount() > 1) {
            programs_.push_back(compiler.compileMerged(plan_->mergeOrder(merge), merge));
            ++merge;
            mergedIndex.push_back(static_cast<int>(programs_.size()) - 1);
            continue;
        }
        for (const auto& group : st.groups)
            for (OpId id : group) {
                programs_.push_back(compiler.compileOp(id));
                index[size_t(id)] = static_cast<int>(programs_.size()) - 1;
            }
    }
    IOSCOPE_CHECK(cudaDeviceSynchronize()); // compile-time algorithm searches and uploads are done
    merge = 0;
    for (const Stage& st : s.stages) {
        std::vector<std::vector<const Program*>> groups;
        if (st.strategy == Strategy::Merge && st.opCount() > 1) {
            groups.push_back({&programs_[size_t(mergedIndex[size_t(merge++)])]});
        } else {
            for (const auto& group : st.groups) {
                std::vector<const Program*> list;
                for (OpId id : group) list.push_back(&programs_[size_t(index[size_t(id)])]);
                groups.push_back(std::move(list));
            }
        }
        stages_.push_back(std::move(groups));
    }
}

void ScheduleProgram::uploadInputs(std::uint64_t seed) {
    std::uint64_t k = 0;
    for (OpId id = 0; id < g_.size(); ++id) {
        const Op& op = g_.op(id);
        if (op.kind != OpKind::Input) continue;
        const Tensor t = seededInput(op.out, run_.batch, seed + k++);
        const View v = plan_->op(id).out;
        IOSCOPE_CHECK(
            cudaMemcpy(v.ptr, t.data.data(), t.data.size() * sizeof(float), cudaMemcpyHostToDevice));
    }
}

void ScheduleProgram::launch(bool tagStages) const {
    for (size_t k = 0; k < stages_.size(); ++k) {
        if (tagStages) KernelRecorder::pushTag(k);
        launchStage(device_, stages_[k]);
        if (tagStages) KernelRecorder::popTag();
    }
}

CapturedGraph& ScheduleProgram::graph() {
    if (!graph_) {
        auto captured = std::make_unique<CapturedGraph>();
        captured->capture(device_, [&] { launch(false); });
        graph_ = std::move(captured);
    }
    return *graph_;
}

std::vector<OutputTensor> ScheduleProgram::downloadOutputs() const {
    IOSCOPE_CHECK(cudaStreamSynchronize(device_.slot(0).stream));
    std::vector<OutputTensor> out;
    for (OpId id : g_.outputs()) {
        const View v = plan_->op(id).out;
        OutputTensor t{g_.op(id).name, run_.batch, v.shape, {}};
        const size_t per = size_t(v.shape.elements());
        t.data.resize(per * size_t(run_.batch));
        // Per-sample rows may be strided (a slice of a concat buffer).
        IOSCOPE_CHECK(cudaMemcpy2D(t.data.data(), per * sizeof(float), v.ptr,
                                   size_t(v.stride) * sizeof(float), per * sizeof(float), size_t(run_.batch),
                                   cudaMemcpyDeviceToHost));
        out.push_back(std::move(t));
    }
    return out;
}

} // namespace ioscope::gpu
