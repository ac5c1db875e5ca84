#include "onnx/onnx_constant_folding.h"

#include "util/errors.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>

namespace ioscope::onnximport {
namespace {

using Dims = std::vector<std::int64_t>;
constexpr std::int64_t kMaxFoldedElements = 1 << 20; // shape arithmetic is tiny; refuse absurd sizes

std::int64_t count(const Dims& d) {
    std::int64_t n = 1;
    for (auto v : d) {
        if (v < 0 || (v > 0 && n > kMaxFoldedElements / v))
            throw InputError("a folded constant would hold too many elements");
        n *= v;
    }
    return n;
}

// A folded value: int64 or floating-point data (held as double while folding) with dims.
struct Num {
    Dims dims;
    bool integral = false;
    std::vector<std::int64_t> i;
    std::vector<double> f;
    std::int64_t size() const { return integral ? std::int64_t(i.size()) : std::int64_t(f.size()); }
    double asDouble(std::int64_t k) const { return integral ? double(i[size_t(k)]) : f[size_t(k)]; }
    std::int64_t asInt(std::int64_t k) const {
        return integral ? i[size_t(k)] : static_cast<std::int64_t>(f[size_t(k)]);
    }
};

Num fromConst(const ConstTensor& t) {
    if (!t.available) throw InputError("constant '" + t.name + "' lives in missing external data");
    Num n;
    n.dims = t.dims;
    n.integral = t.integral;
    if (t.integral)
        n.i = t.ints;
    else
        n.f.assign(t.floats().begin(), t.floats().end());
    if (n.size() != count(n.dims)) throw InputError("constant '" + t.name + "' does not match its dims");
    return n;
}

std::shared_ptr<ConstTensor> toConst(const Num& n, const std::string& name) {
    auto t = std::make_shared<ConstTensor>();
    t->name = name;
    t->dims = n.dims;
    t->integral = n.integral;
    t->available = true;
    if (n.integral)
        t->ints = n.i;
    else
        t->setFloats({n.f.begin(), n.f.end()});
    return t;
}

Num ints(Dims dims, std::vector<std::int64_t> v) {
    Num n;
    n.dims = std::move(dims);
    n.integral = true;
    n.i = std::move(v);
    return n;
}

int axisOf(std::int64_t axis, size_t rank) {
    const std::int64_t a = axis < 0 ? axis + std::int64_t(rank) : axis;
    if (a < 0 || a >= std::int64_t(std::max<size_t>(rank, 1)))
        throw InputError("axis " + std::to_string(axis) + " is out of range for rank " +
                         std::to_string(rank));
    return static_cast<int>(a);
}

std::vector<std::int64_t> strides(const Dims& d) {
    std::vector<std::int64_t> s(d.size(), 1);
    for (size_t k = d.size(); k-- > 1;) s[k - 1] = s[k] * d[k];
    return s;
}

// Numpy broadcasting of several operands: the result dims and, per operand, the offset of each
// output element.
Dims broadcastDims(const std::vector<const Num*>& xs) {
    size_t rank = 0;
    for (const Num* x : xs) rank = std::max(rank, x->dims.size());
    Dims out(rank, 1);
    for (const Num* x : xs)
        for (size_t k = 0; k < x->dims.size(); ++k) {
            std::int64_t& o = out[rank - x->dims.size() + k];
            const std::int64_t d = x->dims[k];
            if (d != o && d != 1 && o != 1) throw InputError("constant operands do not broadcast");
            if (d != 1) o = d;
        }
    return out;
}

std::int64_t sourceIndex(const Dims& out, std::int64_t flat, const Dims& in) {
    std::int64_t idx = 0, stride = 1;
    for (size_t k = out.size(); k-- > 0;) {
        const std::int64_t coord = flat % out[k];
        flat /= out[k];
        const size_t ik = k + in.size();
        if (ik < out.size()) continue; // leading broadcast dims
        const std::int64_t d = in[ik - out.size()];
        idx += (d == 1 ? 0 : coord) * stride;
        stride *= d;
    }
    return idx;
}

// Element-wise over broadcast operands: int64 when every operand is, else double.
Num elementwise(const std::vector<const Num*>& xs, bool forceFloat,
                const std::function<std::int64_t(const std::vector<std::int64_t>&)>& onInts,
                const std::function<double(const std::vector<double>&)>& onFloats,
                bool resultIntegral = false) {
    Num out;
    out.dims = broadcastDims(xs);
    const std::int64_t n = count(out.dims);
    const bool allInts =
        !forceFloat && std::all_of(xs.begin(), xs.end(), [](const Num* x) { return x->integral; });
    out.integral = allInts || resultIntegral;
    for (std::int64_t k = 0; k < n; ++k) {
        if (allInts) {
            std::vector<std::int64_t> a;
            for (const Num* x : xs) a.push_back(x->i[size_t(sourceIndex(out.dims, k, x->dims))]);
            out.i.push_back(onInts(a));
        } else {
            std::vector<double> a;
            for (const Num* x : xs) a.push_back(x->asDouble(sourceIndex(out.dims, k, x->dims)));
            const double v = onFloats(a);
            if (out.integral)
                out.i.push_back(static_cast<std::int64_t>(v));
            else
                out.f.push_back(v);
        }
    }
    return out;
}

Num unary(const Num& x, const std::function<double(double)>& fn, bool keepInts) {
    if (x.integral && keepInts) return x;
    return elementwise({&x}, true, nullptr, [&](const std::vector<double>& a) { return fn(a[0]); });
}

std::vector<std::int64_t> intList(const Num& n) {
    std::vector<std::int64_t> v;
    for (std::int64_t k = 0; k < n.size(); ++k) v.push_back(n.asInt(k));
    return v;
}

// Copies elements of `x` selected per axis by index lists (Gather, Slice, Transpose helpers).
Num select(const Num& x, const std::vector<std::vector<std::int64_t>>& picks) {
    Num out;
    out.integral = x.integral;
    for (const auto& p : picks) out.dims.push_back(std::int64_t(p.size()));
    const std::int64_t n = count(out.dims);
    const auto inStrides = strides(x.dims);
    for (std::int64_t k = 0; k < n; ++k) {
        std::int64_t flat = k, src = 0;
        for (size_t a = out.dims.size(); a-- > 0;) {
            src += picks[a][size_t(flat % out.dims[a])] * inStrides[a];
            flat /= out.dims[a];
        }
        if (x.integral)
            out.i.push_back(x.i[size_t(src)]);
        else
            out.f.push_back(x.f[size_t(src)]);
    }
    return out;
}

std::vector<std::int64_t> iota(std::int64_t n) {
    std::vector<std::int64_t> v(size_t(std::max<std::int64_t>(0, n)));
    for (size_t k = 0; k < v.size(); ++k) v[k] = std::int64_t(k);
    return v;
}

std::vector<std::int64_t> axesOf(const ImportState& state, const onnx::NodeProto& node, int opset,
                                 int sinceInput, int index) {
    if (opset >= sinceInput) {
        if (auto t = constInput(state, node, index, "axes")) return intList(fromConst(*t));
        return {};
    }
    return intsAttribute(node, "axes");
}

// The dims of a computed tensor as ONNX sees them (the file's batch first).
Dims valueDims(const ImportState& state, const Value& v) {
    if (v.isConstant()) return v.constant->dims;
    if (!v.dims.empty()) return v.dims;
    const Shape s = state.shapeOf(v);
    return v.rank == 4 ? Dims{state.fileBatch, s.c, s.h, s.w} : Dims{state.fileBatch, s.c};
}

const std::set<std::string>& foldable() {
    static const std::set<std::string> ops{"Shape",
                                           "Size",
                                           "Identity",
                                           "Cast",
                                           "Unsqueeze",
                                           "Squeeze",
                                           "Reshape",
                                           "Flatten",
                                           "Transpose",
                                           "Concat",
                                           "Gather",
                                           "Slice",
                                           "ConstantOfShape",
                                           "Range",
                                           "Ceil",
                                           "Floor",
                                           "Neg",
                                           "Abs",
                                           "Sqrt",
                                           "Reciprocal",
                                           "Relu",
                                           "Add",
                                           "Sub",
                                           "Mul",
                                           "Div",
                                           "Mod",
                                           "Pow",
                                           "Min",
                                           "Max",
                                           "Equal",
                                           "Less",
                                           "Greater",
                                           "Not",
                                           "Where",
                                           "Clip",
                                           "Expand",
                                           "Sum"};
    return ops;
}

Num evaluate(const ImportState& state, const onnx::NodeProto& node, int opset, const std::vector<Num>& in) {
    const std::string& t = node.op_type();
    const auto arg = [&](size_t k) -> const Num& {
        if (k >= in.size()) throw InputError("input " + std::to_string(k) + " is missing");
        return in[k];
    };
    if (t == "Identity") return arg(0);
    if (t == "Size") return ints({}, {count(arg(0).dims)});
    if (t == "Cast") {
        const auto to = intAttribute(node, "to", 1);
        const bool toInt = to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32 ||
                           to == onnx::TensorProto::INT16 || to == onnx::TensorProto::INT8 ||
                           to == onnx::TensorProto::UINT8 || to == onnx::TensorProto::BOOL;
        const bool toFloat = to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE ||
                             to == onnx::TensorProto::FLOAT16;
        if (!toInt && !toFloat)
            throw InputError("Cast to element type " + std::to_string(to) + " is not supported");
        const Num& x = arg(0);
        Num out;
        out.dims = x.dims;
        out.integral = toInt;
        for (std::int64_t k = 0; k < x.size(); ++k) {
            if (toInt) {
                const std::int64_t v = x.asInt(k); // float -> int truncates toward zero, as ONNX
                out.i.push_back(to == onnx::TensorProto::BOOL ? v != 0 : v);
            } else {
                out.f.push_back(x.asDouble(k));
            }
        }
        return out;
    }
    if (t == "Unsqueeze") {
        Num x = arg(0);
        auto axes = axesOf(state, node, opset, 13, 1);
        const size_t rank = x.dims.size() + axes.size();
        for (auto& a : axes) a = axisOf(a, rank);
        std::sort(axes.begin(), axes.end());
        for (auto a : axes) x.dims.insert(x.dims.begin() + a, 1);
        return x;
    }
    if (t == "Squeeze") {
        Num x = arg(0);
        auto axes = axesOf(state, node, opset, 13, 1);
        Dims d;
        for (size_t k = 0; k < x.dims.size(); ++k) {
            const bool listed = std::any_of(
                axes.begin(), axes.end(), [&](std::int64_t a) { return axisOf(a, x.dims.size()) == int(k); });
            if ((axes.empty() && x.dims[k] == 1) || listed) {
                if (x.dims[k] != 1)
                    throw InputError("Squeeze of axis " + std::to_string(k) + " of size " +
                                     std::to_string(x.dims[k]));
                continue;
            }
            d.push_back(x.dims[k]);
        }
        x.dims = d;
        return x;
    }
    if (t == "Reshape") {
        Num x = arg(0);
        auto target = intList(arg(1));
        const bool allowZero = intAttribute(node, "allowzero", 0) != 0;
        std::int64_t known = 1;
        int inferred = -1;
        for (size_t k = 0; k < target.size(); ++k) {
            if (target[k] == 0 && !allowZero) {
                if (k >= x.dims.size()) throw InputError("Reshape dim 0 has no input dim");
                target[k] = x.dims[k];
            }
            if (target[k] == -1)
                inferred = int(k);
            else if (target[k] < 0)
                throw InputError("Reshape target dim " + std::to_string(target[k]) + " is invalid");
            else
                known *= target[k];
        }
        const std::int64_t n = x.size();
        if (inferred >= 0) target[size_t(inferred)] = known > 0 ? n / known : 0;
        if (count(target) != n)
            throw InputError("cannot reshape a constant of " + std::to_string(n) + " elements");
        x.dims = target;
        return x;
    }
    if (t == "Flatten") {
        Num x = arg(0);
        const int axis = axisOf(intAttribute(node, "axis", 1), x.dims.size() + 1);
        std::int64_t a = 1, b = 1;
        for (size_t k = 0; k < x.dims.size(); ++k) (int(k) < axis ? a : b) *= x.dims[k];
        x.dims = {a, b};
        return x;
    }
    if (t == "Transpose") {
        const Num& x = arg(0);
        auto perm = intsAttribute(node, "perm");
        if (perm.empty())
            for (size_t k = 0; k < x.dims.size(); ++k) perm.insert(perm.begin(), std::int64_t(k));
        if (perm.size() != x.dims.size()) throw InputError("Transpose perm does not match the rank");
        // out[j0..jn] = x[..] with x axis perm[k] = out axis k.
        Num out;
        out.integral = x.integral;
        for (auto p : perm) out.dims.push_back(x.dims[size_t(axisOf(p, x.dims.size()))]);
        const auto inStrides = strides(x.dims);
        const std::int64_t n = count(out.dims);
        for (std::int64_t k = 0; k < n; ++k) {
            std::int64_t flat = k, src = 0;
            for (size_t a = out.dims.size(); a-- > 0;) {
                src += (flat % out.dims[a]) * inStrides[size_t(perm[a])];
                flat /= out.dims[a];
            }
            if (x.integral)
                out.i.push_back(x.i[size_t(src)]);
            else
                out.f.push_back(x.f[size_t(src)]);
        }
        return out;
    }
    if (t == "Concat") {
        const int axis = axisOf(intAttribute(node, "axis", 0), in.front().dims.size());
        bool integral = true;
        for (const Num& x : in) integral = integral && x.integral;
        Num out;
        out.integral = integral;
        out.dims = in.front().dims;
        out.dims[size_t(axis)] = 0;
        for (const Num& x : in) {
            if (x.dims.size() != out.dims.size()) throw InputError("Concat of constants of different ranks");
            out.dims[size_t(axis)] += x.dims[size_t(axis)];
        }
        // Outer blocks: for each index before the axis, append each input's run.
        std::int64_t outer = 1;
        for (int k = 0; k < axis; ++k) outer *= out.dims[size_t(k)];
        for (std::int64_t o = 0; o < outer; ++o)
            for (const Num& x : in) {
                const std::int64_t run = outer ? x.size() / outer : 0;
                for (std::int64_t k = o * run; k < (o + 1) * run; ++k)
                    if (integral)
                        out.i.push_back(x.i[size_t(k)]);
                    else
                        out.f.push_back(x.asDouble(k));
            }
        return out;
    }
    if (t == "Gather") {
        const Num& x = arg(0);
        const Num& idx = arg(1);
        const int axis = axisOf(intAttribute(node, "axis", 0), x.dims.size());
        std::vector<std::vector<std::int64_t>> picks;
        for (size_t k = 0; k < x.dims.size(); ++k) picks.push_back(iota(x.dims[k]));
        std::vector<std::int64_t> chosen;
        for (auto v : intList(idx)) {
            const std::int64_t d = x.dims[size_t(axis)];
            if (v < -d || v >= d) throw InputError("Gather index " + std::to_string(v) + " is out of range");
            chosen.push_back(v < 0 ? v + d : v);
        }
        picks[size_t(axis)] = chosen;
        Num out = select(x, picks);
        Dims d(x.dims.begin(), x.dims.begin() + axis);
        d.insert(d.end(), idx.dims.begin(), idx.dims.end());
        d.insert(d.end(), x.dims.begin() + axis + 1, x.dims.end());
        out.dims = d;
        return out;
    }
    if (t == "Slice") {
        const Num& x = arg(0);
        std::vector<std::int64_t> starts, ends, axes, steps;
        if (opset < 10) {
            starts = intsAttribute(node, "starts"), ends = intsAttribute(node, "ends"),
            axes = intsAttribute(node, "axes");
        } else {
            starts = intList(arg(1)), ends = intList(arg(2));
            if (in.size() > 3 && hasInput(node, 3)) axes = intList(in[3]);
            if (in.size() > 4 && hasInput(node, 4)) steps = intList(in[4]);
        }
        if (axes.empty()) axes = iota(std::int64_t(starts.size()));
        if (steps.empty()) steps.assign(starts.size(), 1);
        if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
            throw InputError("Slice starts, ends, axes and steps differ in length");
        std::vector<std::vector<std::int64_t>> picks;
        for (size_t k = 0; k < x.dims.size(); ++k) picks.push_back(iota(x.dims[k]));
        for (size_t k = 0; k < starts.size(); ++k) {
            const int a = axisOf(axes[k], x.dims.size());
            const std::int64_t d = x.dims[size_t(a)], step = steps[k];
            if (step == 0) throw InputError("Slice step 0");
            auto clampIdx = [&](std::int64_t v, std::int64_t lo, std::int64_t hi) {
                if (v < 0) v = v < -d ? -1 : v + d; // below -d: before the first
                return std::clamp(v, lo, hi);
            };
            std::vector<std::int64_t> p;
            if (step > 0) {
                const std::int64_t b = clampIdx(starts[k], 0, d), e = clampIdx(ends[k], 0, d);
                for (std::int64_t v = b; v < e; v += step) p.push_back(v);
            } else {
                const std::int64_t b = clampIdx(starts[k], -1, d - 1), e = clampIdx(ends[k], -1, d - 1);
                for (std::int64_t v = b; v > e; v += step) p.push_back(v);
            }
            picks[size_t(a)] = p;
        }
        return select(x, picks);
    }
    if (t == "ConstantOfShape") {
        Num out;
        out.dims = intList(arg(0));
        const std::int64_t n = count(out.dims);
        const auto* value = findAttribute(node, "value");
        Num fill = ints({}, {0});
        fill.integral = false, fill.i.clear(), fill.f = {0.0};
        if (value) {
            ExternalDataStats none;
            fill = fromConst(readTensor(value->t(), {}, none));
        }
        out.integral = fill.integral;
        if (fill.size() != 1) throw InputError("ConstantOfShape value must hold one element");
        if (fill.integral)
            out.i.assign(size_t(n), fill.i[0]);
        else
            out.f.assign(size_t(n), fill.f[0]);
        return out;
    }
    if (t == "Range") {
        const Num &s = arg(0), &l = arg(1), &d = arg(2);
        Num out;
        out.integral = s.integral && l.integral && d.integral;
        const double start = s.asDouble(0), limit = l.asDouble(0), delta = d.asDouble(0);
        if (delta == 0) throw InputError("Range delta 0");
        const std::int64_t n = std::max<std::int64_t>(0, std::int64_t(std::ceil((limit - start) / delta)));
        out.dims = {n};
        count(out.dims);
        for (std::int64_t k = 0; k < n; ++k)
            if (out.integral)
                out.i.push_back(s.i[0] + k * d.i[0]);
            else
                out.f.push_back(start + double(k) * delta);
        return out;
    }
    if (t == "Expand") {
        const Num& x = arg(0);
        Num shape;
        shape.dims = intList(arg(1));
        shape.integral = true;
        shape.i.assign(size_t(count(shape.dims)), 0);
        return elementwise(
            {&x, &shape}, false, [](const auto& a) { return a[0]; }, [](const auto& a) { return a[0]; },
            x.integral);
    }
    std::vector<const Num*> ops;
    for (const Num& x : in) ops.push_back(&x);
    if (t == "Ceil")
        return unary(
            arg(0), [](double v) { return std::ceil(v); }, true);
    if (t == "Floor")
        return unary(
            arg(0), [](double v) { return std::floor(v); }, true);
    if (t == "Sqrt")
        return unary(
            arg(0), [](double v) { return std::sqrt(v); }, false);
    if (t == "Reciprocal")
        return unary(
            arg(0), [](double v) { return 1.0 / v; }, false);
    if (t == "Neg")
        return elementwise(
            {&arg(0)}, false, [](const auto& a) { return -a[0]; }, [](const auto& a) { return -a[0]; });
    if (t == "Abs")
        return elementwise(
            {&arg(0)}, false, [](const auto& a) { return a[0] < 0 ? -a[0] : a[0]; },
            [](const auto& a) { return std::fabs(a[0]); });
    if (t == "Relu")
        return elementwise(
            {&arg(0)}, false, [](const auto& a) { return std::max<std::int64_t>(a[0], 0); },
            [](const auto& a) { return std::max(a[0], 0.0); });
    if (t == "Not")
        return elementwise(
            {&arg(0)}, false, [](const auto& a) -> std::int64_t { return a[0] == 0; },
            [](const auto& a) { return double(a[0] == 0); }, true);
    if (t == "Add" || t == "Sum")
        return elementwise(
            ops, false,
            [](const auto& a) {
                std::int64_t s = 0;
                for (auto v : a) s += v;
                return s;
            },
            [](const auto& a) {
                double s = 0;
                for (auto v : a) s += v;
                return s;
            });
    if (t == "Sub")
        return elementwise(
            {&arg(0), &arg(1)}, false, [](const auto& a) { return a[0] - a[1]; },
            [](const auto& a) { return a[0] - a[1]; });
    if (t == "Mul")
        return elementwise(
            {&arg(0), &arg(1)}, false, [](const auto& a) { return a[0] * a[1]; },
            [](const auto& a) { return a[0] * a[1]; });
    if (t == "Div")
        return elementwise(
            {&arg(0), &arg(1)}, false,
            [](const auto& a) -> std::int64_t {
                if (a[1] == 0) throw InputError("integer division by zero in a constant");
                return a[0] / a[1];
            },
            [](const auto& a) { return a[0] / a[1]; });
    if (t == "Mod")
        return elementwise(
            {&arg(0), &arg(1)}, false,
            [](const auto& a) -> std::int64_t {
                if (a[1] == 0) throw InputError("integer modulo by zero in a constant");
                const std::int64_t r = a[0] % a[1]; // Python-style sign, as fmod=0
                return (r != 0 && ((r < 0) != (a[1] < 0))) ? r + a[1] : r;
            },
            [](const auto& a) { return std::fmod(a[0], a[1]); });
    if (t == "Pow")
        return elementwise(
            {&arg(0), &arg(1)}, true, nullptr, [](const auto& a) { return std::pow(a[0], a[1]); },
            arg(0).integral);
    if (t == "Min" || t == "Max") {
        const bool mx = t == "Max";
        return elementwise(
            ops, false,
            [mx](const auto& a) {
                return mx ? *std::max_element(a.begin(), a.end()) : *std::min_element(a.begin(), a.end());
            },
            [mx](const auto& a) {
                return mx ? *std::max_element(a.begin(), a.end()) : *std::min_element(a.begin(), a.end());
            });
    }
    if (t == "Equal" || t == "Less" || t == "Greater") {
        const int which = t == "Equal" ? 0 : t == "Less" ? 1 : 2;
        auto cmp = [which](auto p, auto q) { return which == 0 ? p == q : which == 1 ? p < q : p > q; };
        return elementwise(
            {&arg(0), &arg(1)}, false, [cmp](const auto& a) -> std::int64_t { return cmp(a[0], a[1]); },
            [cmp](const auto& a) { return double(cmp(a[0], a[1])); }, true);
    }
    if (t == "Where") {
        const Num &c = arg(0), &x = arg(1), &y = arg(2);
        Num cond = c;
        if (!cond.integral) {
            cond.integral = true;
            for (double v : c.f) cond.i.push_back(v != 0);
            cond.f.clear();
        }
        Num xx = x, yy = y;
        if (x.integral != y.integral) { // mixed: both as doubles
            for (Num* v : {&xx, &yy})
                if (v->integral) {
                    for (auto k : v->i) v->f.push_back(double(k));
                    v->i.clear(), v->integral = false;
                }
        }
        const bool integral = xx.integral;
        Num out;
        out.dims = broadcastDims({&cond, &xx, &yy});
        out.integral = integral;
        const std::int64_t n = count(out.dims);
        for (std::int64_t k = 0; k < n; ++k) {
            const bool take = cond.i[size_t(sourceIndex(out.dims, k, cond.dims))] != 0;
            const Num& src = take ? xx : yy;
            const std::int64_t s = sourceIndex(out.dims, k, src.dims);
            if (integral)
                out.i.push_back(src.i[size_t(s)]);
            else
                out.f.push_back(src.f[size_t(s)]);
        }
        return out;
    }
    if (t == "Clip") {
        const Num& x = arg(0);
        double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
        if (opset < 11) {
            lo = floatAttribute(node, "min", -std::numeric_limits<float>::infinity());
            hi = floatAttribute(node, "max", std::numeric_limits<float>::infinity());
        } else {
            if (in.size() > 1 && hasInput(node, 1)) lo = in[1].asDouble(0);
            if (in.size() > 2 && hasInput(node, 2)) hi = in[2].asDouble(0);
        }
        return elementwise(
            {&x}, false, [lo, hi](const auto& a) { return std::int64_t(std::clamp(double(a[0]), lo, hi)); },
            [lo, hi](const auto& a) { return std::clamp(a[0], lo, hi); });
    }
    throw InputError("cannot fold " + t);
}

} // namespace

bool isFoldableOperator(const std::string& opType) {
    return foldable().count(opType) > 0;
}

bool foldConstantNode(ImportState& state, const onnx::NodeProto& node, int opset) {
    if (!node.domain().empty() && node.domain() != "ai.onnx") return false;
    const std::string& t = node.op_type();
    if (!foldable().count(t)) return false;
    if (node.output_size() < 1 || node.output(0).empty()) return false;
    std::vector<Num> in;
    const bool shapeOnly = t == "Shape" || t == "Size";
    for (int k = 0; k < node.input_size(); ++k) {
        if (node.input(k).empty()) {
            in.emplace_back(); // an absent optional input
            continue;
        }
        const Value& v = state.value(node.input(k));
        if (shapeOnly && k == 0) {
            Num dims;
            dims.dims = valueDims(state, v);
            in.push_back(dims);
            continue;
        }
        if (!v.isConstant()) return false; // reads computed data: a real operator
        if (!v.constant->available) return false;
        in.push_back(fromConst(*v.constant));
    }
    Num result;
    if (t == "Shape") {
        const Dims d = in.at(0).dims;
        const std::int64_t r = std::int64_t(d.size());
        auto norm = [r](std::int64_t v) { return std::clamp(v < 0 ? v + r : v, std::int64_t(0), r); };
        const std::int64_t b = norm(intAttribute(node, "start", 0)), e = norm(intAttribute(node, "end", r));
        result = ints({std::max<std::int64_t>(0, e - b)}, {d.begin() + b, d.begin() + std::max(b, e)});
    } else {
        result = evaluate(state, node, opset, in);
    }
    count(result.dims);
    state.values[node.output(0)] = Value{-1, 0, toConst(result, node.output(0))};
    return true;
}

} // namespace ioscope::onnximport
