#include "common/rng.h"

#include <gtest/gtest.h>

#include <vector>

namespace slipway {
namespace {

TEST(SplitMix64Test, MatchesReferenceSequence) {
    // Reference outputs of splitmix64 seeded with 0 (Vigna's splitmix64.c).
    SplitMix64 rng(0);
    EXPECT_EQ(rng.next(), 0xE220A8397B1DCDAFULL);
    EXPECT_EQ(rng.next(), 0x6E789E6AA1B965F4ULL);
    EXPECT_EQ(rng.next(), 0x06C45D188009454FULL);
}

TEST(SplitMix64Test, BoundedStaysInRangeAndCoversIt) {
    SplitMix64 rng(123);
    std::vector<int> counts(7, 0);
    for (int i = 0; i < 7000; ++i) {
        const uint32_t value = rng.bounded32(7);
        ASSERT_LT(value, 7u);
        ++counts[value];
    }
    for (int count : counts) EXPECT_GT(count, 800);
    for (int i = 0; i < 1000; ++i) {
        ASSERT_LT(rng.bounded64(3), 3u);
        ASSERT_EQ(rng.bounded32(1), 0u);
    }
}

}  // namespace
}  // namespace slipway
