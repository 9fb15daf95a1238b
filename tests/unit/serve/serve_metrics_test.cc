#include "serve/metrics/serve_metrics.h"

#include <gtest/gtest.h>

namespace slipway::serve {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
}

TEST(ServeMetricsTest, RendersCountersHistogramsAndGauges) {
    ServeMetrics metrics;
    metrics.record_request(Endpoint::kPredict, 200, 0.0003);
    metrics.record_request(Endpoint::kPredict, 200, 0.002);
    metrics.record_request(Endpoint::kPredict, 429, 0.00001);
    metrics.record_request(std::nullopt, 404, 0.00001);
    metrics.record_batch(3);
    metrics.set_model("fmnist", 4);
    metrics.count_reload(true);
    metrics.add_in_flight(2);
    const std::string text = metrics.render();
    EXPECT_TRUE(has_line(text, "# TYPE slipway_serve_requests_total counter"));
    EXPECT_TRUE(
        has_line(text, "slipway_serve_requests_total{endpoint=\"predict\",code=\"200\"} 2"));
    EXPECT_TRUE(
        has_line(text, "slipway_serve_requests_total{endpoint=\"predict\",code=\"429\"} 1"));
    EXPECT_TRUE(has_line(text, "slipway_serve_requests_total{endpoint=\"other\",code=\"404\"} 1"));
    EXPECT_TRUE(has_line(
        text,
        "slipway_serve_request_duration_seconds_bucket{endpoint=\"predict\",le=\"0.0001\"} 1"));
    EXPECT_TRUE(has_line(
        text,
        "slipway_serve_request_duration_seconds_bucket{endpoint=\"predict\",le=\"0.0005\"} 2"));
    EXPECT_TRUE(has_line(
        text, "slipway_serve_request_duration_seconds_bucket{endpoint=\"predict\",le=\"+Inf\"} 3"));
    EXPECT_TRUE(
        has_line(text, "slipway_serve_request_duration_seconds_count{endpoint=\"predict\"} 3"));
    EXPECT_TRUE(has_line(text, "slipway_serve_rows_inferred_total 3"));
    EXPECT_TRUE(has_line(text, "slipway_serve_batch_rows_bucket{le=\"4\"} 1"));
    EXPECT_TRUE(has_line(text, "slipway_serve_model_version{model=\"fmnist\"} 4"));
    EXPECT_TRUE(has_line(text, "slipway_serve_model_reloads_total{result=\"success\"} 1"));
    EXPECT_TRUE(has_line(text, "slipway_serve_in_flight_requests 2"));
}

}  // namespace
}  // namespace slipway::serve
