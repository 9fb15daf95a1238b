#include "export/onnx_graph.h"

#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "export/graph_names.h"
#include "export/onnx_tensor.h"

namespace slipway {
namespace {

using namespace export_graph;

onnx::NodeProto& add_node(onnx::GraphProto& graph, const std::string& op,
                          std::initializer_list<std::string> inputs, const std::string& output,
                          const std::string& name) {
    onnx::NodeProto& node = *graph.add_node();
    node.set_op_type(op);
    node.set_name(name);
    for (const std::string& input : inputs) node.add_input(input);
    node.add_output(output);
    return node;
}

void add_int_attribute(onnx::NodeProto& node, const std::string& name, int64_t value) {
    onnx::AttributeProto& attribute = *node.add_attribute();
    attribute.set_name(name);
    attribute.set_type(onnx::AttributeProto::INT);
    attribute.set_i(value);
}

void add_scalar(onnx::GraphProto& graph, const std::string& name, float value) {
    set_float_tensor(*graph.add_initializer(), name, {}, std::span<const float>(&value, 1));
}

// gelu(x) in the kernels' order of operations (graph_names.h); returns the output's name.
std::string add_gelu(onnx::GraphProto& graph, const std::string& x, const std::string& prefix) {
    const std::string p = prefix + "/gelu/";
    add_node(graph, "Mul", {"gelu.c", x}, p + "cx", p + "mul_c");
    add_node(graph, "Mul", {p + "cx", x}, p + "cx2", p + "mul_x1");
    add_node(graph, "Mul", {p + "cx2", x}, p + "cx3", p + "mul_x2");
    add_node(graph, "Add", {x, p + "cx3"}, p + "inner", p + "add_x");
    add_node(graph, "Mul", {"gelu.k", p + "inner"}, p + "scaled", p + "mul_k");
    add_node(graph, "Tanh", {p + "scaled"}, p + "tanh", p + "tanh");
    add_node(graph, "Add", {"gelu.one", p + "tanh"}, p + "one_plus", p + "add_one");
    add_node(graph, "Mul", {"gelu.half", x}, p + "half_x", p + "mul_half");
    add_node(graph, "Mul", {p + "half_x", p + "one_plus"}, prefix + "/out", p + "mul_out");
    return prefix + "/out";
}

std::string add_activation(onnx::GraphProto& graph, Activation activation, const std::string& x,
                           const std::string& prefix) {
    switch (activation) {
        case Activation::kRelu:
            add_node(graph, "Relu", {x}, prefix + "/out", prefix + "/relu");
            return prefix + "/out";
        case Activation::kTanh:
            add_node(graph, "Tanh", {x}, prefix + "/out", prefix + "/tanh");
            return prefix + "/out";
        case Activation::kGelu:
            return add_gelu(graph, x, prefix);
    }
    throw std::invalid_argument("build_onnx_model: unknown activation");
}

void check_source(const GraphSource& source) {
    const MlpConfig& config = source.config;
    if (source.parameters.size() != parameter_count(config)) {
        throw std::invalid_argument(
            "build_onnx_model: " + std::to_string(source.parameters.size()) + " parameters for " +
            model_signature(config));
    }
    const auto inputs = static_cast<size_t>(config.inputs);
    if (!source.feature_mean.empty() &&
        (source.feature_mean.size() != inputs || source.feature_divisor.size() != inputs)) {
        throw std::invalid_argument("build_onnx_model: normalisation sizes do not match inputs");
    }
    if (config.loss != LossKind::kCrossEntropy && config.loss != LossKind::kMse) {
        throw std::invalid_argument("build_onnx_model: the loss must be resolved");
    }
}

}  // namespace

std::vector<float> standardization_divisors(std::span<const float> feature_std) {
    std::vector<float> divisors(feature_std.size());
    for (size_t f = 0; f < feature_std.size(); ++f) {
        const bool usable = std::isfinite(feature_std[f]) && feature_std[f] >= 1e-6f;
        divisors[f] = usable ? feature_std[f] : 1.0f;
    }
    return divisors;
}

onnx::ModelProto build_onnx_model(const GraphSource& source) {
    check_source(source);
    const MlpConfig& config = source.config;
    onnx::ModelProto model;
    model.set_ir_version(onnx::IR_VERSION);
    model.set_producer_name("slipway");
    model.set_producer_version(SLIPWAY_VERSION);
    model.set_model_version(1);
    model.set_doc_string(source.doc);
    onnx::OperatorSetIdProto& opset = *model.add_opset_import();
    opset.set_domain("");
    opset.set_version(kOpset);
    auto add_meta = [&](const std::string& key, const std::string& value) {
        onnx::StringStringEntryProto& entry = *model.add_metadata_props();
        entry.set_key(key);
        entry.set_value(value);
    };
    add_meta(kMetaFormat, kFormatName);
    add_meta(kMetaSignature, model_signature(config));
    add_meta(kMetaClassNames, nlohmann::json(source.class_names).dump());

    onnx::GraphProto& graph = *model.mutable_graph();
    graph.set_name(source.graph_name);
    set_batch_value_info(*graph.add_input(), kInput, config.inputs);

    std::string current = kInput;
    if (!source.feature_mean.empty()) {
        const auto width = static_cast<int64_t>(config.inputs);
        set_float_tensor(*graph.add_initializer(), "feature_mean", {width}, source.feature_mean);
        set_float_tensor(*graph.add_initializer(), "feature_std", {width}, source.feature_divisor);
        add_node(graph, "Sub", {current, "feature_mean"}, "standardize/centred", "standardize/sub");
        add_node(graph, "Div", {"standardize/centred", "feature_std"}, "standardize/out",
                 "standardize/div");
        current = "standardize/out";
    }
    if (config.activation == Activation::kGelu && !config.hidden.empty()) {
        add_scalar(graph, "gelu.c", kGeluC);
        add_scalar(graph, "gelu.k", kGeluK);
        add_scalar(graph, "gelu.one", kOne);
        add_scalar(graph, "gelu.half", kHalf);
    }

    const std::vector<LayerSlot> layers = parameter_layout(config);
    const bool classification = config.loss == LossKind::kCrossEntropy;
    for (size_t l = 0; l < layers.size(); ++l) {
        const LayerSlot& layer = layers[l];
        const bool last = l + 1 == layers.size();
        const std::string prefix = last ? "output" : "hidden" + std::to_string(l);
        const size_t weights = static_cast<size_t>(layer.out) * static_cast<size_t>(layer.in);
        set_float_tensor(*graph.add_initializer(), prefix + ".weight", {layer.out, layer.in},
                         source.parameters.subspan(layer.weight_offset, weights));
        set_float_tensor(
            *graph.add_initializer(), prefix + ".bias", {layer.out},
            source.parameters.subspan(layer.bias_offset, static_cast<size_t>(layer.out)));
        const std::string linear =
            last ? (classification ? kLogits : kPredictions) : prefix + "/linear";
        onnx::NodeProto& gemm =
            add_node(graph, "Gemm", {current, prefix + ".weight", prefix + ".bias"}, linear,
                     prefix + "/gemm");
        add_int_attribute(gemm, "transB", 1);  // W is [out, in]: y = x W^T + b
        current = last ? linear : add_activation(graph, config.activation, linear, prefix);
    }
    if (classification) {
        onnx::NodeProto& softmax =
            add_node(graph, "Softmax", {kLogits}, kProbabilities, "output/softmax");
        add_int_attribute(softmax, "axis", 1);
        set_batch_value_info(*graph.add_output(), kLogits, config.outputs);
        set_batch_value_info(*graph.add_output(), kProbabilities, config.outputs);
    } else {
        set_batch_value_info(*graph.add_output(), kPredictions, config.outputs);
    }
    return model;
}

}  // namespace slipway
