// libFuzzer target for the ONNX importer; what it checks is in loader_checks.h. Each process
// works in its own folder under /dev/shm (else the temporary folder) holding the model and a small
// external-data file, weights.bin (4096 floats), so external-data references are exercised too.
#include "loader_checks.h"

#include <filesystem>
#include <unistd.h>

namespace {

std::string makeWorkFolder() {
    std::string dir = "/dev/shm/ioscope-fuzz-onnx.XXXXXX";
    if (!::mkdtemp(dir.data())) {
        dir = (std::filesystem::temp_directory_path() / "ioscope-fuzz-onnx.XXXXXX").string(); // $TMPDIR
        if (!::mkdtemp(dir.data())) std::abort();
    }
    std::vector<float> weights(4096);
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>(i % 17) * 0.125f - 1.0f;
    std::ofstream(dir + "/weights.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(weights.data()),
               static_cast<std::streamsize>(weights.size() * sizeof(float)));
    return dir;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string folder = makeWorkFolder();
    ioscope::fuzz::checkOnnx(std::string(reinterpret_cast<const char*>(data), size), folder);
    return 0;
}
