#pragma once
// Writes small ONNX models with the protobuf API for the import tests.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace onnxtest {

inline void setDims(onnx::ValueInfoProto* vi, const std::string& name,
                    const std::vector<std::int64_t>& dims) {
    vi->set_name(name);
    auto* tensor = vi->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = tensor->mutable_shape();
    for (auto d : dims) {
        auto* dim = shape->add_dim();
        if (d < 0)
            dim->set_dim_param("N");
        else
            dim->set_dim_value(d);
    }
}

// Deterministic small values: the i-th of a tensor named by `salt`.
inline std::vector<float> values(std::int64_t count, int salt) {
    std::vector<float> v;
    for (std::int64_t i = 0; i < count; ++i)
        v.push_back(static_cast<float>(((i * 37 + salt * 11) % 17) - 8) / 16.0f);
    return v;
}

struct ModelBuilder {
    onnx::ModelProto model;
    onnx::GraphProto* graph;

    ModelBuilder(const ModelBuilder& other) : model(other.model), graph(model.mutable_graph()) {}
    ModelBuilder& operator=(const ModelBuilder&) = delete;

    explicit ModelBuilder(std::vector<std::int64_t> inputDims = {1, 3, 8, 8}, int opset = 17) {
        model.set_ir_version(8);
        model.set_producer_name("ioscope-tests");
        auto* o = model.add_opset_import();
        o->set_domain("");
        o->set_version(opset);
        graph = model.mutable_graph();
        graph->set_name("test");
        setDims(graph->add_input(), "x", inputDims);
    }

    onnx::NodeProto* node(const std::string& type, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name = {}) {
        auto* n = graph->add_node();
        n->set_op_type(type);
        n->set_name(name.empty() ? type + "_" + std::to_string(graph->node_size()) : name);
        for (const auto& i : inputs) n->add_input(i);
        for (const auto& o : outputs) n->add_output(o);
        return n;
    }
    static void attr(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(v);
    }
    static void attr(onnx::NodeProto* n, const std::string& name, float v) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::FLOAT);
        a->set_f(v);
    }
    static void attr(onnx::NodeProto* n, const std::string& name, const std::vector<std::int64_t>& v) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INTS);
        for (auto x : v) a->add_ints(x);
    }
    static void attr(onnx::NodeProto* n, const std::string& name, const std::string& v) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::STRING);
        a->set_s(v);
    }

    onnx::TensorProto* init(const std::string& name, const std::vector<std::int64_t>& dims,
                            const std::vector<float>& data) {
        auto* t = graph->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        for (auto d : dims) t->add_dims(d);
        t->set_raw_data(std::string(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float)));
        return t;
    }
    onnx::TensorProto* init(const std::string& name, const std::vector<std::int64_t>& dims, int salt) {
        std::int64_t n = 1;
        for (auto d : dims) n *= d;
        return init(name, dims, values(n, salt));
    }
    void initInts(const std::string& name, const std::vector<std::int64_t>& ints) {
        auto* t = graph->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::INT64);
        t->add_dims(static_cast<std::int64_t>(ints.size()));
        for (auto v : ints) t->add_int64_data(v);
    }
    // An initializer whose data lives at `offset` of the external file `location`.
    void external(const std::string& name, const std::vector<std::int64_t>& dims, const std::string& location,
                  std::int64_t offset) {
        auto* t = graph->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        std::int64_t n = 1;
        for (auto d : dims) t->add_dims(d), n *= d;
        t->set_data_location(onnx::TensorProto::EXTERNAL);
        auto add = [&](const char* k, const std::string& v) {
            auto* e = t->add_external_data();
            e->set_key(k);
            e->set_value(v);
        };
        add("location", location);
        add("offset", std::to_string(offset));
        add("length", std::to_string(n * 4));
    }
    // Conv with weights W<name> [cout, cin/group, k, k] and bias B<name>.
    onnx::NodeProto* conv(const std::string& in, const std::string& out, int cin, int cout, int k, int pad,
                          int group = 1, int salt = 1) {
        init("W" + out, {cout, cin / group, k, k}, salt);
        init("B" + out, {cout}, salt + 1);
        auto* n = node("Conv", {in, "W" + out, "B" + out}, {out}, "conv_" + out);
        attr(n, "kernel_shape", std::vector<std::int64_t>{k, k});
        if (group != 1) attr(n, "group", std::int64_t{group});
        attr(n, "pads", std::vector<std::int64_t>{pad, pad, pad, pad}); // last: tests replace it
        return n;
    }
    void output(const std::string& name, const std::vector<std::int64_t>& dims) {
        setDims(graph->add_output(), name, dims);
    }
    void valueInfo(const std::string& name, const std::vector<std::int64_t>& dims) {
        setDims(graph->add_value_info(), name, dims);
    }

    std::string bytes() const { return model.SerializeAsString(); }
    void save(const std::string& path) const {
        std::ofstream f(path, std::ios::binary);
        const std::string b = bytes();
        f.write(b.data(), static_cast<std::streamsize>(b.size()));
    }
};

} // namespace onnxtest
