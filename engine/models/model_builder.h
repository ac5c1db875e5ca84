#pragma once
// A small vocabulary for writing the bundled networks the way the IOS paper's code defines them
// (conv with fused ReLU, ReLU-separable convs, pools, identity sums/concats), with shapes known
// as ops are added so generators can make shape-dependent choices (SqueezeNet's bypass).
#include "graph/graph.h"

#include <string>
#include <vector>

namespace ioscope {

// Kernel kh x kw, stride sh x sw, padding ph x pw.
Window makeWindow(int kh, int kw, int sh = 1, int sw = 1, int ph = 0, int pw = 0);

class ModelBuilder {
  public:
    ModelBuilder(std::string modelName, Shape input);

    OpId input() const { return input_; }
    const Shape& shape(OpId id) const { return graph_.op(id).out; }

    // Convolution with bias and fused activation (IOS default: ReLU).
    OpId conv(const std::string& name, std::vector<OpId> in, int outChannels, Window w,
              Activation act = Activation::Relu);
    // ReLU, then a depthwise kxk and a pointwise 1x1 conv: one scheduling unit (IOS relu_sep_conv).
    OpId reluSepConv(const std::string& name, std::vector<OpId> summedInputs, int outChannels, int kernel,
                     int stride);
    // ReLU, then a conv without activation: a sequential unit (IOS relu_conv).
    OpId reluConv(const std::string& name, OpId in, int outChannels, Window w);
    OpId maxPool(const std::string& name, OpId in, Window w);
    OpId avgPool(const std::string& name, OpId in, Window w);
    OpId globalAvgPool(const std::string& name, OpId in);
    OpId relu(const std::string& name, OpId in);
    OpId concat(const std::string& name, std::vector<OpId> in);
    OpId sum(const std::string& name, std::vector<OpId> in); // an identity summing its inputs
    // IOS identity: each term summed, the terms concatenated. Degenerates to concat() when every
    // term has one value and to sum() when there is a single term.
    OpId identity(const std::string& name, const std::vector<std::vector<OpId>>& terms);

    // Validates the whole graph (Graph::finalize) and hands it over.
    Graph finish();

  private:
    OpId add(Op op);

    Graph graph_;
    OpId input_ = -1;
};

} // namespace ioscope
