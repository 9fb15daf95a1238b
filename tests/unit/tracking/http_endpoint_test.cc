#include "tracking/http_endpoint.h"

#include <gtest/gtest.h>

namespace slipway::tracking {
namespace {

TEST(HttpEndpointTest, SplitsOriginAndBasePath) {
    auto plain = parse_http_endpoint("http://127.0.0.1:5000", "MLFLOW_TRACKING_URI");
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain->origin, "http://127.0.0.1:5000");
    EXPECT_EQ(plain->base_path, "");
    auto prefixed = parse_http_endpoint("https://mlflow.example.com/team/a/", "X");
    ASSERT_TRUE(prefixed.ok());
    EXPECT_EQ(prefixed->origin, "https://mlflow.example.com");
    EXPECT_EQ(prefixed->base_path, "/team/a");
    EXPECT_EQ(prefixed->url("/api/2.0/mlflow/runs/create"),
              "https://mlflow.example.com/team/a/api/2.0/mlflow/runs/create");
    auto v6 = parse_http_endpoint("http://[::1]:9091", "X");
    ASSERT_TRUE(v6.ok());
    EXPECT_EQ(v6->origin, "http://[::1]:9091");
}

TEST(HttpEndpointTest, RefusesWhatItCannotTalkTo) {
    for (const char* bad :
         {"file:///tmp/mlruns", "databricks", "http://", "http://:5000", "http://host:99999",
          "http://host:abc", "http://u:p@host", "http://host/?q=1"}) {
        auto parsed = parse_http_endpoint(bad, "MLFLOW_TRACKING_URI");
        ASSERT_FALSE(parsed.ok()) << bad;
        EXPECT_EQ(parsed.error().where, "MLFLOW_TRACKING_URI");
        EXPECT_NE(parsed.error().what.find(bad), std::string::npos) << parsed.error().what;
    }
}

TEST(HttpEndpointTest, PercentEncodesAllButUnreserved) {
    EXPECT_EQ(percent_encode("fashion-mnist_1.0~x"), "fashion-mnist_1.0~x");
    EXPECT_EQ(percent_encode("a b/c"), "a%20b%2Fc");
}

}  // namespace
}  // namespace slipway::tracking
