#include "schedule/schedule_json.h"

#include "io/json_reader.h"
#include "util/atomic_file.h"
#include "util/errors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace ioscope {
namespace {

using json::Json;

constexpr long long kMaxCount = 1LL << 62;

Json stagesToJson(const Graph& g, const Schedule& s) {
    Json stages = Json::array();
    for (const Stage& st : s.stages) {
        Json groups = Json::array();
        for (const auto& group : st.groups) {
            Json names = Json::array();
            for (OpId id : group) names.push_back(g.op(id).name);
            groups.push_back(names);
        }
        Json stage = {{"strategy", std::string(toString(st.strategy))}, {"groups", groups}};
        // Ensembles: each op's member (an index into model.members), group by group.
        if (!g.members().empty()) {
            Json members = Json::array();
            for (const auto& group : st.groups) {
                Json of = Json::array();
                for (OpId id : group) of.push_back(g.op(id).member);
                members.push_back(of);
            }
            stage["members"] = members;
        }
        // Written only when a group leaves device 0, so single-device schedules stay as they were.
        if (std::any_of(st.devices.begin(), st.devices.end(), [](int d) { return d != 0; }))
            stage["devices"] = st.devices;
        stages.push_back(std::move(stage));
    }
    return stages;
}

Schedule stagesFromJson(const Graph& g, const json::Reader& r, const Json& stages) {
    r.array(stages, "stages");
    if (stages.size() > static_cast<size_t>(g.size()))
        r.fail("stages", "more stages (" + std::to_string(stages.size()) + ") than the model has ops");
    // Names looked up through one index (Graph::find scans: 100,000 ops took minutes).
    std::unordered_map<std::string_view, OpId> byName;
    byName.reserve(static_cast<size_t>(g.size()));
    for (OpId id = 0; id < g.size(); ++id) byName.emplace(g.op(id).name, id);
    Schedule s;
    for (size_t si = 0; si < stages.size(); ++si) {
        const std::string path = "stages[" + std::to_string(si) + "]";
        const Json& js = stages[si];
        Stage st;
        const std::string strategy = r.string(r.member(js, "strategy", path), path + ".strategy");
        const auto parsed = strategyFromString(strategy);
        if (!parsed)
            r.fail(path + ".strategy", "expected \"concurrent\" or \"merge\", found \"" + strategy + "\"");
        st.strategy = *parsed;
        const Json& groups = r.array(r.member(js, "groups", path), path + ".groups");
        for (size_t gi = 0; gi < groups.size(); ++gi) {
            const std::string gpath = path + ".groups[" + std::to_string(gi) + "]";
            const Json& names = r.array(groups[gi], gpath);
            std::vector<OpId> group;
            for (size_t k = 0; k < names.size(); ++k) {
                const std::string kpath = gpath + "[" + std::to_string(k) + "]";
                const std::string name = r.string(names[k], kpath);
                const auto it = byName.find(name);
                if (it == byName.end()) r.fail(kpath, "op '" + name + "' is not in model '" + g.name() + "'");
                group.push_back(it->second);
            }
            st.groups.push_back(std::move(group));
        }
        // The members written beside the groups must be the model's (a schedule of another build
        // of the ensemble would otherwise pass on names alone).
        if (const Json* members = r.optional(js, "members", path)) {
            const std::string mpath = path + ".members";
            r.array(*members, mpath);
            if (members->size() != st.groups.size())
                r.fail(mpath, "has " + std::to_string(members->size()) + " entries for " +
                                  std::to_string(st.groups.size()) + " groups");
            for (size_t gi = 0; gi < st.groups.size(); ++gi) {
                const std::string gpath = mpath + "[" + std::to_string(gi) + "]";
                const Json& of = r.array((*members)[gi], gpath);
                if (of.size() != st.groups[gi].size())
                    r.fail(gpath, "has " + std::to_string(of.size()) + " entries for a group of " +
                                      std::to_string(st.groups[gi].size()) + " ops");
                for (size_t k = 0; k < of.size(); ++k) {
                    const OpId id = st.groups[gi][k];
                    const long long m = r.integer(of[k], gpath + "[" + std::to_string(k) + "]", -1, 1 << 20);
                    if (m != g.op(id).member)
                        r.fail(gpath + "[" + std::to_string(k) + "]",
                               "op '" + g.op(id).name + "' belongs to member " +
                                   std::to_string(g.op(id).member) + " of the model, not " +
                                   std::to_string(m));
                }
            }
        }
        if (const Json* devices = r.optional(js, "devices", path)) { // absent: all on device 0
            r.array(*devices, path + ".devices");
            if (devices->size() != groups.size())
                r.fail(path + ".devices", "has " + std::to_string(devices->size()) + " entries for " +
                                              std::to_string(groups.size()) + " groups");
            for (size_t gi = 0; gi < devices->size(); ++gi)
                st.devices.push_back(static_cast<int>(r.integer(
                    (*devices)[gi], path + ".devices[" + std::to_string(gi) + "]", 0, kMaxDevices - 1)));
        }
        s.stages.push_back(std::move(st));
    }
    return s;
}

std::optional<double> optionalNumber(const json::Reader& r, const Json& obj, const std::string& key,
                                     const std::string& path) {
    const Json* v = r.optional(obj, key, path);
    if (!v || v->is_null()) return std::nullopt;
    return r.number(*v, path + "." + key);
}

} // namespace

