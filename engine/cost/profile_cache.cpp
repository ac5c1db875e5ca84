#include "cost/profile_cache.h"

#include "cost/stage_signature.h"
#include "io/json_reader.h"
#include "util/atomic_file.h"
#include "util/errors.h"

namespace ioscope {

std::string ProfileContext::describe() const {
    return device + ", CUDA " + cuda + ", cuDNN " + cudnn + ", " + std::string(toString(precision)) + ", " +
           std::string(toString(layout)) + ", batch " + std::to_string(batch) + ", " + mode + " mode";
}

ProfileCache::ProfileCache(const ProfileCache& other) {
    std::lock_guard lock(other.mutex_);
    tables_ = other.tables_;
    byContext_ = other.byContext_;
}

ProfileCache& ProfileCache::operator=(const ProfileCache& other) {
    if (this != &other) {
        std::scoped_lock lock(mutex_, other.mutex_);
        tables_ = other.tables_;
        byContext_ = other.byContext_;
    }
    return *this;
}

namespace {
std::string contextKey(const ProfileContext& c) {
    return c.describe() + '\x1f' + c.device + '\x1f' + c.cuda + '\x1f' + c.cudnn;
}
} // namespace

ProfileCache::Table& ProfileCache::tableFor(const ProfileContext& context) {
    const auto [it, added] = byContext_.emplace(contextKey(context), tables_.size());
    if (added) tables_.push_back({context, {}});
    return tables_[it->second];
}

const ProfileCache::Table* ProfileCache::findTable(const ProfileContext& context) const {
    const auto it = byContext_.find(contextKey(context));
    return it == byContext_.end() ? nullptr : &tables_[it->second];
}

void ProfileCache::insert(const ProfileContext& context, const std::string& signature, double ms) {
    std::lock_guard lock(mutex_);
    tableFor(context).stages[signature] = ms;
}

std::optional<double> ProfileCache::find(const ProfileContext& context, const std::string& signature) const {
    std::lock_guard lock(mutex_);
    if (const Table* t = findTable(context)) {
        auto it = t->stages.find(signature);
        if (it != t->stages.end()) return it->second;
    }
    return std::nullopt;
}

std::vector<ProfileContext> ProfileCache::contexts() const {
    std::lock_guard lock(mutex_);
    std::vector<ProfileContext> out;
    for (const Table& t : tables_) out.push_back(t.context);
    return out;
}

size_t ProfileCache::size() const {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const Table& t : tables_) n += t.stages.size();
    return n;
}

void ProfileCache::merge(const ProfileCache& other) {
    const ProfileCache copy(other); // never hold both locks in two orders
    std::lock_guard lock(mutex_);
    for (const Table& t : copy.tables_)
        for (const auto& [sig, ms] : t.stages) tableFor(t.context).stages[sig] = ms;
}

std::string ProfileCache::toJson() const {
    std::lock_guard lock(mutex_);
    nlohmann::json j;
    j["format"] = kProfileFormat;
    j["version"] = kProfileVersion;
    j["tables"] = nlohmann::json::array();
    for (const Table& t : tables_) {
        nlohmann::json tj;
        tj["device"] = t.context.device;
        tj["cuda"] = t.context.cuda;
        tj["cudnn"] = t.context.cudnn;
        tj["precision"] = std::string(toString(t.context.precision));
        tj["batch"] = t.context.batch;
        tj["mode"] = t.context.mode;
        tj["layout"] = std::string(toString(t.context.layout));
        tj["stages"] = t.stages; // signature -> milliseconds, sorted (stable diffs)
        j["tables"].push_back(std::move(tj));
    }
    return json::dump(j, 1) + "\n";
}

