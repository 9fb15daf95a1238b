#include "serve/protocol/predict_request.h"

#include <gtest/gtest.h>

namespace slipway::serve {
namespace {

const RowLimits kLimits{3, 4};

std::string error_of(const std::string& body) {
    ApiResult<PredictRequest> parsed = parse_predict_request(body, kLimits);
    EXPECT_FALSE(parsed.ok()) << body;
    if (parsed.ok()) return {};
    EXPECT_EQ(parsed.error().status, 400);
    return parsed.error().message;
}

TEST(PredictRequestTest, OneRowOfFeatures) {
    ApiResult<PredictRequest> parsed =
        parse_predict_request(R"({"features": [0.5, -1, 2e3]})", kLimits);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_TRUE(parsed->single);
    EXPECT_EQ(parsed->rows.rows, 1u);
    EXPECT_EQ(parsed->rows.width, 3u);
    EXPECT_EQ(parsed->rows.values, (std::vector<float>{0.5f, -1.0f, 2000.0f}));
}

TEST(PredictRequestTest, Instances) {
    ApiResult<PredictRequest> parsed =
        parse_predict_request(R"({"instances": [[1,2,3],[4,5,6]]})", kLimits);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_FALSE(parsed->single);
    EXPECT_EQ(parsed->rows.rows, 2u);
    EXPECT_EQ(parsed->rows.values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(PredictRequestTest, MalformedJsonNamesTheByte) {
    const std::string message = error_of(R"({"features": [1, 2,, 3]})");
    EXPECT_NE(message.find("malformed JSON at byte 19"), std::string::npos) << message;
    EXPECT_NE(error_of(R"({"features": [1, 2)").find("malformed JSON"), std::string::npos);
}

TEST(PredictRequestTest, WrongFeatureCountSaysExpectedAndGot) {
    EXPECT_EQ(error_of(R"({"features": [1, 2]})"), "features has 2 features; the model expects 3");
    EXPECT_EQ(error_of(R"({"features": [1, 2, 3, 4]})"),
              "features has more than the 3 features the model expects");
    EXPECT_EQ(error_of(R"({"instances": [[1,2,3],[1]]})"),
              "instances[1] has 1 features; the model expects 3");
}

TEST(PredictRequestTest, WrongTypesNameThePath) {
    EXPECT_EQ(error_of(R"({"features": [1, "2", 3]})"),
              "features[1] is a string; expected a number");
    EXPECT_EQ(error_of(R"({"features": [1, null, 3]})"), "features[1] is null; expected a number");
    EXPECT_EQ(error_of(R"({"features": [1, [2], 3]})"),
              "features[1] is an array; expected a number");
    EXPECT_EQ(error_of(R"({"instances": [[1,2,3], 4]})"),
              "instances[1] is a number; expected an array of numbers");
    EXPECT_EQ(error_of(R"({"features": 7})"),
              "\"features\" is a number; expected an array of numbers");
    EXPECT_EQ(error_of(R"([1, 2, 3])"),
              "the body is an array; expected an object like {\"features\": [...]}");
    EXPECT_NE(error_of(R"({"feature": [1, 2, 3]})").find("unknown key \"feature\""),
              std::string::npos);
}

TEST(PredictRequestTest, EmptyAndOversizedBatches) {
    EXPECT_EQ(error_of(R"({"instances": []})"), "\"instances\" is empty; send at least one row");
    EXPECT_EQ(error_of(R"({"instances": [[1,2,3],[1,2,3],[1,2,3],[1,2,3],[1,2,3]]})"),
              "more than 4 instances; split the batch");
    EXPECT_NE(error_of("").find("empty body"), std::string::npos);
    EXPECT_NE(error_of("{}").find("empty object"), std::string::npos);
}

TEST(PredictRequestTest, NumbersBeyondFloatRange) {
    EXPECT_NE(error_of(R"({"features": [1, 1e39, 3]})").find("features[1]"), std::string::npos);
    EXPECT_NE(error_of(R"({"features": [1, 1e999, 3]})").find("number overflow"),
              std::string::npos);
}

}  // namespace
}  // namespace slipway::serve
