#pragma once
// The profile database (docs/semantics.md, "Cost models"): measured stage latencies keyed by GPU name, CUDA
// and cuDNN versions, precision, batch, run mode and stage signature. Live profiling writes it; the
// `cache:FILE` cost model replays it on any machine, GPU or not, so a search there picks the same schedule as
// the live search that wrote it. CUDA-free.
#include "cost/cost_model.h"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ioscope {

inline constexpr const char* kProfileFormat = "ioscope-profiles";
inline constexpr int kProfileVersion = 1;

struct ProfileContext {
    std::string device; // "NVIDIA H100 80GB HBM3"
    std::string cuda;   // "13.0"
    std::string cudnn;  // "9.14.0"
    Precision precision = Precision::Fp32;
    int batch = 1;
    std::string mode = "graph"; // "graph" or "stages"
    // Activation layout of the runtime that measured (files written before layouts existed
    // were NCHW and read as such).
    Layout layout = Layout::Nhwc;
    bool operator==(const ProfileContext&) const = default;
    std::string describe() const;
};

class ProfileCache {
  public:
    ProfileCache() = default;
    ProfileCache(const ProfileCache& other);
    ProfileCache& operator=(const ProfileCache& other);

    // Thread-safe.
    void insert(const ProfileContext& context, const std::string& signature, double ms);
    std::optional<double> find(const ProfileContext& context, const std::string& signature) const;
    std::vector<ProfileContext> contexts() const;
    size_t size() const; // measurements over all contexts
    // Adds every measurement of `other` (its values win on conflicts).
    void merge(const ProfileCache& other);

    std::string toJson() const;
    // Throws InputError naming `file` and the JSON path of what is wrong.
    static ProfileCache fromJson(const std::string& text, const std::string& file);
    static ProfileCache load(const std::string& path);
    void save(const std::string& path) const; // atomic

  private:
    struct Table {
        ProfileContext context;
        std::map<std::string, double> stages;
    };
    Table& tableFor(const ProfileContext& context);
    const Table* findTable(const ProfileContext& context) const;
    mutable std::mutex mutex_;
    std::vector<Table> tables_;
    std::map<std::string, size_t>
        byContext_; // describe() -> index in tables_ (files of many tables load in n log n)
};

// "cache:FILE": replays `path` for the run's precision and batch (graph-mode measurements
// preferred; the run's layout preferred, else the layout the file holds). A stage missing from the file is a
// RuntimeFailure naming it and the file.
std::unique_ptr<CostModel> makeCacheCostModel(const std::string& path, const RunConfig& run);

} // namespace ioscope
