#include "serve/protocol/predict_request.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

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

// The fast path must give the floats strtof gives for the text, bit for bit.
TEST(PredictRequestTest, ValuesAreExactlyStrtof) {
    const RowLimits limits{6, 2};
    const std::vector<std::string> texts = {"0.1234", "-0.5678", "1e-3", "3.4028234e38",
                                            "0.30000000000000004", "123456789"};
    std::string body = "{\"instances\": [[";
    for (size_t i = 0; i < texts.size(); ++i) body += (i ? "," : "") + texts[i];
    body += "], [";
    for (size_t i = 0; i < texts.size(); ++i) body += (i ? " , " : "") + texts[i];
    body += "]]}";
    ApiResult<PredictRequest> parsed = parse_predict_request(body, limits);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_EQ(parsed->rows.values.size(), 12u);
    for (size_t i = 0; i < 12; ++i) {
        const float expected = std::strtof(texts[i % 6].c_str(), nullptr);
        EXPECT_EQ(std::memcmp(&parsed->rows.values[i], &expected, sizeof(float)), 0) << i;
    }
}

TEST(PredictRequestTest, TinyNumbersAreZeroAndMinusZeroIntegerIsPlusZero) {
    ApiResult<PredictRequest> parsed =
        parse_predict_request(R"({"features": [1e-50, -1e-400, -0]})", kLimits);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->rows.values, (std::vector<float>{0.0f, 0.0f, 0.0f}));
    EXPECT_TRUE(std::signbit(parsed->rows.values[1]));
    EXPECT_FALSE(std::signbit(parsed->rows.values[2]));
}

TEST(PredictRequestTest, WhitespaceAnywhereBetweenTokens) {
    ApiResult<PredictRequest> parsed = parse_predict_request(
        " \r\n\t{ \"instances\" :\n[ [ 1 ,2,\t3 ]\r\n,[4,5,6] ] } \n", kLimits);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->rows.values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
    ApiResult<PredictRequest> with_bom =
        parse_predict_request("\xEF\xBB\xBF{\"features\":[1,2,3]}", kLimits);
    EXPECT_TRUE(with_bom.ok()) << with_bom.error().message;
}

TEST(PredictRequestTest, EscapedKeyIsTheKey) {
    ApiResult<PredictRequest> parsed =
        parse_predict_request(R"({"fe\u0061tures": [1, 2, 3]})", kLimits);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_TRUE(parsed->single);
    EXPECT_NE(error_of(R"({"features\n": [1, 2, 3]})").find("unknown key \"features\n\""),
              std::string::npos);
}

TEST(PredictRequestTest, MalformedNumbersAreJsonErrorsWithTheirOffset) {
    EXPECT_EQ(error_of(R"({"features": [1, 01, 3]})"),
              "malformed JSON at byte 18: invalid number: a leading zero must stand alone");
    EXPECT_EQ(error_of(R"({"features": [1, 2., 3]})"),
              "malformed JSON at byte 19: invalid number: expected a digit after '.'");
    EXPECT_EQ(error_of(R"({"features": [1, .5, 3]})"),
              "malformed JSON at byte 17: expected a value, got '.'");
    EXPECT_EQ(error_of(R"({"features": [1, +5, 3]})"),
              "malformed JSON at byte 17: expected a value, got '+'");
    EXPECT_EQ(error_of(R"({"features": [1, NaN, 3]})"),
              "malformed JSON at byte 17: expected a value, got 'N'");
    EXPECT_EQ(error_of(R"({"features": [1, nan, 3]})"),
              "malformed JSON at byte 17: invalid literal; expected null");
    EXPECT_EQ(error_of(R"({"features": [1, -Infinity, 3]})"),
              "malformed JSON at byte 18: invalid number: expected a digit after '-'");
    EXPECT_EQ(error_of(R"({"features": [1, 0x1F, 3]})"),
              "malformed JSON at byte 18: expected ',' or ']' after an array element, got 'x'");
    EXPECT_EQ(error_of(R"({"features": [1, 2, 3e]})"),
              "malformed JSON at byte 22: invalid number: expected a digit in the exponent");
}

TEST(PredictRequestTest, BeyondFloatRangeNamesTheElementAndItsText) {
    EXPECT_EQ(error_of(R"({"features": [1, 1e39, 3]})"),
              "features[1] = 1e39 is beyond float range");
    EXPECT_EQ(error_of(R"({"instances": [[1, 2, -3.5e38]]})"),
              "instances[0][2] = -3.5e38 is beyond float range");
    EXPECT_EQ(error_of(R"({"features": [1, 1e999, 3]})"),
              "malformed JSON at byte 17: number overflow parsing '1e999'");
}

TEST(PredictRequestTest, TrailingGarbageAndSecondKeysAreRefused) {
    EXPECT_EQ(error_of(R"({"features": [1, 2, 3]} x)"),
              "malformed JSON at byte 24: unexpected 'x' after the JSON value");
    EXPECT_EQ(error_of(std::string("{\"features\": [1, 2, 3]}\0", 24)),
              "malformed JSON at byte 23: unexpected byte 0x00 after the JSON value");
    EXPECT_EQ(error_of(R"({"features": [1, 2, 3], "features": [1, 2, 3]})"),
              "the body has more than one key; send either \"features\" or \"instances\"");
    EXPECT_EQ(error_of(R"({"features": [1, 2, 3],})"),
              "malformed JSON at byte 23: expected a string key, got '}'");
    EXPECT_NE(error_of(R"({"features": [1, 2, 3])").find("malformed JSON at byte 22"),
              std::string::npos);
}

