#include "serve/model/pass_plan.h"

#include <gtest/gtest.h>

#include <numeric>

namespace slipway::serve {
namespace {

size_t total(const std::vector<size_t>& pieces) {
    return std::accumulate(pieces.begin(), pieces.end(), size_t{0});
}

// The shape measured here with OpenBLAS 0.3.21: 4 rows cheap per row, 5-8 rows dear.
PassPlan small_kernel_shape() {
    return PassPlan({{1, 14e-6}, {2, 15.4e-6}, {3, 25.9e-6}, {4, 21e-6}, {5, 88e-6},
                     {6, 88e-6}, {7, 105e-6}, {8, 93e-6}, {16, 131e-6}, {32, 217e-6}},
                    32);
}

TEST(PassPlanTest, CutsBatchesWhereBlasIsDearIntoTheCheapPieces) {
    const PassPlan plan = small_kernel_shape();
    EXPECT_EQ(plan.pieces(4), (std::vector<size_t>{4}));
    EXPECT_EQ(plan.pieces(6), (std::vector<size_t>{4, 2}));
    EXPECT_EQ(plan.pieces(8), (std::vector<size_t>{4, 4}));
    EXPECT_EQ(plan.pieces(3), (std::vector<size_t>{3}));  // 25.9 us beats 2+1 at 29.4 us
    EXPECT_EQ(plan.pieces(5), (std::vector<size_t>{4, 1}));
    EXPECT_NEAR(plan.estimated_seconds(6), 36.4e-6, 1e-9);
    EXPECT_NEAR(plan.estimated_seconds(32), 8 * 21e-6, 1e-9);
}

TEST(PassPlanTest, KeepsOnePassWhereBigPassesAreCheaperPerRow) {
    // A BLAS without a small-matrix kernel: every pass pays the packing once.
    std::vector<PassPlan::Timing> timings;
    for (size_t rows : candidate_pass_sizes(64)) {
        timings.push_back({rows, 10e-6 + 1e-6 * static_cast<double>(rows)});
    }
    const PassPlan plan(timings, 64);
    for (size_t rows : {size_t{1}, size_t{5}, size_t{8}, size_t{16}, size_t{64}}) {
        EXPECT_EQ(plan.pieces(rows), (std::vector<size_t>{rows})) << rows;
    }
    // 40 rows: 32 + 8 (two passes) is the cheapest the timed sizes allow.
    EXPECT_EQ(plan.pieces(40), (std::vector<size_t>{32, 8}));
}

TEST(PassPlanTest, PiecesAlwaysCoverTheBatchExactly) {
    const PassPlan plan = small_kernel_shape();
    for (size_t rows = 0; rows <= 200; ++rows) {
        const std::vector<size_t> pieces = plan.pieces(rows);
        EXPECT_EQ(total(pieces), rows) << rows;
        for (size_t piece : pieces) EXPECT_GT(piece, 0u);
    }
}

TEST(PassPlanTest, WithoutTimingsABatchIsOnePass) {
    const PassPlan plan;
    EXPECT_EQ(plan.pieces(300), (std::vector<size_t>{300}));
    EXPECT_TRUE(plan.pieces(0).empty());
    EXPECT_EQ(plan.describe(), "one pass per batch (not timed)");
}

TEST(PassPlanTest, CandidatesAreEverySizeToEightThenPowersOfTwoAndTheLargest) {
    EXPECT_EQ(candidate_pass_sizes(3), (std::vector<size_t>{1, 2, 3}));
    EXPECT_EQ(candidate_pass_sizes(100),
              (std::vector<size_t>{1, 2, 3, 4, 5, 6, 7, 8, 16, 32, 64, 100}));
}

TEST(PassPlanTest, TimesEveryCandidateAndDescribesTheSplit) {
    std::vector<size_t> seen;
    const PassPlan plan = time_passes([&](size_t rows) { seen.push_back(rows); }, 16);
    for (size_t rows : candidate_pass_sizes(16)) {
        EXPECT_GE(std::count(seen.begin(), seen.end(), rows), 6) << rows;  // warm-up + 5
    }
    ASSERT_EQ(plan.timings().size(), candidate_pass_sizes(16).size());
    EXPECT_NE(plan.describe().find("16 rows -> "), std::string::npos) << plan.describe();
}

}  // namespace
}  // namespace slipway::serve
