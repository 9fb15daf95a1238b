#include "serve/protocol/route.h"

#include <gtest/gtest.h>

namespace slipway::serve {
namespace {

TEST(RouteTest, PlainEndpoints) {
    EXPECT_EQ(match_route("/predict")->endpoint, Endpoint::kPredict);
    EXPECT_EQ(match_route("/health")->endpoint, Endpoint::kHealth);
    EXPECT_EQ(match_route("/ready")->endpoint, Endpoint::kReady);
    EXPECT_EQ(match_route("/metrics")->endpoint, Endpoint::kMetrics);
    EXPECT_EQ(match_route("/v2")->endpoint, Endpoint::kServerMetadata);
    EXPECT_EQ(match_route("/v2/health/live")->endpoint, Endpoint::kServerLive);
    EXPECT_EQ(match_route("/v2/health/ready")->endpoint, Endpoint::kServerReady);
}

TEST(RouteTest, ModelPathsWithAndWithoutVersion) {
    ApiResult<Route> metadata = match_route("/v2/models/fmnist");
    ASSERT_TRUE(metadata.ok());
    EXPECT_EQ(metadata->endpoint, Endpoint::kModelMetadata);
    EXPECT_EQ(metadata->model, "fmnist");
    EXPECT_FALSE(metadata->version.has_value());

    ApiResult<Route> infer = match_route("/v2/models/fmnist/versions/12/infer");
    ASSERT_TRUE(infer.ok());
    EXPECT_EQ(infer->endpoint, Endpoint::kModelInfer);
    EXPECT_EQ(infer->version, 12);

    EXPECT_EQ(match_route("/v2/models/m/versions/3/ready")->endpoint, Endpoint::kModelReady);
    EXPECT_EQ(match_route("/v2/models/m/ready")->endpoint, Endpoint::kModelReady);
    EXPECT_EQ(match_route("/v2/models/m/versions/3")->endpoint, Endpoint::kModelMetadata);
}

TEST(RouteTest, UnknownPathsAre404AndBadVersions400) {
    EXPECT_EQ(match_route("/").error().status, 404);
    EXPECT_EQ(match_route("/predict/x").error().status, 404);
    EXPECT_EQ(match_route("/v2/models").error().status, 404);
    EXPECT_EQ(match_route("/v2/models/m/explain").error().status, 404);
    EXPECT_EQ(match_route("/v2/health/dead").error().status, 404);
    ApiResult<Route> bad = match_route("/v2/models/m/versions/abc/infer");
    EXPECT_EQ(bad.error().status, 400);
    EXPECT_NE(bad.error().message.find("\"abc\""), std::string::npos);
    EXPECT_EQ(match_route("/v2/models/m/versions/0").error().status, 400);
    EXPECT_EQ(match_route("/v2/models/m/versions/-1").error().status, 400);
}

TEST(RouteTest, MethodsAndLabels) {
    EXPECT_STREQ(endpoint_method(Endpoint::kPredict), "POST");
    EXPECT_STREQ(endpoint_method(Endpoint::kModelInfer), "POST");
    EXPECT_STREQ(endpoint_method(Endpoint::kMetrics), "GET");
    EXPECT_STREQ(endpoint_label(Endpoint::kModelInfer), "v2_infer");
}

}  // namespace
}  // namespace slipway::serve