// Containers are named at their '[' or '{': whatever follows is never read, however deep.
TEST(PredictRequestTest, DeepNestingIsA400) {
    EXPECT_EQ(error_of(std::string(100'000, '[')),
              "the body is an array; expected an object like {\"features\": [...]}");
    EXPECT_EQ(error_of("{\"features\": [" + std::string(100'000, '[')),
              "features[0] is an array; expected a number");
    EXPECT_EQ(error_of("{\"instances\": [[1,2,3], {" + std::string(100'000, '{')),
              "instances[1] is an object; expected an array of numbers");
}

TEST(PredictRequestTest, ScalarsAreCheckedBeforeTheyAreNamed) {
    EXPECT_EQ(error_of(R"({"features": "abc)"), "malformed JSON at byte 13: unterminated string");
    EXPECT_EQ(error_of(R"({"features": tru})"),
              "malformed JSON at byte 13: invalid literal; expected true");
    EXPECT_EQ(error_of(R"({"features": true})"),
              "\"features\" is a boolean; expected an array of numbers");
    EXPECT_EQ(error_of(R"({"instances": {}})"),
              "\"instances\" is an object; expected an array of rows");
    EXPECT_EQ(error_of(R"("features")"),
              "the body is a string; expected an object like {\"features\": [...]}");
    EXPECT_NE(error_of("   ").find("malformed JSON at byte 3"), std::string::npos);
}

// A 784-feature row as clients send it (round(random(), 4)): every value strtof's, bit for bit.
TEST(PredictRequestTest, FullRowOfPlainDecimalsIsExactlyStrtof) {
    const RowLimits limits{784, 2};
    std::mt19937 random(3);
    std::vector<std::string> texts;
    std::string body = "{\"features\": [";
    for (size_t i = 0; i < limits.features; ++i) {
        const std::string text = std::to_string(random() % 10'000 / 10'000.0).substr(0, 6);
        texts.push_back(i % 7 == 3 ? "-" + text : text);
        body += (i ? ", " : "") + texts.back();
    }
    body += "]}";
    ApiResult<PredictRequest> parsed = parse_predict_request(body, limits);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_EQ(parsed->rows.values.size(), limits.features);
    for (size_t i = 0; i < limits.features; ++i) {
        const float expected = std::strtof(texts[i].c_str(), nullptr);
        EXPECT_EQ(std::memcmp(&parsed->rows.values[i], &expected, sizeof(float)), 0) << texts[i];
    }
}

// Plain decimals take a faster path than other numbers; rows that mix them read the same.
TEST(PredictRequestTest, RowsMixingNumberFormsReadInOrder) {
    const RowLimits limits{5, 3};
    ApiResult<PredictRequest> parsed = parse_predict_request(
        R"({"instances": [[0.5, 2e3, -0, -0.0, 12345678901234567890],
                          [1E-1, 0.25, 3, 9007199254740993, 4.5],
                          [ 1 ,2 ,3 , 4e0 ,5 ]]})",
        limits);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->rows.values,
              (std::vector<float>{0.5f, 2000.0f, 0.0f, -0.0f, 12345678901234567890.0f, 0.1f, 0.25f,
                                  3.0f, 9007199254740993.0f, 4.5f, 1, 2, 3, 4, 5}));
    EXPECT_FALSE(std::signbit(parsed->rows.values[2]));
    EXPECT_TRUE(std::signbit(parsed->rows.values[3]));
}

TEST(PredictRequestTest, ErrorsAfterARunOfPlainDecimals) {
    EXPECT_EQ(error_of(R"({"features": [1.5, 2.5, 3.5, 4.5]})"),
              "features has more than the 3 features the model expects");
    EXPECT_EQ(error_of(R"({"features": [1.5, 2.5, 3.5, "x"]})"),
              "features[3] is a string; expected a number");
    EXPECT_EQ(error_of(R"({"features": [1.5, 2.5, 3.5, 01]})"),
              "malformed JSON at byte 30: invalid number: a leading zero must stand alone");
    EXPECT_EQ(error_of(R"({"features": [1.5, 2.5]})"),
              "features has 2 features; the model expects 3");
    EXPECT_EQ(error_of(R"({"features": [1.5, 2.5, )"),
              "malformed JSON at byte 24: expected a value, got the end of the body");
    EXPECT_EQ(error_of(R"({"features": [1.5, 2.5)"),
              "malformed JSON at byte 22: expected ',' or ']' after an array element, got the "
              "end of the body");
    EXPECT_EQ(error_of(R"({"features": [1.5, 340282356779733661637539395458142568448, 3]})"),
              "features[1] = 340282356779733661637539395458142568448 is beyond float range");
    EXPECT_EQ(error_of(R"({"instances": [[1, 2, 3], [4, 5, 6e]]})"),
              "malformed JSON at byte 35: invalid number: expected a digit in the exponent");
}

}  // namespace
}  // namespace slipway::serve
