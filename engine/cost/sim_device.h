#pragma once
// Device description of the simulated GPU cost model (docs/cost-model.md): datasheet figures
// plus the constants fitted to real measurements (bench/bench_calibration.cpp).
#include <string>
#include <vector>

namespace ioscope {

struct SimDevice {
    // Datasheet figures.
    std::string name;        // "NVIDIA H100 (simulated)"
    int sms = 132;           // streaming multiprocessors
    double clockGhz = 1.98;  // boost clock
    double fp32Tflops = 67;  // peak FP32 (CUDA cores)
    double tf32Tflops = 495; // peak dense TF32 (tensor cores); equal to fp32Tflops without them
    double memGBs = 3350;    // DRAM bandwidth, GB/s
    double l2MB = 50;        // L2 cache size (informational: the calibration set lives in L2)

    // Fitted constants (graph-mode replay, where the CPU launch cost is hidden).
    double launchUs = 1.0;       // front-end dispatch of one kernel, serialized across streams
    double kernelTailUs = 1.5;   // fixed latency of a kernel (ramp-up, drain, completion signal)
    double stageBaseUs = 2.0;    // one stage boundary: the event fork and join around the stage
    double streamForkUs = 0.5;   // each further stream of a concurrent stage (event record + wait)
    double gemmEffFp32 = 0.8;    // best fraction of the FP32 peak a large GEMM tile reaches
    double gemmEffTf32 = 0.6;    // the same for TF32 tensor-core tiles
    double tileHalfArea = 2048;  // tile area (TM*TN) at which a tile reaches half its best efficiency
    double memEff = 0.5;         // reachable fraction of memGBs for streaming kernels
    double streamFlopEff = 0.25; // reachable fraction of the FP32 peak for element-wise/pool/depthwise math
    double bwSaturation = 0.5;   // fraction of the SMs that can saturate the memory bandwidth
};

// The presets: "V100", "A100", "H100", "H200" (case-insensitive). Returns false when unknown.
bool simDevicePreset(const std::string& name, SimDevice& out);
std::vector<std::string> simDevicePresetNames();
// The preset that models a real GPU, from its name ("NVIDIA A100-SXM4-80GB" -> "A100"); the H200
// (the preset fitted to measurements) for a GPU no preset names.
std::string simPresetForDevice(const std::string& deviceName);

// Reads a user device file: {"name": ..., "sms": ..., ...} with every datasheet figure required
// and the fitted constants optional (defaulting to the H100 preset's, or to the preset named by
// "base"). Throws InputError naming the file and the key.
SimDevice loadSimDevice(const std::string& path);
SimDevice parseSimDevice(const std::string& text, const std::string& source);

} // namespace ioscope
