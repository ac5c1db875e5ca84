#pragma once
// Builds a cost model from its command-line spelling: "sim", "sim:H100", "sim:FILE.json",
// "gpu", "cache:FILE". Throws InputError for an unknown spec or a bad file, RuntimeFailure
// when "gpu" is asked for where no GPU runtime or device is present.
#include "cost/cost_model.h"

#include <memory>
#include <string>

namespace ioscope {

std::unique_ptr<CostModel> makeCostModel(const std::string& spec, const RunConfig& run);

} // namespace ioscope
