#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "serve/protocol/infer_response.h"
#include "serve/protocol/predict_response.h"

namespace slipway::serve {
namespace {

using json = nlohmann::json;

Predictions two_rows() {
    Predictions p;
    p.rows = 2;
    p.width = 2;
    p.model_name = "fmnist";
    p.model_version = 7;
    p.outputs = {{1.5f, -1.5f, -0.25f, 0.25f}, {0.9f, 0.1f, 0.4f, 0.6f}};
    return p;
}

TEST(PredictResponseTest, SingleAndInstances) {
    const Predictions p = two_rows();
    const json single = json::parse(predict_response_body(p, {"cat", "dog"}, true));
    EXPECT_EQ(single["class"], 0);
    EXPECT_EQ(single["label"], "cat");
    EXPECT_EQ(single["probabilities"].get<std::vector<float>>(), (std::vector<float>{0.9f, 0.1f}));
    EXPECT_EQ(single["model"], "fmnist");
    EXPECT_EQ(single["version"], 7);

    const json list = json::parse(predict_response_body(p, {}, false));
    ASSERT_EQ(list["predictions"].size(), 2u);
    EXPECT_EQ(list["predictions"][1]["class"], 1);
    EXPECT_EQ(list["predictions"][1]["label"], "1");  // no class names
}

TEST(PredictResponseTest, FloatsRoundTrip) {
    Predictions p = two_rows();
    p.outputs[1][0] = 0.123456789f;
    const json single = json::parse(predict_response_body(p, {}, true));
    EXPECT_EQ(single["probabilities"][0].get<float>(), 0.123456789f);
}

TEST(InferResponseTest, JsonOutputsInModelOrder) {
    const InferSignature signature{"features", {"logits", "probabilities"}, {3, 4}};
    InferRequest request;
    request.id = "abc";
    const InferResponse response = infer_response_body(request, two_rows(), signature);
    EXPECT_FALSE(response.header_length.has_value());
    const json body = json::parse(response.body);
    EXPECT_EQ(body["model_name"], "fmnist");
    EXPECT_EQ(body["model_version"], "7");
    EXPECT_EQ(body["id"], "abc");
    ASSERT_EQ(body["outputs"].size(), 2u);
    EXPECT_EQ(body["outputs"][0]["name"], "logits");
    EXPECT_EQ(body["outputs"][0]["shape"], json({2, 2}));
    EXPECT_EQ(body["outputs"][1]["data"].get<std::vector<float>>(),
              (std::vector<float>{0.9f, 0.1f, 0.4f, 0.6f}));
}

TEST(InferResponseTest, BinaryOutputFollowsTheJson) {
    const InferSignature signature{"features", {"logits", "probabilities"}, {3, 4}};
    InferRequest request;
    request.outputs = {{"probabilities", true}, {"logits", false}};
    const InferResponse response = infer_response_body(request, two_rows(), signature);
    ASSERT_TRUE(response.header_length.has_value());
    const json header = json::parse(response.body.substr(0, *response.header_length));
    EXPECT_EQ(header["outputs"][0]["parameters"]["binary_data_size"], 16);
    EXPECT_FALSE(header["outputs"][0].contains("data"));
    EXPECT_EQ(header["outputs"][1]["name"], "logits");
    ASSERT_EQ(response.body.size(), *response.header_length + 16);
    float values[4];
    std::memcpy(values, response.body.data() + *response.header_length, 16);
    EXPECT_EQ(values[3], 0.6f);
}

}  // namespace
}  // namespace slipway::serve