ScheduleDocument makeScheduleDocument(const Graph& g, Schedule schedule) {
    ScheduleDocument doc;
    doc.modelName = g.name();
    doc.modelHash = g.contentHash();
    doc.members = g.members();
    doc.schedule = std::move(schedule);
    return doc;
}

std::string scheduleToJson(const Graph& g, const ScheduleDocument& doc) {
    Json j;
    j["format"] = kScheduleFormat;
    j["version"] = kScheduleVersion;
    j["model"] = {{"name", doc.modelName}, {"hash", doc.modelHash}};
    if (!g.members().empty()) j["model"]["members"] = g.members();
    j["scheduler"] = {{"name", doc.scheduler},
                      {"r", doc.maxGroupSize},
                      {"s", doc.maxGroups},
                      {"strategy", doc.strategy},
                      {"max_part_size", doc.maxPartSize},
                      {"max_streams", doc.maxStreams}};
    j["cost_model"] = {{"name", doc.costModel}, {"device", doc.device}};
    j["batch"] = doc.run.batch;
    j["precision"] = std::string(toString(doc.run.precision));
    j["layout"] = std::string(toString(doc.run.layout));
    if (doc.latencyMs) j["latency_ms"] = *doc.latencyMs;
    if (doc.search)
        j["search"] = {{"states", doc.search->states},
                       {"transitions", doc.search->transitions},
                       {"stages_measured", doc.search->stagesCosted},
                       {"seconds", doc.search->seconds},
                       {"complete", doc.search->complete},
                       {"time_limit_s", doc.search->timeLimitSeconds}};
    if (doc.search && doc.search->lowerBoundMs) j["search"]["lower_bound_ms"] = *doc.search->lowerBoundMs;
    if (doc.search && doc.search->gap) j["search"]["gap"] = *doc.search->gap;
    if (doc.measured) {
        Json m = Json::object();
        const MeasuredLatency& ml = *doc.measured;
        if (ml.medianMs) m["median_ms"] = *ml.medianMs;
        if (ml.p10Ms) m["p10_ms"] = *ml.p10Ms;
        if (ml.p90Ms) m["p90_ms"] = *ml.p90Ms;
        if (ml.runs) m["runs"] = *ml.runs;
        if (ml.mode) m["mode"] = *ml.mode;
        if (ml.device) m["device"] = *ml.device;
        if (ml.kept) m["kept"] = *ml.kept;
        if (!ml.candidates.empty()) {
            Json cs = Json::array();
            for (const auto& [name, ms] : ml.candidates) cs.push_back({{"name", name}, {"ms", ms}});
            m["candidates"] = cs;
        }
        j["measured"] = m;
    }
    j["stages"] = stagesToJson(g, doc.schedule);
    return json::dump(j, 2) + "\n";
}

