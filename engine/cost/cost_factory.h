#pragma once
// Builds a cost model from its command-line spelling: "sim", "sim:H100", "sim:FILE.json",
// "gpu", "gpu:stages", "cache:FILE". The live models are made by `gpu`, the front end's context
// (gpu/gpu_context.h), and measure on it; it must outlive them. Throws InputError for an unknown spec or a
// bad file, RuntimeFailure when "gpu" is asked for where no GPU runtime, device or context is.
#include "cost/cost_model.h"
#include "cost/gpu_cost_model.h"

#include <memory>
#include <string>

namespace ioscope {

std::unique_ptr<CostModel> makeCostModel(const std::string& spec, const RunConfig& run,
                                         LiveCostModels* gpu = nullptr);

} // namespace ioscope
