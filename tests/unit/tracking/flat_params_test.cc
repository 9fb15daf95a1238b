#include "tracking/flat_params.h"

#include <gtest/gtest.h>

namespace slipway::tracking {
namespace {

TEST(FlatParamsTest, JoinsKeysWithDotsAndWritesLeavesAsJson) {
    const nlohmann::json recipe = {
        {"model", {{"hidden", {256, 128}}, {"activation", "relu"}}},
        {"train", {{"optimizer", {{"lr", 0.05}, {"nesterov", false}}}, {"epochs", 3}}},
    };
    const auto params = flat_params(recipe);
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"model.activation", "relu"},
        {"model.hidden", "[256,128]"},
        {"train.epochs", "3"},
        {"train.optimizer.lr", "0.05"},
        {"train.optimizer.nesterov", "false"},
    };
    EXPECT_EQ(params, expected);
}

TEST(FlatParamsTest, LongValuesAreCut) {
    const auto params = flat_params({{"data", {{"path", std::string(800, 'p')}}}}, 500);
    ASSERT_EQ(params.size(), 1u);
    EXPECT_EQ(params[0].second.size(), 500u);
}

}  // namespace
}  // namespace slipway::tracking