ScheduleDocument scheduleFromJson(const Graph& g, const std::string& text, const std::string& file) {
    const Json root = json::parse(text, file);
    const json::Reader r(file);
    r.header(root, kScheduleFormat, kScheduleVersion);

    ScheduleDocument doc;
    const Json& model = r.member(root, "model", "");
    doc.modelName = r.string(r.member(model, "name", "model"), "model.name");
    doc.modelHash = r.string(r.member(model, "hash", "model"), "model.hash");
    if (doc.modelName != g.name())
        r.fail("model.name", "the schedule is for model '" + doc.modelName + "', not '" + g.name() + "'");
    if (const Json* m = r.optional(model, "members", "model")) {
        const Json& names = r.array(*m, "model.members");
        for (size_t k = 0; k < names.size(); ++k)
            doc.members.push_back(r.string(names[k], "model.members[" + std::to_string(k) + "]"));
        if (doc.members != g.members())
            r.fail("model.members", "the schedule's ensemble members differ from the model's");
    }
    if (doc.modelHash != g.contentHash())
        r.fail("model.hash", "the schedule is for another version of model '" + g.name() + "' (hash " +
                                 doc.modelHash + ", the model's is " + g.contentHash() + ")");

    if (const Json* sch = r.optional(root, "scheduler", "")) {
        if (const Json* v = r.optional(*sch, "name", "scheduler"))
            doc.scheduler = r.string(*v, "scheduler.name");
        if (const Json* v = r.optional(*sch, "r", "scheduler"))
            doc.maxGroupSize = static_cast<int>(r.integer(*v, "scheduler.r", 1, 64));
        if (const Json* v = r.optional(*sch, "s", "scheduler"))
            doc.maxGroups = static_cast<int>(r.integer(*v, "scheduler.s", 1, 64));
        if (const Json* v = r.optional(*sch, "strategy", "scheduler"))
            doc.strategy = r.string(*v, "scheduler.strategy");
        if (const Json* v = r.optional(*sch, "max_part_size", "scheduler"))
            doc.maxPartSize = static_cast<int>(r.integer(*v, "scheduler.max_part_size", 1, 1 << 20));
        if (const Json* v = r.optional(*sch, "max_streams", "scheduler"))
            doc.maxStreams = static_cast<int>(r.integer(*v, "scheduler.max_streams", 1, 1 << 20));
    }
    if (const Json* cm = r.optional(root, "cost_model", "")) {
        if (const Json* v = r.optional(*cm, "name", "cost_model"))
            doc.costModel = r.string(*v, "cost_model.name");
        if (const Json* v = r.optional(*cm, "device", "cost_model"))
            doc.device = r.string(*v, "cost_model.device");
    }
    if (const Json* v = r.optional(root, "batch", ""))
        doc.run.batch = static_cast<int>(r.integer(*v, "batch", 1, 1 << 16));
    if (const Json* v = r.optional(root, "precision", "")) {
        const std::string p = r.string(*v, "precision");
        const auto parsed = precisionFromString(p);
        if (!parsed)
            r.fail("precision", "expected \"fp32\", \"tf32\", \"fp16\" or \"bf16\", found \"" + p + "\"");
        doc.run.precision = *parsed;
    }
    if (const Json* v = r.optional(root, "layout", "")) {
        const std::string l = r.string(*v, "layout");
        const auto parsed = layoutFromString(l);
        if (!parsed) r.fail("layout", "expected \"nhwc\" or \"nchw\", found \"" + l + "\"");
        doc.run.layout = *parsed;
    }
    doc.latencyMs = optionalNumber(r, root, "latency_ms", "");
    if (const Json* s = r.optional(root, "search", "")) {
        ScheduleSearchInfo info;
        info.states = r.integer(r.member(*s, "states", "search"), "search.states", 0, kMaxCount);
        info.transitions =
            r.integer(r.member(*s, "transitions", "search"), "search.transitions", 0, kMaxCount);
        info.stagesCosted =
            r.integer(r.member(*s, "stages_measured", "search"), "search.stages_measured", 0, kMaxCount);
        info.seconds = r.number(r.member(*s, "seconds", "search"), "search.seconds");
        if (const Json* c = r.optional(*s, "complete", "search"))
            info.complete = r.boolean(*c, "search.complete");
        if (const Json* t = r.optional(*s, "time_limit_s", "search"))
            info.timeLimitSeconds = r.number(*t, "search.time_limit_s");
        if (const Json* b = r.optional(*s, "lower_bound_ms", "search"))
            info.lowerBoundMs = r.number(*b, "search.lower_bound_ms");
        if (const Json* gap = r.optional(*s, "gap", "search")) info.gap = r.number(*gap, "search.gap");
        doc.search = info;
    }
    if (const Json* m = r.optional(root, "measured", "")) {
        MeasuredLatency ml;
        ml.medianMs = optionalNumber(r, *m, "median_ms", "measured");
        ml.p10Ms = optionalNumber(r, *m, "p10_ms", "measured");
        ml.p90Ms = optionalNumber(r, *m, "p90_ms", "measured");
        if (const Json* v = r.optional(*m, "runs", "measured"))
            ml.runs = static_cast<int>(r.integer(*v, "measured.runs", 0, 1 << 30));
        if (const Json* v = r.optional(*m, "mode", "measured")) ml.mode = r.string(*v, "measured.mode");
        if (const Json* v = r.optional(*m, "device", "measured")) ml.device = r.string(*v, "measured.device");
        if (const Json* v = r.optional(*m, "kept", "measured")) ml.kept = r.string(*v, "measured.kept");
        if (const Json* v = r.optional(*m, "candidates", "measured")) {
            const Json& cs = r.array(*v, "measured.candidates");
            for (size_t k = 0; k < cs.size(); ++k) {
                const std::string at = "measured.candidates[" + std::to_string(k) + "]";
                ml.candidates.emplace_back(r.string(r.member(cs[k], "name", at), at + ".name"),
                                           r.number(r.member(cs[k], "ms", at), at + ".ms"));
            }
        }
        doc.measured = ml;
    }
    doc.schedule = stagesFromJson(g, r, r.member(root, "stages", ""));
    validateSchedule(g, doc.schedule, file);
    return doc;
}

ScheduleDocument loadScheduleFile(const Graph& g, const std::string& path) {
    return scheduleFromJson(g, readFile(path, limits::kJsonFileMiB), path);
}

void saveScheduleFile(const Graph& g, const ScheduleDocument& doc, const std::string& path) {
    writeFileAtomically(path, scheduleToJson(g, doc));
}

} // namespace ioscope
