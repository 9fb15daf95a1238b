#include "serve/protocol/infer_request.h"

#include <gtest/gtest.h>

#include <cstring>

namespace slipway::serve {
namespace {

const InferSignature kSignature{"features", {"logits", "probabilities"}, {3, 4}};

std::string error_of(const std::string& body,
                     std::optional<std::string_view> header_length = std::nullopt) {
    ApiResult<InferRequest> parsed = parse_infer_request(body, header_length, kSignature);
    EXPECT_FALSE(parsed.ok()) << body;
    if (parsed.ok()) return {};
    EXPECT_EQ(parsed.error().status, 400);
    return parsed.error().message;
}

std::string with_binary(const std::string& json, const std::vector<float>& values) {
    std::string body = json;
    body.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
    return body;
}

TEST(InferRequestTest, JsonDataFlatOrNested) {
    for (const char* data : {"[1,2,3,4,5,6]", "[[1,2,3],[4,5,6]]"}) {
        const std::string body = std::string(R"({"id": "r1", "inputs": [{"name": "features",
            "shape": [2, 3], "datatype": "FP32", "data": )") +
                                 data + "}]}";
        ApiResult<InferRequest> parsed = parse_infer_request(body, std::nullopt, kSignature);
        ASSERT_TRUE(parsed.ok()) << parsed.error().message;
        EXPECT_EQ(parsed->id, "r1");
        EXPECT_EQ(parsed->rows.rows, 2u);
        EXPECT_EQ(parsed->rows.values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
        EXPECT_TRUE(parsed->outputs.empty());
    }
}

TEST(InferRequestTest, BinaryTensorDataExtension) {
    const std::string json = R"({"inputs": [{"name": "features", "shape": [1, 3],
        "datatype": "FP32", "parameters": {"binary_data_size": 12}}],
        "outputs": [{"name": "probabilities", "parameters": {"binary_data": true}}]})";
    const std::string body = with_binary(json, {0.25f, -2.0f, 1e-3f});
    const std::string length = std::to_string(json.size());
    ApiResult<InferRequest> parsed = parse_infer_request(body, length, kSignature);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->rows.values, (std::vector<float>{0.25f, -2.0f, 1e-3f}));
    ASSERT_EQ(parsed->outputs.size(), 1u);
    EXPECT_EQ(parsed->outputs[0].name, "probabilities");
    EXPECT_TRUE(parsed->outputs[0].binary);
}

TEST(InferRequestTest, BinarySizesMustAgree) {
    const std::string json = R"({"inputs": [{"name": "features", "shape": [1, 3],
        "datatype": "FP32", "parameters": {"binary_data_size": 8}}]})";
    const std::string length = std::to_string(json.size());
    EXPECT_NE(error_of(with_binary(json, {1, 2}), length).find("the shape needs 12 bytes"),
              std::string::npos);
    const std::string good = R"({"inputs": [{"name": "features", "shape": [1, 3],
        "datatype": "FP32", "parameters": {"binary_data_size": 12}}]})";
    EXPECT_NE(
        error_of(with_binary(good, {1, 2}), std::to_string(good.size())).find("carries 8 bytes"),
        std::string::npos);
    EXPECT_NE(error_of(good, "99999").find("has only"), std::string::npos);
    EXPECT_NE(error_of(good, "12x").find("expected a byte count"), std::string::npos);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    EXPECT_NE(error_of(with_binary(good, {1, nan, 2}), std::to_string(good.size()))
                  .find("element 1 is not finite"),
              std::string::npos);
}

TEST(InferRequestTest, RefusesWhatTheModelDoesNotTake) {
    EXPECT_NE(error_of(R"({"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32",
        "data": [1,2,3]}]})")
                  .find("the model's input is \"features\""),
              std::string::npos);
    EXPECT_NE(error_of(R"({"inputs": [{"name": "features", "shape": [1, 3],
        "datatype": "INT64", "data": [1,2,3]}]})")
                  .find("the model takes FP32"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"inputs": [{"name": "features", "shape": [1, 4],
        "datatype": "FP32", "data": [1,2,3,4]}]})")
                  .find("expected [rows, 3]"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"inputs": [{"name": "features", "shape": [5, 3],
        "datatype": "FP32", "data": []}]})")
                  .find("at most 4 per request"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"inputs": [{"name": "features", "shape": [0, 3],
        "datatype": "FP32", "data": []}]})")
                  .find("no rows"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"inputs": [{"name": "features", "shape": [2, 3],
        "datatype": "FP32", "data": [1,2,3]}]})")
                  .find("needs 6"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"inputs": [{"name": "features", "shape": [1, 3],
        "datatype": "FP32", "data": [1,"a",3]}]})")
                  .find("inputs[0].data[1] is a string"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"inputs": [{"name": "features", "shape": [1, 3],
        "datatype": "FP32", "data": [1,2,3]}], "outputs": [{"name": "embedding"}]})")
                  .find("the model's outputs are \"logits\", \"probabilities\""),
              std::string::npos);
    EXPECT_NE(error_of(R"({"inputs": []})").find("one tensor"), std::string::npos);
    EXPECT_NE(error_of(R"({"inputs": [)").find("malformed JSON at byte"), std::string::npos);
}

// Found by the fuzz target: nlohmann throws out_of_range, not parse_error, for such numbers.
TEST(InferRequestTest, NumberBeyondDoubleRangeIsA400) {
    EXPECT_NE(error_of(R"({"inputs": [{"data": [8788E45817]}]})").find("number overflow"),
              std::string::npos);
}

}  // namespace
}  // namespace slipway::serve
