// read_exported_model(): what slipway exports reads back exactly; any other graph is refused
// with an error that names the node.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <string>

#include "export/exported_model.h"
#include "export/onnx_graph.h"
#include "export_test_util.h"
#include "temp_dir.h"

namespace slipway {
namespace {

using testing::distinct_parameters;
using testing::graph_source;
using ::testing::HasSubstr;
using testing::small_mlp;

std::string serialized(const onnx::ModelProto& model) {
    std::string bytes;
    EXPECT_TRUE(model.SerializeToString(&bytes));
    return bytes;
}

onnx::ModelProto exported(Activation activation, LossKind loss = LossKind::kCrossEntropy,
                          bool standardize = true) {
    const MlpConfig config = small_mlp(activation, loss);
    const auto parameters = distinct_parameters(config);
    return build_onnx_model(graph_source(config, parameters, standardize));
}

Error refusal(const onnx::ModelProto& model) {
    auto read = parse_exported_model(serialized(model), "m.onnx");
    EXPECT_FALSE(read.ok());
    return read.ok() ? Error{} : read.error();
}

// `node` inserted before node `index`.
onnx::ModelProto with_node_at(onnx::ModelProto model, int index, const onnx::NodeProto& node) {
    auto* nodes = model.mutable_graph()->mutable_node();
    *nodes->Add() = node;
    for (int i = nodes->size() - 1; i > index; --i) nodes->SwapElements(i, i - 1);
    return model;
}

TEST(ReadExportedModel, RoundTripsEveryActivationLossAndNormalisation) {
    for (Activation activation : {Activation::kRelu, Activation::kGelu, Activation::kTanh}) {
        for (LossKind loss : {LossKind::kCrossEntropy, LossKind::kMse}) {
            for (bool standardize : {false, true}) {
                const MlpConfig config = small_mlp(activation, loss);
                const auto parameters = distinct_parameters(config);
                const auto source = graph_source(config, parameters, standardize);
                auto read = parse_exported_model(serialized(build_onnx_model(source)), "m.onnx");
                ASSERT_TRUE(read.ok()) << read.error().message();
                MlpConfig expected = config;
                expected.dropout = 0.0;  // inference
                EXPECT_EQ(model_signature(read->config), model_signature(expected));
                EXPECT_EQ(read->config.inputs, 5);
                EXPECT_EQ(read->config.hidden, (std::vector<int>{6, 4}));
                EXPECT_EQ(read->parameters, parameters);
                EXPECT_EQ(read->standardizes(), standardize);
                EXPECT_EQ(read->feature_mean, source.feature_mean);
                EXPECT_EQ(read->feature_divisor, source.feature_divisor);
                EXPECT_EQ(read->class_names, source.class_names);
                EXPECT_EQ(read->input_name, "features");
                EXPECT_EQ(read->is_classification(), loss == LossKind::kCrossEntropy);
                EXPECT_EQ(read->output_names,
                          loss == LossKind::kCrossEntropy
                              ? (std::vector<std::string>{"logits", "probabilities"})
                              : (std::vector<std::string>{"predictions"}));
            }
        }
    }
}

TEST(ReadExportedModel, ReadsAFileAndNamesAMissingOne) {
    testing::TempDir dir;
    const std::string path = dir.file("model.onnx");
    std::ofstream(path, std::ios::binary) << serialized(exported(Activation::kGelu));
    auto read = read_exported_model(path);
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_EQ(read->config.activation, Activation::kGelu);

    auto missing = read_exported_model(dir.file("nope.onnx"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ExitCode::kBadCheckpoint);
    EXPECT_THAT(missing.error().message(), HasSubstr("nope.onnx: cannot open the model file"));
}

TEST(ReadExportedModel, RefusesAForeignOperatorNamingTheNode) {
    onnx::NodeProto conv;
    conv.set_op_type("Conv");
    conv.set_name("conv1");
    conv.add_input("standardize/out");
    conv.add_output("conv1/out");
    const Error error = refusal(with_node_at(exported(Activation::kRelu), 3, conv));
    EXPECT_EQ(error.code, ExitCode::kBadCheckpoint);
    EXPECT_THAT(error.message(),
                HasSubstr("m.onnx: unsupported operator 'Conv' at node 3 (name 'conv1'): "
                          "slipway-serve runs only the graphs slipway-train exports"));
}

TEST(ReadExportedModel, RefusesOperatorsOfOtherDomains) {
    onnx::ModelProto model = exported(Activation::kRelu);
    model.mutable_graph()->mutable_node(3)->set_domain("com.microsoft");
    EXPECT_THAT(refusal(model).message(),
                HasSubstr("unsupported operator 'com.microsoft::Relu' at node 3"));
}

TEST(ReadExportedModel, RefusesKnownOperatorsWiredDifferently) {
    {  // a Relu where the second layer has a gelu's first Mul
        onnx::ModelProto model = exported(Activation::kGelu, LossKind::kCrossEntropy, false);
        onnx::NodeProto& node = *model.mutable_graph()->mutable_node(11);
        ASSERT_EQ(node.name(), "hidden1/gelu/mul_c");
        node.set_op_type("Relu");
        node.clear_input();
        node.add_input("hidden1/linear");
        EXPECT_THAT(refusal(model).message(), HasSubstr("changes the activation"));
    }
    {  // a gelu constant off by one ulp
        onnx::ModelProto model = exported(Activation::kGelu, LossKind::kCrossEntropy, false);
        for (auto& tensor : *model.mutable_graph()->mutable_initializer()) {
            if (tensor.name() != "gelu.k") continue;
            float k;
            std::memcpy(&k, tensor.raw_data().data(), sizeof(float));
            k = std::nextafter(k, 1.0f);
            tensor.set_raw_data(&k, sizeof(float));
        }
        EXPECT_THAT(refusal(model).message(),
                    HasSubstr("node 5 (name 'hidden0/gelu/mul_k', Mul) uses the constant"));
    }
    {  // Gemm without transB
        onnx::ModelProto model = exported(Activation::kRelu, LossKind::kCrossEntropy, false);
        model.mutable_graph()->mutable_node(0)->clear_attribute();
        EXPECT_THAT(refusal(model).message(),
                    HasSubstr("node 0 (name 'hidden0/gemm', Gemm) lacks transB=1"));
    }
    {  // a node that reads the wrong tensor
        onnx::ModelProto model = exported(Activation::kTanh, LossKind::kCrossEntropy, false);
        model.mutable_graph()->mutable_node(2)->set_input(0, "features");
        EXPECT_THAT(refusal(model).message(),
                    HasSubstr("node 2 (name 'hidden1/gemm', Gemm) reads 'features' as input 0"));
    }
    {  // Softmax over the batch
        onnx::ModelProto model = exported(Activation::kRelu);
        auto& softmax = *model.mutable_graph()->mutable_node(model.graph().node_size() - 1);
        softmax.mutable_attribute(0)->set_i(0);
        EXPECT_THAT(refusal(model).message(), HasSubstr("other than axis=1"));
    }
    {  // an extra graph output
        onnx::ModelProto model = exported(Activation::kRelu);
        *model.mutable_graph()->add_output() = model.graph().output(0);
        EXPECT_THAT(refusal(model).message(), HasSubstr("the graph's outputs are not"));
    }
}

TEST(ReadExportedModel, RefusesUnknownOpsetsAndFormats) {
    onnx::ModelProto model = exported(Activation::kRelu);
    model.mutable_opset_import(0)->set_version(21);
    EXPECT_THAT(refusal(model).message(), HasSubstr("imports opset 21; slipway reads opsets"));

    model = exported(Activation::kRelu);
    for (auto& entry : *model.mutable_metadata_props()) {
        if (entry.key() == "slipway.format") entry.set_value("slipway-mlp 2");
    }
    EXPECT_THAT(refusal(model).message(), HasSubstr("format is 'slipway-mlp 2'"));
}

TEST(ReadExportedModel, RefusesBytesThatAreNoOnnxModel) {
    auto read = parse_exported_model("\x08\x01garbage\xff\xff\xff", "m.onnx");
    ASSERT_FALSE(read.ok());
    EXPECT_THAT(read.error().message(), HasSubstr("not an ONNX model"));
    auto empty = parse_exported_model("", "m.onnx");
    ASSERT_FALSE(empty.ok());  // parses as an empty ModelProto: no opset
    EXPECT_THAT(empty.error().message(), HasSubstr("imports no opset"));
}

TEST(ReadExportedModel, RefusesAWeightOfTheWrongShape) {
    onnx::ModelProto model = exported(Activation::kRelu, LossKind::kCrossEntropy, false);
    for (auto& tensor : *model.mutable_graph()->mutable_initializer()) {
        if (tensor.name() == "hidden1.bias") tensor.set_dims(0, 5);
    }
    EXPECT_THAT(refusal(model).message(),
                HasSubstr("initializer 'hidden1.bias' has shape [5], which does not fit"));
}

}  // namespace
}  // namespace slipway