ProfileCache ProfileCache::fromJson(const std::string& text, const std::string& file) {
    const json::Json j = json::parse(text, file);
    const json::Reader r(file);
    r.header(j, kProfileFormat, kProfileVersion);
    ProfileCache cache;
    const json::Json& tables = r.array(r.member(j, "tables", ""), "tables");
    for (size_t i = 0; i < tables.size(); ++i) {
        const std::string path = "tables[" + std::to_string(i) + "]";
        const json::Json& t = r.object(tables[i], path);
        ProfileContext c;
        c.device = r.string(r.member(t, "device", path), path + ".device");
        c.cuda = r.string(r.member(t, "cuda", path), path + ".cuda");
        c.cudnn = r.string(r.member(t, "cudnn", path), path + ".cudnn");
        const std::string precision = r.string(r.member(t, "precision", path), path + ".precision");
        const auto p = precisionFromString(precision);
        if (!p) r.fail(path + ".precision", "expected fp32, tf32, fp16 or bf16, got \"" + precision + "\"");
        c.precision = *p;
        c.batch = static_cast<int>(r.integer(r.member(t, "batch", path), path + ".batch", 1, 1 << 20));
        c.mode = r.string(r.member(t, "mode", path), path + ".mode");
        if (c.mode != "graph" && c.mode != "stages") r.fail(path + ".mode", "expected graph or stages");
        c.layout = Layout::Nchw;
        if (const json::Json* l = r.optional(t, "layout", path)) {
            const auto layout = layoutFromString(r.string(*l, path + ".layout"));
            if (!layout) r.fail(path + ".layout", "expected nhwc or nchw");
            c.layout = *layout;
        }
        const json::Json& stages = r.object(r.member(t, "stages", path), path + ".stages");
        Table& table = cache.tableFor(c);
        for (auto it = stages.begin(); it != stages.end(); ++it) {
            const double ms = r.number(it.value(), path + ".stages[\"" + it.key() + "\"]");
            if (!(ms >= 0) || ms > 1e7)
                r.fail(path + ".stages[\"" + it.key() + "\"]", "latency out of range");
            table.stages[it.key()] = ms;
        }
    }
    return cache;
}

ProfileCache ProfileCache::load(const std::string& path) {
    return fromJson(readFile(path, limits::kJsonFileMiB), path);
}

void ProfileCache::save(const std::string& path) const {
    writeFileAtomically(path, toJson());
}

namespace {

class CacheCostModel : public CostModel {
  public:
    CacheCostModel(std::string path, ProfileCache cache, ProfileContext context)
        : path_(std::move(path)), cache_(std::move(cache)), context_(std::move(context)) {}
    std::string name() const override { return "cache:" + path_; }
    std::string device() const override { return context_.device + " (profile cache)"; }
    double stageLatencyMs(const Graph& g, const Stage& stage, const RunConfig& cfg) override {
        ProfileContext c = context_;
        c.precision = cfg.precision;
        c.batch = cfg.batch;
        const std::string sig = signatures_.of(g, stage, cfg);
        if (auto ms = cache_.find(c, sig)) return *ms;
        throw RuntimeFailure(path_ + ": no measurement for stage " + sig + " (" + c.describe() +
                             "); profile the model with 'ioscope-cli profile'");
    }

  private:
    std::string path_;
    ProfileCache cache_;
    ProfileContext context_;
    StageSignatures signatures_;
};

} // namespace

std::unique_ptr<CostModel> makeCacheCostModel(const std::string& path, const RunConfig& run) {
    ProfileCache cache = ProfileCache::load(path);
    const std::vector<ProfileContext> contexts = cache.contexts();
    const ProfileContext* chosen = nullptr;
    for (const bool sameLayout : {true, false})
        for (const char* mode : {"graph", "stages"}) {
            for (const ProfileContext& c : contexts)
                if (!chosen && c.precision == run.precision && c.batch == run.batch && c.mode == mode &&
                    (c.layout == run.layout) == sameLayout)
                    chosen = &c;
        }
    if (!chosen)
        throw InputError(path,
                         "holds no measurements for " + std::string(toString(run.precision)) + " at batch " +
                             std::to_string(run.batch) + " (" + std::to_string(contexts.size()) +
                             " tables; profile with 'ioscope-cli profile --precision ... --batch ...')");
    return std::make_unique<CacheCostModel>(path, std::move(cache), *chosen);
}

} // namespace ioscope
