#include "common/status.h"

#include <gtest/gtest.h>

namespace slipway {
namespace {

Result<int> half(int value) {
    if (value % 2 != 0) return data_error("half()", "odd value " + std::to_string(value));
    return value / 2;
}

Status twice_half(int value, int& out) {
    auto first = half(value);
    SLIPWAY_RETURN_IF_ERROR(first);
    out = *first;
    return Status::success();
}

TEST(StatusTest, ErrorMessageNamesWhereWhatAndHint) {
    Error error = spec_error("job.yaml:3", "unknown key 'trian'", "did you mean 'train'?");
    EXPECT_EQ(error.message(), "job.yaml:3: unknown key 'trian' (did you mean 'train'?)");
    EXPECT_EQ(error.code, ExitCode::kBadSpec);
}

TEST(StatusTest, ResultCarriesValueOrError) {
    auto good = half(8);
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(*good, 4);
    auto bad = half(3);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ExitCode::kBadData);
}

TEST(StatusTest, ReturnIfErrorPropagates) {
    int out = 0;
    EXPECT_TRUE(twice_half(10, out).ok());
    EXPECT_EQ(out, 5);
    Status failed = twice_half(7, out);
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().what.find("odd value 7"), std::string::npos);
}

}  // namespace
}  // namespace slipway
