#include "io/model_json.h"

#include "graph/shape_inference.h"
#include "io/json_reader.h"
#include "util/atomic_file.h"
#include "util/errors.h"
#include "util/limits.h"

#include <cmath>
#include <unordered_map>

namespace ioscope {
namespace {

using json::Json;

bool hasWindow(OpKind k) {
    return k == OpKind::Conv || k == OpKind::SepConv || k == OpKind::MaxPool || k == OpKind::AvgPool;
}
bool hasOutChannels(OpKind k) {
    return k == OpKind::Conv || k == OpKind::SepConv || k == OpKind::FullyConnected;
}
bool hasFusedActivation(OpKind k) {
    return k == OpKind::Conv || k == OpKind::SepConv || k == OpKind::FullyConnected ||
           k == OpKind::Activation;
}

// Parameters of the kinds of issue #13 (slice, pad, resize, channel_shuffle, binary).
void writeModernParams(Json& j, const Op& op) {
    switch (op.kind) {
    case OpKind::Slice: {
        const SliceBox& b = op.slice;
        j["slice"] = {{"start", {b.c0, b.h0, b.w0}}, {"size", {b.c, b.h, b.w}}, {"step", {b.sh, b.sw}}};
        break;
    }
    case OpKind::Pad:
        j["pad"] = {op.pad.top, op.pad.left, op.pad.bottom, op.pad.right};
        j["pad_mode"] = std::string(toString(op.pad.mode));
        if (std::isfinite(op.pad.value))
            j["pad_value"] = op.pad.value;
        else // JSON has no infinities
            j["pad_value"] = op.pad.value > 0 ? "inf" : "-inf";
        break;
    case OpKind::Resize:
        j["resize"] = {{"mode", std::string(toString(op.resize.mode))},
                       {"coordinates", std::string(toString(op.resize.coord))},
                       {"nearest", std::string(toString(op.resize.round))},
                       {"size", {op.resize.h, op.resize.w}}};
        break;
    case OpKind::ChannelShuffle:
        j["groups"] = op.groups;
        break;
    case OpKind::Binary:
        j["function"] = std::string(toString(op.binary));
        break;
    default:
        break;
    }
}

template <typename E, typename ToString>
E enumFrom(const json::Reader& r, const Json& v, const std::string& path, std::initializer_list<E> values,
           ToString name) {
    const std::string s = r.string(v, path);
    for (E e : values)
        if (name(e) == s) return e;
    r.fail(path, "unknown value '" + s + "'");
}

void readModernParams(const json::Reader& r, const Json& j, const std::string& path, Op& op) {
    const auto ints = [&](const Json& obj, const char* key, const std::string& p, size_t n, long long lo) {
        const Json& a = r.array(r.member(obj, key, p), p + "." + key);
        if (a.size() != n) r.fail(p + "." + key, "expected " + std::to_string(n) + " integers");
        std::vector<int> v;
        for (size_t k = 0; k < n; ++k)
            v.push_back(int(r.integer(a[k], p + "." + key + "[" + std::to_string(k) + "]", lo, kMaxDim)));
        return v;
    };
    switch (op.kind) {
    case OpKind::Slice: {
        const Json& b = r.object(r.member(j, "slice", path), path + ".slice");
        const auto start = ints(b, "start", path + ".slice", 3, 0),
                   size = ints(b, "size", path + ".slice", 3, 1),
                   step = ints(b, "step", path + ".slice", 2, 1);
        op.slice = {start[0], start[1], start[2], size[0], size[1], size[2], step[0], step[1]};
        break;
    }
    case OpKind::Pad: {
        const auto p = ints(j, "pad", path, 4, -kMaxDim); // negative sides crop (shape inference checks)
        op.pad.top = p[0], op.pad.left = p[1], op.pad.bottom = p[2], op.pad.right = p[3];
        if (const Json* m = r.optional(j, "pad_mode", path))
            op.pad.mode = enumFrom(r, *m, path + ".pad_mode", {PadMode::Constant, PadMode::Reflect},
                                   [](PadMode x) { return toString(x); });
        if (const Json* v = r.optional(j, "pad_value", path)) {
            if (v->is_string()) {
                const std::string s = r.string(*v, path + ".pad_value");
                if (s != "inf" && s != "-inf")
                    r.fail(path + ".pad_value", "expected a number, \"inf\" or \"-inf\"");
                op.pad.value = s == "inf" ? INFINITY : -INFINITY;
            } else {
                op.pad.value = float(r.number(*v, path + ".pad_value"));
            }
        }
        break;
    }
    case OpKind::Resize: {
        const std::string p = path + ".resize";
        const Json& o = r.object(r.member(j, "resize", path), p);
        op.resize.mode =
            enumFrom(r, r.member(o, "mode", p), p + ".mode", {ResizeMode::Nearest, ResizeMode::Linear},
                     [](ResizeMode x) { return toString(x); });
        op.resize.coord = enumFrom(r, r.member(o, "coordinates", p), p + ".coordinates",
                                   {ResizeCoord::HalfPixel, ResizeCoord::PytorchHalfPixel,
                                    ResizeCoord::Asymmetric, ResizeCoord::AlignCorners},
                                   [](ResizeCoord x) { return toString(x); });
        if (const Json* v = r.optional(o, "nearest", p))
            op.resize.round = enumFrom(r, *v, p + ".nearest",
                                       {NearestRound::RoundPreferFloor, NearestRound::RoundPreferCeil,
                                        NearestRound::Floor, NearestRound::Ceil},
                                       [](NearestRound x) { return toString(x); });
        const auto size = ints(o, "size", p, 2, 1);
        op.resize.h = size[0], op.resize.w = size[1];
        break;
    }
    case OpKind::Binary:
        op.binary = enumFrom(r, r.member(j, "function", path), path + ".function",
                             {BinaryFn::Add, BinaryFn::Sub, BinaryFn::Mul, BinaryFn::Div},
                             [](BinaryFn x) { return toString(x); });
        break;
    default:
        break;
    }
}

Json opToJson(const Graph& g, const Op& op, bool inBody) {
    Json j = Json::object();
    j["name"] = op.name;
    j["kind"] = std::string(toString(op.kind));
    if (op.kind == OpKind::Input) {
        j["shape"] = {op.inputShape.c, op.inputShape.h, op.inputShape.w};
        // An ensemble member's input keeps the key its data was seeded from alone (and the hash).
        if (!op.weightKey.empty()) j["weight_key"] = op.weightKey;
        return j;
    }
    if (!inBody) {
        Json inputs = Json::array();
        for (OpId in : op.inputs) inputs.push_back(g.op(in).name);
        j["inputs"] = inputs;
        // A single input's combine changes nothing, but it is written when set so the content
        // hash survives a round trip.
        if ((op.inputs.size() > 1 || op.combine != Combine::Sum) && op.kind != OpKind::Concat &&
            op.kind != OpKind::Add && op.kind != OpKind::Mul)
            j["combine"] = std::string(toString(op.combine));
        if (!op.sumTerms.empty()) j["sum_terms"] = op.sumTerms;
        if (op.residuals > 0) j["residuals"] = op.residuals;
    }
    if (hasWindow(op.kind)) {
        const Window& w = op.window;
        j["kernel"] = {w.kh, w.kw};
        j["stride"] = {w.sh, w.sw};
        j["padding"] = {w.ph, w.pw};
        if (w.eh || w.ew) j["end_padding"] = {w.eh, w.ew};
        if (op.kind == OpKind::Conv || op.kind == OpKind::SepConv) j["dilation"] = {w.dh, w.dw};
    }
    if (hasOutChannels(op.kind)) j["out_channels"] = op.outChannels;
    if (op.kind == OpKind::Conv) j["groups"] = op.groups;
    if (hasFusedActivation(op.kind) || (appliesActivation(op.kind) && op.activation != Activation::None))
        j["activation"] = std::string(toString(op.activation));
    if (!op.weightKey.empty()) j["weight_key"] = op.weightKey;
    if (op.weightActivation) j["weight_activation"] = std::string(toString(*op.weightActivation));
    if (!op.fused.empty()) j["fused"] = op.fused;
    if (hasOutChannels(op.kind)) j["bias"] = op.bias;
    if (op.kind == OpKind::SepConv) j["pre_relu"] = op.preRelu;
    if (op.kind == OpKind::AvgPool) j["count_include_pad"] = op.countIncludePad;
    if (op.kind == OpKind::AvgPool && op.poolBias) j["bias"] = true;
    writeModernParams(j, op);
    if (op.kind == OpKind::Sequential) {
        Json body = Json::array();
        for (const Op& inner : op.body) body.push_back(opToJson(g, inner, true));
        j["body"] = body;
    }
    return j;
}

std::pair<int, int> readPair(const json::Reader& r, const Json& obj, const std::string& key,
                             const std::string& path, std::pair<int, int> fallback, int lo) {
    const Json* v = r.optional(obj, key, path);
    if (!v) return fallback;
    const std::string p = path + "." + key;
    if (v->is_number()) {
        const int x = static_cast<int>(r.integer(*v, p, lo, kMaxDim));
        return {x, x};
    }
    r.array(*v, p);
    if (v->size() != 2) r.fail(p, "expected two integers [height, width]");
    return {static_cast<int>(r.integer((*v)[0], p + "[0]", lo, kMaxDim)),
            static_cast<int>(r.integer((*v)[1], p + "[1]", lo, kMaxDim))};
}

Op opFromJson(const json::Reader& r, const Json& j, const std::string& path, bool inBody,
              std::vector<std::string>& inputNames) {
    r.object(j, path);
    Op op;
    op.name = r.string(r.member(j, "name", path), path + ".name");
    if (op.name.empty()) r.fail(path + ".name", "must not be empty");
    const std::string kind = r.string(r.member(j, "kind", path), path + ".kind");
    const auto k = opKindFromString(kind);
    if (!k) r.fail(path + ".kind", "unknown op kind '" + kind + "'");
    op.kind = *k;
    if (op.kind == OpKind::Input) {
        if (inBody) r.fail(path, "an input op cannot be inside a sequential body");
        const Json& s = r.array(r.member(j, "shape", path), path + ".shape");
        if (s.size() != 3) r.fail(path + ".shape", "expected [channels, height, width]");
        op.inputShape = {static_cast<int>(r.integer(s[0], path + ".shape[0]", 1, kMaxDim)),
                         static_cast<int>(r.integer(s[1], path + ".shape[1]", 1, kMaxDim)),
                         static_cast<int>(r.integer(s[2], path + ".shape[2]", 1, kMaxDim))};
        if (const Json* v = r.optional(j, "weight_key", path))
            op.weightKey = r.string(*v, path + ".weight_key");
        return op;
    }
    if (!inBody) {
        const Json& ins = r.array(r.member(j, "inputs", path), path + ".inputs");
        if (ins.empty()) r.fail(path + ".inputs", "an op needs at least one input");
        for (size_t i = 0; i < ins.size(); ++i)
            inputNames.push_back(r.string(ins[i], path + ".inputs[" + std::to_string(i) + "]"));
        if (const Json* c = r.optional(j, "combine", path)) {
            const auto cb = combineFromString(r.string(*c, path + ".combine"));
            if (!cb) r.fail(path + ".combine", "expected \"sum\" or \"concat\"");
            op.combine = *cb;
        }
        if (const Json* v = r.optional(j, "residuals", path))
            op.residuals = static_cast<int>(r.integer(*v, path + ".residuals", 0, 100000));
        if (const Json* t = r.optional(j, "sum_terms", path)) {
            r.array(*t, path + ".sum_terms");
            if (t->empty()) r.fail(path + ".sum_terms", "expected at least one term size");
            for (size_t i = 0; i < t->size(); ++i)
                op.sumTerms.push_back(static_cast<int>(
                    r.integer((*t)[i], path + ".sum_terms[" + std::to_string(i) + "]", 1, 100000)));
        }
    } else if (r.optional(j, "inputs", path)) {
        r.fail(path + ".inputs", "ops in a sequential body read the previous op and name no inputs");
    }
    if (hasWindow(op.kind)) {
        std::tie(op.window.kh, op.window.kw) = readPair(r, j, "kernel", path, {1, 1}, 1);
        std::tie(op.window.sh, op.window.sw) = readPair(r, j, "stride", path, {1, 1}, 1);
        std::tie(op.window.ph, op.window.pw) = readPair(r, j, "padding", path, {0, 0}, 0);
        std::tie(op.window.eh, op.window.ew) = readPair(r, j, "end_padding", path, {0, 0}, -kMaxDim);
        std::tie(op.window.dh, op.window.dw) = readPair(r, j, "dilation", path, {1, 1}, 1);
    }
    if (hasOutChannels(op.kind))
        op.outChannels = static_cast<int>(
            r.integer(r.member(j, "out_channels", path), path + ".out_channels", 1, kMaxDim));
    if (const Json* v = r.optional(j, "groups", path))
        op.groups = static_cast<int>(r.integer(*v, path + ".groups", 1, kMaxDim));
    if (const Json* v = r.optional(j, "activation", path)) {
        const std::string a = r.string(*v, path + ".activation");
        const auto act = activationFromString(a);
        if (!act) r.fail(path + ".activation", "unknown activation '" + a + "'");
        op.activation = *act;
    } else if (op.kind == OpKind::Activation) {
        op.activation = Activation::Relu;
    }
    if (const Json* v = r.optional(j, "weight_key", path)) op.weightKey = r.string(*v, path + ".weight_key");
    if (const Json* v = r.optional(j, "weight_activation", path)) {
        const auto act = activationFromString(r.string(*v, path + ".weight_activation"));
        if (!act) r.fail(path + ".weight_activation", "unknown activation");
        op.weightActivation = *act;
    }
    if (const Json* v = r.optional(j, "fused", path)) {
        r.array(*v, path + ".fused");
        for (size_t i = 0; i < v->size(); ++i)
            op.fused.push_back(r.string((*v)[i], path + ".fused[" + std::to_string(i) + "]"));
    }
    if (const Json* v = r.optional(j, "bias", path)) {
        const bool bias = r.boolean(*v, path + ".bias");
        if (op.kind == OpKind::AvgPool)
            op.poolBias = bias;
        else
            op.bias = bias;
    }
    if (const Json* v = r.optional(j, "pre_relu", path)) op.preRelu = r.boolean(*v, path + ".pre_relu");
    if (const Json* v = r.optional(j, "count_include_pad", path))
        op.countIncludePad = r.boolean(*v, path + ".count_include_pad");
    readModernParams(r, j, path, op);
    if (op.kind == OpKind::Sequential) {
        const Json& body = r.array(r.member(j, "body", path), path + ".body");
        if (body.empty()) r.fail(path + ".body", "a sequential op needs at least one body op");
        std::vector<std::string> none;
        for (size_t i = 0; i < body.size(); ++i)
            op.body.push_back(opFromJson(r, body[i], path + ".body[" + std::to_string(i) + "]", true, none));
    }
    return op;
}

// Ops of a JSON op list, sequential bodies (which may nest) included; counted before any is parsed
// so the op budget bounds the work.
long long countOps(const Json& ops) {
    long long n = 0;
    for (const Json& op : ops) {
        ++n;
        if (op.is_object())
            if (const auto body = op.find("body"); body != op.end() && body->is_array()) n += countOps(*body);
    }
    return n;
}

} // namespace

std::string modelToJson(const Graph& g) {
    Json j = Json::object();
    j["format"] = kModelFormat;
    j["version"] = kModelVersion;
    j["name"] = g.name();
    // Ensembles keep their members: the names, and each op's index into them.
    if (!g.members().empty()) j["members"] = g.members();
    Json ops = Json::array();
    for (const Op& op : g.ops()) {
        ops.push_back(opToJson(g, op, false));
        if (op.member >= 0 && !g.members().empty()) ops.back()["member"] = op.member;
    }
    j["ops"] = ops;
    return json::dump(j, 1) + "\n";
}

Graph modelFromJson(const std::string& text, const std::string& file) {
    const Json root = json::parse(text, file);
    const json::Reader r(file);
    r.header(root, kModelFormat, kModelVersion);
    Graph g(r.string(r.member(root, "name", ""), "name"));
    const Json& ops = r.array(r.member(root, "ops", ""), "ops");
    const long long opCount = countOps(ops);
    if (opCount > limits::value(limits::kOps))
        r.fail("ops", limits::exceeded(limits::kOps, "the model has " + std::to_string(opCount) +
                                                         " ops (sequential bodies included)"));
    std::vector<std::string> members;
    if (const Json* m = r.optional(root, "members", "")) {
        const Json& names = r.array(*m, "members");
        for (size_t k = 0; k < names.size(); ++k)
            members.push_back(r.string(names[k], "members[" + std::to_string(k) + "]"));
    }
    std::vector<Op> parsed;
    std::vector<std::vector<std::string>> inputNames(ops.size());
    std::unordered_map<std::string, OpId> byName;
    for (size_t i = 0; i < ops.size(); ++i) {
        const std::string path = "ops[" + std::to_string(i) + "]";
        parsed.push_back(opFromJson(r, ops[i], path, false, inputNames[i]));
        if (const Json* m = r.optional(ops[i], "member", path)) {
            if (members.empty()) r.fail(path + ".member", "the model has no \"members\" list");
            parsed.back().member = static_cast<int>(
                r.integer(*m, path + ".member", 0, static_cast<long long>(members.size()) - 1));
        }
        if (!byName.emplace(parsed.back().name, static_cast<OpId>(i)).second)
            r.fail(path + ".name", "op name '" + parsed.back().name + "' is used twice");
    }
    for (size_t i = 0; i < ops.size(); ++i)
        for (size_t k = 0; k < inputNames[i].size(); ++k) {
            const auto it = byName.find(inputNames[i][k]);
            if (it == byName.end())
                r.fail("ops[" + std::to_string(i) + "].inputs[" + std::to_string(k) + "]",
                       "op '" + parsed[i].name + "' reads '" + inputNames[i][k] + "', which does not exist");
            parsed[i].inputs.push_back(it->second);
        }
    g.setOps(std::move(parsed));
    g.setMembers(std::move(members));
    g.finalize(file);
    return g;
}

Graph loadModelFile(const std::string& path) {
    return modelFromJson(readFile(path, limits::kJsonFileMiB), path);
}

void saveModelFile(const Graph& g, const std::string& path) {
    writeFileAtomically(path, modelToJson(g));
}

} // namespace ioscope
