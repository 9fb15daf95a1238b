#include "data/dataset.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace slipway {
namespace {

Split make_split(std::vector<float> x, size_t rows, size_t features) {
    Split split;
    split.x = std::move(x);
    split.rows = rows;
    split.features = features;
    return split;
}

TEST(FeatureStatsTest, MeanAndPopulationStd) {
    const Split split = make_split({1, 10, 3, 10, 5, 10}, 3, 2);
    std::vector<float> mean, stddev;
    compute_feature_stats(split, mean, stddev);
    ASSERT_EQ(mean.size(), 2u);
    EXPECT_FLOAT_EQ(mean[0], 3.0f);
    EXPECT_FLOAT_EQ(mean[1], 10.0f);
    EXPECT_FLOAT_EQ(stddev[0], std::sqrt(8.0f / 3.0f));
    EXPECT_FLOAT_EQ(stddev[1], 0.0f);
}

TEST(FeatureStatsTest, LargeMeanKeepsItsVariance) {
    // A one-pass sum of squares in float would lose this variance entirely.
    const Split split = make_split({1e6f + 1, 1e6f - 1, 1e6f + 1, 1e6f - 1}, 4, 1);
    std::vector<float> mean, stddev;
    compute_feature_stats(split, mean, stddev);
    EXPECT_FLOAT_EQ(mean[0], 1e6f);
    EXPECT_FLOAT_EQ(stddev[0], 1.0f);
}

TEST(FeatureStatsTest, EmptySplitGivesZeros) {
    const Split split = make_split({}, 0, 3);
    std::vector<float> mean, stddev;
    compute_feature_stats(split, mean, stddev);
    EXPECT_EQ(mean, std::vector<float>(3, 0.0f));
    EXPECT_EQ(stddev, std::vector<float>(3, 0.0f));
}

TEST(StandardizeTest, CentresAndScalesAndLeavesConstantFeaturesUnscaled) {
    Split split = make_split({1, 10, 3, 10, 5, 10}, 3, 2);
    std::vector<float> mean, stddev;
    compute_feature_stats(split, mean, stddev);
    standardize(split, mean, stddev);
    const float s = std::sqrt(8.0f / 3.0f);
    EXPECT_FLOAT_EQ(split.x[0], -2.0f / s);
    EXPECT_FLOAT_EQ(split.x[2], 0.0f);
    EXPECT_FLOAT_EQ(split.x[4], 2.0f / s);
    // Constant feature: std 0 counts as 1, so the value is only centred.
    EXPECT_FLOAT_EQ(split.x[1], 0.0f);
    EXPECT_FLOAT_EQ(split.x[5], 0.0f);
    std::vector<float> after_mean, after_std;
    compute_feature_stats(split, after_mean, after_std);
    EXPECT_NEAR(after_mean[0], 0.0f, 1e-6);
    EXPECT_NEAR(after_std[0], 1.0f, 1e-6);
}

TEST(StandardizeTest, NonFiniteStdNeverProducesNaN) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    Split split = make_split({1, 2, 3, 4, 5, 6}, 2, 3);
    // A NaN std used to slip past "std < 1e-6" and give 1 / NaN; inf gave a scale of 0.
    standardize(split, {1.0f, 2.0f, 0.0f}, {nan, inf, -1.0f});
    for (float v : split.x) EXPECT_TRUE(std::isfinite(v)) << v;
    EXPECT_EQ(split.x, (std::vector<float>{0, 0, 3, 3, 3, 6}));  // only centred
}

TEST(StandardizeTest, RejectsNonFiniteMean) {
    Split split = make_split({1, 2}, 1, 2);
    EXPECT_THROW(standardize(split, {std::numeric_limits<float>::quiet_NaN()}, {1.0f}),
                 std::invalid_argument);
    EXPECT_THROW(standardize(split, {std::numeric_limits<float>::infinity()}, {1.0f}),
                 std::invalid_argument);
}

TEST(StandardizeTest, RejectsMismatchedSizes) {
    Split split = make_split({1, 2}, 1, 2);
    EXPECT_THROW(standardize(split, {0.0f}, {1.0f}), std::invalid_argument);
}

}  // namespace
}  // namespace slipway
