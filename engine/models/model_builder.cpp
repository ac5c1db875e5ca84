#include "models/model_builder.h"

#include "graph/shape_inference.h"

#include <utility>

namespace ioscope {

Window makeWindow(int kh, int kw, int sh, int sw, int ph, int pw) {
    Window w;
    w.kh = kh, w.kw = kw, w.sh = sh, w.sw = sw, w.ph = ph, w.pw = pw;
    return w;
}

ModelBuilder::ModelBuilder(std::string modelName, Shape input) : graph_(std::move(modelName)) {
    Op op;
    op.name = "input";
    op.kind = OpKind::Input;
    op.inputShape = input;
    input_ = add(std::move(op));
}

OpId ModelBuilder::add(Op op) {
    // Shapes are inferred as ops arrive, so a generator mistake names the op at once.
    std::vector<Shape> inShapes;
    for (OpId in : op.inputs) inShapes.push_back(shape(in));
    inferShape(op, inShapes, "generator " + graph_.name());
    return graph_.addOp(std::move(op));
}

OpId ModelBuilder::conv(const std::string& name, std::vector<OpId> in, int outChannels, Window w,
                        Activation act) {
    Op op;
    op.name = name;
    op.kind = OpKind::Conv;
    op.inputs = std::move(in);
    op.outChannels = outChannels;
    op.window = w;
    op.activation = act;
    return add(std::move(op));
}

OpId ModelBuilder::reluSepConv(const std::string& name, std::vector<OpId> summedInputs, int outChannels,
                               int kernel, int stride) {
    Op op;
    op.name = name;
    op.kind = OpKind::SepConv;
    op.inputs = std::move(summedInputs);
    op.combine = Combine::Sum;
    op.preRelu = true;
    op.outChannels = outChannels;
    op.window = makeWindow(kernel, kernel, stride, stride, kernel / 2, kernel / 2);
    return add(std::move(op));
}

OpId ModelBuilder::reluConv(const std::string& name, OpId in, int outChannels, Window w) {
    Op act;
    act.name = name + "/relu";
    act.kind = OpKind::Activation;
    act.activation = Activation::Relu;
    Op cv;
    cv.name = name + "/conv";
    cv.kind = OpKind::Conv;
    cv.outChannels = outChannels;
    cv.window = w;
    Op op;
    op.name = name;
    op.kind = OpKind::Sequential;
    op.inputs = {in};
    op.body = {act, cv};
    return add(std::move(op));
}

namespace {
Op unary(const std::string& name, OpKind kind, OpId in) {
    Op op;
    op.name = name;
    op.kind = kind;
    op.inputs = {in};
    return op;
}
} // namespace

OpId ModelBuilder::maxPool(const std::string& name, OpId in, Window w) {
    Op op = unary(name, OpKind::MaxPool, in);
    op.window = w;
    return add(std::move(op));
}

OpId ModelBuilder::avgPool(const std::string& name, OpId in, Window w) {
    Op op = unary(name, OpKind::AvgPool, in);
    op.window = w;
    return add(std::move(op));
}

OpId ModelBuilder::globalAvgPool(const std::string& name, OpId in) {
    return add(unary(name, OpKind::GlobalAvgPool, in));
}

OpId ModelBuilder::relu(const std::string& name, OpId in) {
    Op op = unary(name, OpKind::Activation, in);
    op.activation = Activation::Relu;
    return add(std::move(op));
}

OpId ModelBuilder::concat(const std::string& name, std::vector<OpId> in) {
    Op op;
    op.name = name;
    op.kind = OpKind::Concat;
    op.inputs = std::move(in);
    return add(std::move(op));
}

OpId ModelBuilder::sum(const std::string& name, std::vector<OpId> in) {
    Op op;
    op.name = name;
    op.kind = OpKind::Identity;
    op.combine = Combine::Sum;
    op.inputs = std::move(in);
    return add(std::move(op));
}

OpId ModelBuilder::identity(const std::string& name, const std::vector<std::vector<OpId>>& terms) {
    bool allSingle = true;
    for (const auto& t : terms) allSingle = allSingle && t.size() == 1;
    if (terms.size() == 1) return sum(name, terms.front());
    std::vector<OpId> flat;
    for (const auto& t : terms) flat.insert(flat.end(), t.begin(), t.end());
    if (allSingle) return concat(name, std::move(flat));
    Op op;
    op.name = name;
    op.kind = OpKind::Identity;
    op.combine = Combine::Concat;
    op.inputs = std::move(flat);
    for (const auto& t : terms) op.sumTerms.push_back(static_cast<int>(t.size()));
    return add(std::move(op));
}

Graph ModelBuilder::finish() {
    graph_.finalize("generator " + graph_.name());
    return std::move(graph_);
}

} // namespace ioscope
