#include "gpu/schedule_program.h"

#include "exec/tensor.h"
#include "gpu/cupti_timeline.h"
#include "gpu/tensor_io.h"
#include "util/errors.h"

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
    plan_ = std::make_unique<BufferPlan>(g, mergeSets, run.batch, run.layout, dataTypeFor(run.precision),
                                         device_.options().ownDepthwiseKernels());
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

void ScheduleProgram::uploadInputs(std::uint64_t seed, const std::vector<std::vector<float>>& given) {
    size_t k = 0;
    for (OpId id = 0; id < g_.size(); ++id) {
        const Op& op = g_.op(id);
        if (op.kind != OpKind::Input) continue;
        if (given.empty()) {
            writeTensor(plan_->op(id).out, run_.batch, seededInput(op.out, run_.batch, seed + k++).data);
            continue;
        }
        const size_t want = size_t(run_.batch) * size_t(op.out.elements());
        if (k >= given.size() || given[k].size() != want)
            throw InputError("input '" + op.name + "' needs " + std::to_string(want) + " values (" +
                             std::to_string(run_.batch) + "x" + op.out.str() + "), " +
                             (k < given.size() ? std::to_string(given[k].size()) : std::string("none")) +
                             " given");
        writeTensor(plan_->op(id).out, run_.batch, given[k++]);
    }
}

void ScheduleProgram::launch(bool tagStages) const {
    for (size_t k = 0; k < stages_.size(); ++k) {
        if (!tagStages) {
            launchStage(device_, stages_[k]);
            continue;
        }
        launchStage(device_, stages_[k], [k](const Program& p, Slot& slot) {
            KernelRecorder::pushTag(encodeTag({int(k), p.op}));
            p.launch(slot);
            KernelRecorder::popTag();
        });
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
        out.push_back({g_.op(id).name, run_.batch, v.shape, readTensor(v, run_.batch)});
    }
    return out;
}

} // namespace ioscope::gpu
