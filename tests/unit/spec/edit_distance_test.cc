#include "spec/edit_distance.h"

#include <gtest/gtest.h>

#include "spec/enum_names.h"

namespace slipway {
namespace {

TEST(EditDistanceTest, CountsInsertionsDeletionsSubstitutionsAndTranspositions) {
    EXPECT_EQ(edit_distance("", ""), 0u);
    EXPECT_EQ(edit_distance("abc", ""), 3u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("optimzer", "optimizer"), 1u);  // deletion
    EXPECT_EQ(edit_distance("trian", "train"), 1u);         // transposition
    EXPECT_EQ(edit_distance("lr", "lr"), 0u);
}

TEST(EditDistanceTest, ClosestMatchOnlySuggestsPlausibleTypos) {
    const std::vector<std::string> keys = {"name", "image", "data", "model", "train"};
    EXPECT_EQ(closest_match("trian", keys), "train");
    EXPECT_EQ(closest_match("Model", keys), "model");
    EXPECT_EQ(closest_match("resources", keys), std::nullopt);
    // Two letters are never "corrected" into a different two-letter key.
    EXPECT_EQ(closest_match("xy", {"lr"}), std::nullopt);
    EXPECT_EQ(did_you_mean_hint("imgae", keys), "did you mean 'image'?");
    EXPECT_EQ(did_you_mean_hint("zzzzzz", keys), "valid keys: name, image, data, model, train");
}

TEST(EnumNamesTest, ToStringSpellsValuesAsYamlDoes) {
    EXPECT_STREQ(to_string(Activation::kRelu), "relu");
    EXPECT_STREQ(to_string(Activation::kGelu), "gelu");
    EXPECT_STREQ(to_string(Activation::kTanh), "tanh");
    EXPECT_STREQ(to_string(LossKind::kAuto), "auto");
    EXPECT_STREQ(to_string(LossKind::kCrossEntropy), "cross_entropy");
    EXPECT_STREQ(to_string(LossKind::kMse), "mse");
    EXPECT_STREQ(to_string(InitScheme::kAuto), "auto");
    EXPECT_STREQ(to_string(InitScheme::kHe), "he");
    EXPECT_STREQ(to_string(InitScheme::kXavier), "xavier");
    EXPECT_STREQ(to_string(OptimizerKind::kSgd), "sgd");
    EXPECT_STREQ(to_string(OptimizerKind::kAdamW), "adamw");
    EXPECT_STREQ(to_string(ScheduleKind::kConstant), "constant");
    EXPECT_STREQ(to_string(ScheduleKind::kStep), "step");
    EXPECT_STREQ(to_string(ScheduleKind::kCosine), "cosine");
}

TEST(EnumNamesTest, ParseHelpersRoundTripToString) {
    for (const auto& entry : kActivationNames) {
        EXPECT_EQ(parse_activation(to_string(entry.value)), entry.value);
    }
    for (const auto& entry : kScheduleNames) {
        EXPECT_EQ(parse_schedule(to_string(entry.value)), entry.value);
    }
    EXPECT_EQ(parse_loss("cross_entropy"), LossKind::kCrossEntropy);
    EXPECT_EQ(parse_init("xavier"), InitScheme::kXavier);
    EXPECT_EQ(parse_optimizer("adamw"), OptimizerKind::kAdamW);
    EXPECT_EQ(parse_optimizer("AdamW"), std::nullopt);
    EXPECT_EQ(parse_activation("sigmoid"), std::nullopt);
}

}  // namespace
}  // namespace slipway
