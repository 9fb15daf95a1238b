#include "serve/protocol/infer_request.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
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

std::string json_input(const std::string& shape, const std::string& data,
                       const std::string& extra = "") {
    return R"({"inputs": [{"name": "features", "datatype": "FP32", "shape": )" + shape +
           R"(, "data": )" + data + extra + "}]}";
}

TEST(InferRequestTest, JsonDataIsExactlyStrtof) {
    const std::vector<std::string> texts = {"0.1234", "-7.25e-3", "0.30000000000000004"};
    ApiResult<InferRequest> parsed = parse_infer_request(
        json_input("[1, 3]", "[" + texts[0] + "," + texts[1] + "," + texts[2] + "]"),
        std::nullopt, kSignature);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    for (size_t i = 0; i < texts.size(); ++i) {
        const float expected = std::strtof(texts[i].c_str(), nullptr);
        EXPECT_EQ(std::memcmp(&parsed->rows.values[i], &expected, sizeof(float)), 0) << i;
    }
}

// A tree took members in any order and the last of a repeated key; so does the scan.
TEST(InferRequestTest, MemberOrderAndRepeatedKeys) {
    const std::string body = R"({"outputs": [{"parameters": {"binary_data": true},
        "name": "logits"}], "inputs": [{"data": [[9, 9, 9]], "datatype": "FP32",
        "shape": [1, 3], "data": [1, 2, 3], "name": "nope", "name": "features"}],
        "id": 7, "id": "second", "parameters": {"binary_data_output": false,
        "binary_data_output": true}})";
    ApiResult<InferRequest> parsed = parse_infer_request(body, std::nullopt, kSignature);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->id, "second");
    EXPECT_TRUE(parsed->binary_by_default);
    EXPECT_EQ(parsed->rows.values, (std::vector<float>{1, 2, 3}));
    ASSERT_EQ(parsed->outputs.size(), 1u);
    EXPECT_TRUE(parsed->outputs[0].binary);
}

TEST(InferRequestTest, UnknownMembersAreSkippedHoweverNested) {
    const std::string junk = R"({"a": [1, {"b": [true, false, null, "x\"y\u00e9", -1.5e-3, {}]}],
        "c": {"d": {"e": [[[[]]]]}}})";
    const std::string body = R"({"model_version": "1", "junk": )" + junk +
                             R"(, "inputs": [{"name": "features", "shape": [1, 3],
        "parameters": {"other": )" + junk + R"(}, "datatype": "FP32", "data": [1, 2, 3],
        "more": )" + junk + R"(}], "parameters": {"x": )" + junk + "}}";
    ApiResult<InferRequest> parsed = parse_infer_request(body, std::nullopt, kSignature);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->rows.values, (std::vector<float>{1, 2, 3}));
}

TEST(InferRequestTest, EscapedStringsAreDecoded) {
    const std::string body = R"({"id": "a\"b\u00e9", "inputs": [{"name": "f\u0065atures",
        "shape": [1, 3], "datatype": "FP\u00332", "data": [1, 2, 3]}],
        "outputs": [{"name": "logit\u0073"}]})";
    ApiResult<InferRequest> parsed = parse_infer_request(body, std::nullopt, kSignature);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->id, "a\"b\xC3\xA9");
    ASSERT_EQ(parsed->outputs.size(), 1u);
    EXPECT_EQ(parsed->outputs[0].name, "logits");
}

// Syntax is checked over the whole body first, as when it was parsed into a tree: a request
// both malformed and wrong hears of the JSON error.
TEST(InferRequestTest, MalformedJsonAnywhereComesFirst) {
    EXPECT_EQ(error_of(json_input("[1, 3]", "[1, \"a\", 3]", R"(, "x": [1,])")),
              "malformed JSON at byte 99: expected a value, got ']'");
    EXPECT_EQ(error_of(R"({"inputs": [], "x": 01})"),
              "malformed JSON at byte 21: invalid number: a leading zero must stand alone");
    EXPECT_EQ(error_of(R"({"inputs": []} {})"),
              "malformed JSON at byte 15: unexpected '{' after the JSON value");
    EXPECT_EQ(error_of(std::string("{\"inputs\": []}\0", 15)),
              "malformed JSON at byte 14: unexpected byte 0x00 after the JSON value");
    EXPECT_EQ(error_of(R"({"inputs": [], "x": 1e400})"),
              "malformed JSON at byte 20: number overflow parsing '1e400'");
    EXPECT_EQ(error_of("[1, 2]"), "the body is an array; expected an inference request object");
    EXPECT_EQ(error_of("null"), "the body is null; expected an inference request object");
}

