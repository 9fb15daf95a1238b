#include <gtest/gtest.h>

#include "model/mlp_config.h"

namespace slipway {
namespace {

TEST(MlpConfig, LayoutIsWeightsThenBiasPerLayer) {
    MlpConfig config;
    config.inputs = 5;
    config.hidden = {4, 3};
    config.outputs = 3;
    const auto layout = parameter_layout(config);
    ASSERT_EQ(layout.size(), 3u);
    EXPECT_EQ(layout[0].in, 5);
    EXPECT_EQ(layout[0].out, 4);
    EXPECT_EQ(layout[0].weight_offset, 0u);
    EXPECT_EQ(layout[0].bias_offset, 20u);
    EXPECT_EQ(layout[1].in, 4);
    EXPECT_EQ(layout[1].out, 3);
    EXPECT_EQ(layout[1].weight_offset, 24u);
    EXPECT_EQ(layout[1].bias_offset, 36u);
    EXPECT_EQ(layout[2].weight_offset, 39u);
    EXPECT_EQ(layout[2].bias_offset, 48u);
    EXPECT_EQ(parameter_count(config), 51u);
}

TEST(MlpConfig, CountOfTheReferenceNet) {
    MlpConfig config;
    config.inputs = 784;
    config.hidden = {256, 256};
    config.outputs = 10;
    EXPECT_EQ(parameter_count(config), 784u * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10);
}

TEST(MlpConfig, NoHiddenLayersIsLinear) {
    MlpConfig config;
    config.inputs = 3;
    config.hidden = {};
    config.outputs = 2;
    ASSERT_EQ(parameter_layout(config).size(), 1u);
    EXPECT_EQ(parameter_count(config), 8u);
}

TEST(MlpConfig, Signature) {
    MlpConfig config;
    config.inputs = 784;
    config.hidden = {256, 256};
    config.outputs = 10;
    config.dropout = 0.1;
    EXPECT_EQ(model_signature(config),
              "mlp 784-256-256-10 act=relu dropout=0.1 loss=cross_entropy");
    config.hidden = {};
    config.activation = Activation::kGelu;
    config.dropout = 0;
    config.loss = LossKind::kMse;
    EXPECT_EQ(model_signature(config), "mlp 784-10 act=gelu dropout=0 loss=mse");
    config.activation = Activation::kTanh;
    config.dropout = 0.25;
    EXPECT_EQ(model_signature(config), "mlp 784-10 act=tanh dropout=0.25 loss=mse");
}

}  // namespace
}  // namespace slipway
