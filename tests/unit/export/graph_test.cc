// The ONNX graph built from an MLP: valid for ONNX's checker, the operators and tensor names
// clients rely on, the weights where they belong, and gelu spelt as the kernels compute it.
#include <gtest/gtest.h>
#include <onnx/checker.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "export/graph_names.h"
#include "export/onnx_graph.h"
#include "export/onnx_tensor.h"
#include "export_test_util.h"
#include "model/cpu/kernels.h"

namespace slipway {
namespace {

using testing::distinct_parameters;
using testing::graph_source;
using testing::small_mlp;

std::vector<std::string> op_types(const onnx::ModelProto& model) {
    std::vector<std::string> ops;
    for (const auto& node : model.graph().node()) ops.push_back(node.op_type());
    return ops;
}

std::map<std::string, const onnx::TensorProto*> initializers(const onnx::ModelProto& model) {
    std::map<std::string, const onnx::TensorProto*> out;
    for (const auto& tensor : model.graph().initializer()) out[tensor.name()] = &tensor;
    return out;
}

std::vector<float> values(const onnx::TensorProto& tensor) {
    auto read = export_graph::read_float_tensor(tensor, "test");
    EXPECT_TRUE(read.ok()) << read.error().message();
    return read.ok() ? *read : std::vector<float>{};
}

TEST(OnnxGraph, PassesTheOnnxCheckerForEveryActivationAndLoss) {
    for (Activation activation : {Activation::kRelu, Activation::kGelu, Activation::kTanh}) {
        for (LossKind loss : {LossKind::kCrossEntropy, LossKind::kMse}) {
            for (bool standardize : {false, true}) {
                const MlpConfig config = small_mlp(activation, loss);
                const auto parameters = distinct_parameters(config);
                const auto model = build_onnx_model(graph_source(config, parameters, standardize));
                EXPECT_NO_THROW(onnx::checker::check_model(model)) << model_signature(config);
                EXPECT_EQ(model.opset_import_size(), 1);
                EXPECT_EQ(model.opset_import(0).version(), export_graph::kOpset);
                EXPECT_EQ(model.ir_version(), onnx::IR_VERSION);
            }
        }
    }
}

TEST(OnnxGraph, ReluClassifierWithStandardisationHasTheDocumentedOperators) {
    const MlpConfig config = small_mlp(Activation::kRelu);
    const auto parameters = distinct_parameters(config);
    const auto model = build_onnx_model(graph_source(config, parameters, true));
    EXPECT_EQ(op_types(model), (std::vector<std::string>{"Sub", "Div", "Gemm", "Relu", "Gemm",
                                                         "Relu", "Gemm", "Softmax"}));
    const auto& graph = model.graph();
    ASSERT_EQ(graph.input_size(), 1);
    EXPECT_EQ(graph.input(0).name(), "features");
    const auto& shape = graph.input(0).type().tensor_type().shape();
    ASSERT_EQ(shape.dim_size(), 2);
    EXPECT_EQ(shape.dim(0).dim_param(), "batch");  // dynamic batch
    EXPECT_EQ(shape.dim(1).dim_value(), 5);
    ASSERT_EQ(graph.output_size(), 2);
    EXPECT_EQ(graph.output(0).name(), "logits");
    EXPECT_EQ(graph.output(1).name(), "probabilities");
    EXPECT_EQ(graph.output(1).type().tensor_type().shape().dim(1).dim_value(), 3);
    const auto& softmax = graph.node(graph.node_size() - 1);
    ASSERT_EQ(softmax.attribute_size(), 1);
    EXPECT_EQ(softmax.attribute(0).name(), "axis");
    EXPECT_EQ(softmax.attribute(0).i(), 1);
}

TEST(OnnxGraph, MseModelEndsInPredictionsWithoutSoftmax) {
    const MlpConfig config = small_mlp(Activation::kTanh, LossKind::kMse);
    const auto parameters = distinct_parameters(config);
    const auto model = build_onnx_model(graph_source(config, parameters, false));
    EXPECT_EQ(op_types(model), (std::vector<std::string>{"Gemm", "Tanh", "Gemm", "Tanh", "Gemm"}));
    ASSERT_EQ(model.graph().output_size(), 1);
    EXPECT_EQ(model.graph().output(0).name(), "predictions");
    EXPECT_EQ(model.graph().output(0).type().tensor_type().shape().dim(1).dim_value(), 2);
}

TEST(OnnxGraph, WeightsAndBiasesComeFromTheParameterLayout) {
    const MlpConfig config = small_mlp(Activation::kRelu);
    const auto parameters = distinct_parameters(config);
    const auto model = build_onnx_model(graph_source(config, parameters, false));
    const auto tensors = initializers(model);
    const auto layout = parameter_layout(config);
    const std::vector<std::string> names = {"hidden0", "hidden1", "output"};
    for (size_t l = 0; l < layout.size(); ++l) {
        const onnx::TensorProto& weight = *tensors.at(names[l] + ".weight");
        ASSERT_EQ(weight.dims_size(), 2);
        EXPECT_EQ(weight.dims(0), layout[l].out);  // [out, in], Gemm transB=1
        EXPECT_EQ(weight.dims(1), layout[l].in);
        const auto w = values(weight);
        const auto b = values(*tensors.at(names[l] + ".bias"));
        ASSERT_EQ(b.size(), static_cast<size_t>(layout[l].out));
        for (size_t i = 0; i < w.size(); ++i) {
            ASSERT_EQ(w[i], parameters[layout[l].weight_offset + i]);
        }
        for (size_t i = 0; i < b.size(); ++i) {
            ASSERT_EQ(b[i], parameters[layout[l].bias_offset + i]);
        }
    }
    for (const auto& node : model.graph().node()) {
        if (node.op_type() != "Gemm") continue;
        ASSERT_EQ(node.attribute_size(), 1);
        EXPECT_EQ(node.attribute(0).name(), "transB");
        EXPECT_EQ(node.attribute(0).i(), 1);
    }
}

TEST(OnnxGraph, StandardisationUsesTheTrainersDivisors) {
    // std 0 and 1e-8 are unusable: the trainer only centres those features (divisor 1).
    EXPECT_EQ(standardization_divisors(testing::kStd),
              (std::vector<float>{2.0f, 1.0f, 4.0f, 1.0f, 0.5f}));
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    EXPECT_EQ(standardization_divisors(std::vector<float>{nan, inf, -2.0f, 1e-6f}),
              (std::vector<float>{1.0f, 1.0f, 1.0f, 1e-6f}));
    const MlpConfig config = small_mlp(Activation::kRelu);
    const auto parameters = distinct_parameters(config);
    const auto model = build_onnx_model(graph_source(config, parameters, true));
    const auto tensors = initializers(model);
    EXPECT_EQ(values(*tensors.at("feature_mean")), testing::kMean);
    EXPECT_EQ(values(*tensors.at("feature_std")), standardization_divisors(testing::kStd));
}

TEST(OnnxGraph, GeluNodesComputeTheKernelsGeluBitForBit) {
    const MlpConfig config = small_mlp(Activation::kGelu);
    const auto parameters = distinct_parameters(config);
    const auto model = build_onnx_model(graph_source(config, parameters, false));
    const std::vector<std::string> gelu = {"Mul",  "Mul", "Mul", "Add", "Mul",
                                           "Tanh", "Add", "Mul", "Mul"};
    std::vector<std::string> expected = {"Gemm"};
    expected.insert(expected.end(), gelu.begin(), gelu.end());
    expected.push_back("Gemm");
    expected.insert(expected.end(), gelu.begin(), gelu.end());
    expected.insert(expected.end(), {"Gemm", "Softmax"});
    EXPECT_EQ(op_types(model), expected);

    // Evaluates the graph's first gelu node by node in float, as onnxruntime does elementwise,
    // with the constants the graph holds, and compares with the CPU kernel's gelu.
    const auto tensors = initializers(model);
    auto scalar = [&](const std::string& name) { return values(*tensors.at(name)).at(0); };
    const float c = scalar("gelu.c"), k = scalar("gelu.k"), one = scalar("gelu.one"),
                half = scalar("gelu.half");
    for (float x = -8.0f; x <= 8.0f; x += 0.013f) {
        const float cx = c * x, cx2 = cx * x, cx3 = cx2 * x, inner = x + cx3, scaled = k * inner;
        const float y = (half * x) * (one + std::tanh(scaled));
        const float kernel = cpu::gelu(x);
        ASSERT_EQ(std::memcmp(&y, &kernel, sizeof(float)), 0) << "x=" << x;
    }
}

TEST(OnnxGraph, MetadataNamesTheFormatSignatureAndClasses) {
    const MlpConfig config = small_mlp(Activation::kTanh);
    const auto parameters = distinct_parameters(config);
    const auto model = build_onnx_model(graph_source(config, parameters, false));
    std::map<std::string, std::string> meta;
    for (const auto& entry : model.metadata_props()) meta[entry.key()] = entry.value();
    EXPECT_EQ(meta.at("slipway.format"), "slipway-mlp 1");
    EXPECT_EQ(meta.at("slipway.model_signature"), model_signature(config));
    EXPECT_EQ(meta.at("slipway.class_names"), "[\"cat\",\"dog\",\"\xc3\xa9l\"]");
    EXPECT_EQ(model.producer_name(), "slipway");
}

TEST(OnnxGraph, SizesThatDoNotMatchTheConfigAreRefused) {
    const MlpConfig config = small_mlp(Activation::kRelu);
    auto parameters = distinct_parameters(config);
    parameters.pop_back();
    EXPECT_THROW(build_onnx_model(graph_source(config, parameters, false)), std::invalid_argument);
}

}  // namespace
}  // namespace slipway
