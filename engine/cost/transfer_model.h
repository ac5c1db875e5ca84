#pragma once
// The cost of moving a tensor between two GPUs of one host (docs/multi_gpu.md): a fixed latency
// per copy plus its bytes over the link's bandwidth. Presets describe the links on paper (this
// project has no multi-GPU machine to measure them); a user gives measured figures instead.
#include <cstdint>
#include <string>

namespace ioscope {

struct TransferModel {
    std::string name;        // "nvlink", "pcie", or "custom"
    double bandwidthGBs = 0; // per direction, 1e9 bytes per second
    double latencyUs = 0;    // per copy

    double transferMs(std::int64_t bytes) const {
        return latencyUs / 1000.0 + double(bytes) / (bandwidthGBs * 1e6);
    }
    std::string describe() const; // "nvlink (450 GB/s, 8 us per copy)"
};

// "nvlink" (NVLink 4 of an H100/H200 SXM board: 450 GB/s per direction, 8 us),
// "pcie" (PCIe 5.0 x16 through the host: 50 GB/s, 15 us) or "GBS,US" (e.g. "300,10").
// Throws InputError (without a file name) when the text is none of these.
TransferModel transferModelFromString(const std::string& text);

} // namespace ioscope
