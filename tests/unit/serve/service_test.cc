#include "serve/http/service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_model.h"

namespace slipway::serve {
namespace {

using json = nlohmann::json;
using testing::FakeModel;

class ServiceTest : public ::testing::Test {
 protected:
    ServiceTest() : batcher_({}, &metrics_), service_(&slot_, &batcher_, &metrics_, {}) {
        slot_.swap_in(std::make_shared<FakeModel>(3));
    }

    ServiceReply call(std::string_view method, std::string_view path, std::string_view body = {}) {
        return service_.handle({method, path, body, std::nullopt});
    }

    ServeMetrics metrics_;
    ModelSlot slot_;
    Batcher batcher_;
    Service service_;
};

TEST_F(ServiceTest, Predict) {
    const ServiceReply reply = call("POST", "/predict", R"({"features": [1, 2, 3]})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    const json body = json::parse(reply.body);
    EXPECT_EQ(body["class"], 0);
    EXPECT_EQ(body["label"], "low");
    EXPECT_EQ(body["version"], 3);
}

TEST_F(ServiceTest, BadInputIsA4xxJsonError) {
    ServiceReply reply = call("POST", "/predict", R"({"features": [1, 2]})");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(json::parse(reply.body)["error"], "features has 2 features; the model expects 3");
    reply = call("GET", "/predict");
    EXPECT_EQ(reply.status, 405);
    EXPECT_STREQ(reply.allow, "POST");
    reply = call("POST", "/metrics");
    EXPECT_EQ(reply.status, 405);
    reply = call("GET", "/nowhere");
    EXPECT_EQ(reply.status, 404);
    EXPECT_TRUE(json::parse(reply.body).contains("error"));
    reply = call("POST", "/v2/models/other/infer", "{}");
    EXPECT_EQ(reply.status, 404);
    EXPECT_NE(reply.body.find("this server serves 'fake'"), std::string::npos);
    reply = call("GET", "/v2/models/fake/versions/2");
    EXPECT_EQ(reply.status, 404);
    EXPECT_NE(reply.body.find("serving version 3"), std::string::npos);
}

TEST_F(ServiceTest, V2MetadataReadyAndInfer) {
    json server = json::parse(call("GET", "/v2").body);
    EXPECT_EQ(server["extensions"], json({"binary_tensor_data"}));
    json model = json::parse(call("GET", "/v2/models/fake/versions/3").body);
    EXPECT_EQ(model["inputs"][0]["shape"], json({-1, 3}));
    EXPECT_EQ(model["outputs"][1]["name"], "probabilities");
    EXPECT_EQ(call("GET", "/v2/models/fake/ready").status, 200);
    EXPECT_EQ(call("HEAD", "/v2/health/live").status, 200);
    const ServiceReply reply = call("POST", "/v2/models/fake/infer",
                                    R"({"inputs": [{"name": "features", "shape": [1, 3],
                                        "datatype": "FP32", "data": [1, 1, 1]}]})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(json::parse(reply.body)["outputs"][0]["data"], json({3.0f, -3.0f}));
}

TEST_F(ServiceTest, NotReadyOnceStopping) {
    EXPECT_EQ(call("GET", "/ready").status, 200);
    service_.set_accepting(false);
    EXPECT_EQ(call("GET", "/ready").status, 503);
    EXPECT_EQ(call("GET", "/v2/health/ready").status, 503);
    EXPECT_EQ(call("GET", "/health").status, 200) << "still live while draining";
}

TEST_F(ServiceTest, MetricsCountRequestsByEndpointAndCode) {
    (void)call("POST", "/predict", R"({"features": [1, 2, 3]})");
    (void)call("POST", "/predict", "{");
    const ServiceReply reply = call("GET", "/metrics");
    EXPECT_EQ(reply.content_type.rfind("text/plain; version=0.0.4", 0), 0u);
    EXPECT_NE(reply.body.find("slipway_serve_requests_total{endpoint=\"predict\",code=\"400\"} 1"),
              std::string::npos);
    EXPECT_NE(reply.body.find("slipway_serve_requests_total{endpoint=\"predict\",code=\"200\"} 1"),
              std::string::npos);
}

}  // namespace
}  // namespace slipway::serve
