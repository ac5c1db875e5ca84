// libFuzzer target for one loader; what it checks is in loader_checks.h.
#include "loader_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ioscope::fuzz::checkModelJson(std::string(reinterpret_cast<const char*>(data), size));
    return 0;
}
