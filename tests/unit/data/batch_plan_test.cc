#include "data/batch_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

namespace slipway {
namespace {

bool is_permutation_of_range(const std::vector<uint32_t>& order) {
    std::vector<uint32_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); ++i) {
        if (sorted[i] != i) return false;
    }
    return true;
}

TEST(EpochPermutationTest, IsAPermutation) {
    for (size_t n : {0u, 1u, 2u, 7u, 1000u, 60000u}) {
        const auto order = epoch_permutation(42, 3, n);
        ASSERT_EQ(order.size(), n);
        EXPECT_TRUE(is_permutation_of_range(order)) << "n = " << n;
    }
}

TEST(EpochPermutationTest, DeterministicForSeedAndEpoch) {
    EXPECT_EQ(epoch_permutation(7, 0, 500), epoch_permutation(7, 0, 500));
    EXPECT_EQ(epoch_permutation(7, 5, 500), epoch_permutation(7, 5, 500));
}

TEST(EpochPermutationTest, DiffersAcrossEpochsAndSeeds) {
    const auto base = epoch_permutation(7, 0, 500);
    EXPECT_NE(base, epoch_permutation(7, 1, 500));
    EXPECT_NE(base, epoch_permutation(8, 0, 500));
    // Swapping seed and epoch must not give the same stream.
    EXPECT_NE(epoch_permutation(1, 2, 500), epoch_permutation(2, 1, 500));
}

TEST(EpochPermutationTest, FixedValuesGuardAgainstAccidentalChanges) {
    // Ranks on different machines and resumed jobs depend on this exact order: changing it
    // changes every training run, so it must be a deliberate decision.
    EXPECT_EQ(epoch_permutation(42, 0, 10), (std::vector<uint32_t>{3, 9, 2, 4, 6, 8, 1, 0, 7, 5}));
    EXPECT_EQ(epoch_permutation(42, 1, 10), (std::vector<uint32_t>{3, 7, 8, 1, 4, 9, 5, 2, 6, 0}));
}

TEST(EpochPermutationTest, RoughlyUniformFirstPosition) {
    // Every value should land in position 0 about equally often over many epochs.
    constexpr size_t kN = 8;
    constexpr int kEpochs = 16000;
    std::vector<int> counts(kN, 0);
    for (int epoch = 0; epoch < kEpochs; ++epoch) ++counts[epoch_permutation(1, epoch, kN)[0]];
    for (int count : counts) {
        EXPECT_GT(count, kEpochs / static_cast<int>(kN) * 8 / 10);
        EXPECT_LT(count, kEpochs / static_cast<int>(kN) * 12 / 10);
    }
}

TEST(EvenSplitTest, EarlierPiecesTakeTheRemainder) {
    EXPECT_EQ(even_split(0, 10, 3, 0).begin, 0u);
    EXPECT_EQ(even_split(0, 10, 3, 0).end, 4u);
    EXPECT_EQ(even_split(0, 10, 3, 1).begin, 4u);
    EXPECT_EQ(even_split(0, 10, 3, 1).end, 7u);
    EXPECT_EQ(even_split(0, 10, 3, 2).begin, 7u);
    EXPECT_EQ(even_split(0, 10, 3, 2).end, 10u);
    EXPECT_EQ(even_split(5, 7, 4, 3).size(), 0u);
    EXPECT_EQ(even_split(5, 7, 4, 0).begin, 5u);
    EXPECT_THROW(even_split(0, 10, 0, 0), std::invalid_argument);
    EXPECT_THROW(even_split(0, 10, 2, 2), std::invalid_argument);
}

using PlanCase = std::tuple<size_t, size_t, int, int>;  // samples, global batch, accumulate, world

class BatchPlanCoverTest : public ::testing::TestWithParam<PlanCase> {};

TEST_P(BatchPlanCoverTest, RangesCoverEveryPositionExactlyOnce) {
    const auto [samples, batch, accumulate, world] = GetParam();
    const BatchPlan plan(samples, batch, accumulate, world);
    ASSERT_EQ(plan.steps_per_epoch(), (samples + batch - 1) / batch);
    std::vector<int> seen(samples, 0);
    size_t expected_next = 0;
    for (size_t step = 0; step < plan.steps_per_epoch(); ++step) {
        const IndexRange step_range = plan.step_range(step);
        EXPECT_EQ(step_range.begin, step * batch);
        EXPECT_LE(step_range.size(), batch);
        if (step + 1 < plan.steps_per_epoch()) {
            EXPECT_EQ(step_range.size(), batch);
        }
        for (int micro = 0; micro < accumulate; ++micro) {
            const IndexRange micro_range = plan.micro_range(step, micro);
            EXPECT_GE(micro_range.begin, step_range.begin);
            EXPECT_LE(micro_range.end, step_range.end);
            for (int rank = 0; rank < world; ++rank) {
                const IndexRange slice = plan.rank_slice(step, micro, rank);
                // Slices are contiguous and in order: rank r ends where rank r+1 begins.
                EXPECT_EQ(slice.begin, expected_next);
                expected_next = slice.end;
                for (size_t i = slice.begin; i < slice.end; ++i) ++seen[i];
                // Balanced: sizes within a micro-batch differ by at most one.
                const size_t even = micro_range.size() / static_cast<size_t>(world);
                EXPECT_GE(slice.size(), even);
                EXPECT_LE(slice.size(), even + 1);
            }
        }
    }
    EXPECT_EQ(expected_next, samples);
    for (size_t i = 0; i < samples; ++i) ASSERT_EQ(seen[i], 1) << "position " << i;
}

INSTANTIATE_TEST_SUITE_P(Combos, BatchPlanCoverTest,
                         ::testing::Values(PlanCase{100, 10, 1, 1}, PlanCase{100, 32, 1, 4},
                                           PlanCase{103, 32, 2, 3}, PlanCase{60000, 256, 4, 8},
                                           PlanCase{7, 16, 2, 4}, PlanCase{5, 4, 3, 2},
                                           PlanCase{0, 8, 1, 2}, PlanCase{1, 1, 1, 1},
                                           PlanCase{1000, 999, 3, 5}));

TEST(BatchPlanTest, ShortLastBatchIsKept) {
    const BatchPlan plan(10, 4, 1, 2);
    ASSERT_EQ(plan.steps_per_epoch(), 3u);
    EXPECT_EQ(plan.step_range(2).begin, 8u);
    EXPECT_EQ(plan.step_range(2).end, 10u);
    EXPECT_EQ(plan.rank_slice(2, 0, 0).size(), 1u);
    EXPECT_EQ(plan.rank_slice(2, 0, 1).size(), 1u);
    EXPECT_THROW(plan.step_range(3), std::out_of_range);
}

TEST(BatchPlanTest, RejectsBadArguments) {
    EXPECT_THROW(BatchPlan(10, 0, 1, 1), std::invalid_argument);
    EXPECT_THROW(BatchPlan(10, 4, 0, 1), std::invalid_argument);
    EXPECT_THROW(BatchPlan(10, 4, 1, 0), std::invalid_argument);
}

}  // namespace
}  // namespace slipway