TEST(InferRequestTest, DeepNestingIsA400) {
    EXPECT_NE(error_of(std::string(100'000, '[')).find("nesting deeper than 256 levels"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"x": )" + std::string(100'000, '[')).find("nesting deeper"),
              std::string::npos);
    EXPECT_NE(error_of(json_input("[1, 3]", std::string(100'000, '[')))
                  .find("malformed JSON at byte 331: nesting deeper"),
              std::string::npos);
}

TEST(InferRequestTest, DataProblemsInTheOrderTheyWouldBeMet) {
    EXPECT_EQ(error_of(json_input("[1, 3]", "[1, [2, [null]], 3]")),
              "inputs[0].data[1][1][0] is null; expected a number");
    EXPECT_EQ(error_of(json_input("[1, 3]", "[1, 1e39, 3]")),
              "inputs[0].data[1] is beyond float range");
    // The first problem met walking the data wins.
    EXPECT_EQ(error_of(json_input("[1, 3]", "[1, 1e39, \"x\"]")),
              "inputs[0].data[1] is beyond float range");
    EXPECT_EQ(error_of(json_input("[1, 3]", "[1, {}, 1e39]")),
              "inputs[0].data[1] is an object; expected a number");
    EXPECT_EQ(error_of(json_input("[1, 3]", "[1, 2, 3, 4, \"x\"]")),
              "data has more elements than its shape says (3)");
    EXPECT_EQ(error_of(json_input("[1, 3]", "[1, 2, 3, \"x\"]")),
              "inputs[0].data[3] is a string; expected a number");
    EXPECT_EQ(error_of(json_input("[1, 3]", "[1, 2, 3, 1e39]")),
              "data has more elements than its shape says (3)");
    EXPECT_EQ(error_of(json_input("[1, 3]", "true")),
              "inputs[0].data is a boolean; expected a number");
    EXPECT_EQ(error_of(json_input("[1, 3]", "5")),
              "inputs[0].data has 1 elements; shape [1, 3] needs 3");
    ApiResult<InferRequest> ragged =
        parse_infer_request(json_input("[2, 3]", "[[1], [], [2, [3, 4]], 5, [[6]]]"),
                            std::nullopt, kSignature);
    ASSERT_TRUE(ragged.ok()) << ragged.error().message;
    EXPECT_EQ(ragged->rows.values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(InferRequestTest, ShapesAndSizesAreIntegersAsNlohmannTypedThem) {
    EXPECT_EQ(error_of(json_input("[1.0, 3]", "[1, 2, 3]")), "inputs[0].shape holds a non-integer");
    EXPECT_EQ(error_of(json_input("[1e0, 3]", "[1, 2, 3]")), "inputs[0].shape holds a non-integer");
    EXPECT_EQ(error_of(json_input("[\"1\", 3]", "[1, 2, 3]")),
              "inputs[0].shape holds a non-integer");
    EXPECT_EQ(error_of(json_input("[1, 3, 1]", "[1, 2, 3]")),
              "inputs[0].shape is [1,3,1]; expected [rows, 3]");
    EXPECT_EQ(error_of(json_input("[-0, 3]", "[]")),
              "inputs[0].shape has no rows; send at least one");
    EXPECT_EQ(error_of(json_input("[18446744073709551615, 3]", "[]")),
              "inputs[0].shape has no rows; send at least one");
    EXPECT_EQ(error_of(json_input("[18446744073709551616, 3]", "[]")),
              "inputs[0].shape holds a non-integer");
    EXPECT_EQ(error_of(json_input("[1, 18446744073709551615]", "[]")),
              "inputs[0].shape is [1,18446744073709551615]; expected [rows, 3]");
    EXPECT_EQ(error_of(json_input("{}", "[]")), "inputs[0].shape is missing; expected [rows, 3]");
    for (const char* size : {"12.0", "-12", "\"12\"", "1e1"}) {
        const std::string json = R"({"inputs": [{"name": "features", "shape": [1, 3],
            "datatype": "FP32", "parameters": {"binary_data_size": )" +
                                 std::string(size) + "}}]}";
        EXPECT_EQ(error_of(with_binary(json, {1, 2, 3}), std::to_string(json.size())),
                  "inputs[0].parameters.binary_data_size must be a byte count")
            << size;
    }
}

TEST(InferRequestTest, WrongTypesOfTheSmallMembers) {
    EXPECT_EQ(error_of(R"({"id": 5, "inputs": []})"), "\"id\" must be a string");
    EXPECT_EQ(error_of(R"({"parameters": [], "inputs": []})"),
              "request.parameters must be an object");
    EXPECT_EQ(error_of(R"({"parameters": {"binary_data_output": 1}, "inputs": []})"),
              "request.parameters.binary_data_output must be true or false");
    EXPECT_EQ(error_of(R"({"inputs": {}})"),
              "\"inputs\" must be an array with one tensor, \"features\"");
    EXPECT_EQ(error_of(R"({"inputs": [{}, {}]})"),
              "\"inputs\" must be an array with one tensor, \"features\"");
    EXPECT_EQ(error_of(R"({"inputs": [[]]})"), "inputs[0] must be an object");
    EXPECT_EQ(error_of(R"({"inputs": [{"name": 5}]})"),
              "inputs[0].name is 5; the model's input is \"features\"");
    EXPECT_EQ(error_of(R"({"inputs": [{"datatype": "FP32"}]})"),
              "inputs[0].name is missing; the model's input is \"features\"");
    EXPECT_EQ(error_of(R"({"inputs": [{"name": "features", "datatype": "FP16"}]})"),
              "inputs[0].datatype is \"FP16\"; the model takes FP32");
    EXPECT_EQ(error_of(R"({"inputs": [{"name": ")" + std::string(1000, 'x') + R"("}]})"),
              "inputs[0].name is \"" + std::string(39, 'x') +
                  "...; the model's input is \"features\"");
    const std::string good = json_input("[1, 3]", "[1, 2, 3]");
    const std::string base = good.substr(0, good.size() - 1);
    EXPECT_EQ(error_of(base + R"(, "outputs": {}})"), "\"outputs\" must be an array");
    EXPECT_EQ(error_of(base + R"(, "outputs": [{"name": "logits"}, {}]})"),
              "outputs[1] must be an object with a \"name\"");
    EXPECT_EQ(error_of(base + R"(, "outputs": [{"name": "logits", "parameters": 1}]})"),
              "outputs[0].parameters must be an object");
    EXPECT_EQ(error_of(base + R"(, "outputs": [{"name": "logits",
        "parameters": {"binary_data": "yes"}}]})"),
              "outputs[0].parameters.binary_data must be true or false");
}

// Plain decimals take a faster path than other numbers; data that mixes them, flat or nested,
// reads the same, and its problems are met in the same order.
TEST(InferRequestTest, JsonDataMixingNumberFormsReadsInOrder) {
    for (const char* data :
         {"[0.5, 2e3, -0, -0.0, 0.25, 1E-1]", "[[0.5, 2e3, -0], [-0.0, 0.25, 1E-1]]",
          "[[0.5], [2e3, -0, -0.0, [0.25]], 1E-1]"}) {
        ApiResult<InferRequest> parsed =
            parse_infer_request(json_input("[2, 3]", data), std::nullopt, kSignature);
        ASSERT_TRUE(parsed.ok()) << data << ": " << parsed.error().message;
        EXPECT_EQ(parsed->rows.values,
                  (std::vector<float>{0.5f, 2000.0f, 0.0f, -0.0f, 0.25f, 0.1f}))
            << data;
        EXPECT_FALSE(std::signbit(parsed->rows.values[2])) << data;
        EXPECT_TRUE(std::signbit(parsed->rows.values[3])) << data;
    }
    EXPECT_EQ(error_of(json_input("[1, 3]", "[1.5, 2.5, \"x\"]")),
              "inputs[0].data[2] is a string; expected a number");
    EXPECT_EQ(error_of(json_input("[1, 3]", "[[1.5], [2.5, 1e39]]")),
              "inputs[0].data[1][1] is beyond float range");
    EXPECT_EQ(error_of(json_input("[1, 3]", "[1.5, 2.5, 3.5, 4.5, 5.5]")),
              "data has more elements than its shape says (3)");
    EXPECT_EQ(error_of(json_input("[1, 3]", "[1.5, 2.5]")),
              "inputs[0].data has 2 elements; shape [1, 3] needs 3");
}

}  // namespace
}  // namespace slipway::serve
