#include "serve/protocol/predict_request.h"

#include <algorithm>
#include <optional>
#include <string>

#include "serve/protocol/json_error.h"
#include "serve/protocol/json_numbers.h"
#include "serve/protocol/json_reader.h"

namespace slipway::serve {
namespace {

const char* const kExpectedBody = "expected {\"features\": [...]} or {\"instances\": [[...], ...]}";

// The next value is not what `subject` should be: a 400 that names what it is instead, or the
// JSON error when the value is malformed.
ApiError wrong_value(JsonReader& reader, const std::string& subject, const char* expected) {
    const JsonKind kind = reader.identify_value();
    if (kind == JsonKind::kInvalid) return bad_request(reader.error());
    return bad_request(subject + " is " + describe(kind) + "; " + expected);
}

// One row being read: "features" or instances[row], for messages.
struct RowName {
    std::optional<size_t> instance;

    std::string row() const {
        return instance ? element_path("instances", *instance) : std::string("features");
    }
    std::string element(size_t column) const {
        return instance ? element_path("instances", *instance, column)
                        : element_path("features", column);
    }
};

// Reads element `column` of a row as read_plain_floats could not: any number, or the error
// that names what stands there instead.
std::optional<ApiError> read_feature(JsonReader& reader, const RowLimits& limits,
                                     const RowName& name, size_t column, float* row) {
    if (reader.peek() != JsonKind::kNumber) {
        return wrong_value(reader, name.element(column), "expected a number");
    }
    double number = 0;
    if (!reader.read_number(number)) return bad_request(reader.error());
    if (column >= limits.features) {
        return bad_request(name.row() + " has more than the " + std::to_string(limits.features) +
                           " features the model expects");
    }
    const std::optional<float> value = to_model_float(number);
    if (!value) {
        return bad_request(name.element(column) + " = " + excerpt(reader.last_number()) +
                           " is beyond float range");
    }
    row[column] = *value;
    return std::nullopt;
}

// Reads the numbers of one row, its '[' already consumed, onto `values`. Runs of plain decimals
// (nearly every body) go through read_plain_floats; whatever it leaves, including the
// element past the model's width, takes the general path and its messages.
std::optional<ApiError> read_row(JsonReader& reader, const RowLimits& limits, RowName name,
                                 std::vector<float>& values) {
    // The row is written in place: on success it holds exactly limits.features values, and on
    // failure the request is dropped with whatever it holds.
    const size_t row_start = values.size();
    values.resize(row_start + limits.features);
    float* const row = values.data() + row_start;
    size_t column = 0;
    PlainFloatTries tries;
    for (;; ++column) {
        if (tries.worthwhile()) {
            const size_t taken =
                reader.read_plain_floats(column, row + column, limits.features - column);
            tries.record(taken);
            column += taken;
        }
        if (!reader.next_element(column)) break;
        if (auto error = read_feature(reader, limits, name, column, row)) return error;
    }
    if (reader.failed()) return bad_request(reader.error());
    if (column != limits.features) {
        return bad_request(name.row() + " has " + std::to_string(column) +
                           " features; the model expects " + std::to_string(limits.features));
    }
    return std::nullopt;
}

std::optional<ApiError> read_features(JsonReader& reader, const RowLimits& limits,
                                      PredictRequest& request) {
    if (reader.peek() != JsonKind::kArray) {
        return wrong_value(reader, "\"features\"", "expected an array of numbers");
    }
    reader.begin_array();
    request.single = true;
    request.rows.values.reserve(limits.features);
    if (auto error = read_row(reader, limits, RowName{}, request.rows.values)) return error;
    request.rows.rows = 1;
    return std::nullopt;
}

std::optional<ApiError> read_instances(JsonReader& reader, const RowLimits& limits,
                                       size_t body_size, PredictRequest& request) {
    if (reader.peek() != JsonKind::kArray) {
        return wrong_value(reader, "\"instances\"", "expected an array of rows");
    }
    reader.begin_array();
    // Each number takes at least two bytes ("0,"), which bounds the rows the body can hold:
    // one allocation that is never far too big.
    const size_t width = std::max<size_t>(limits.features, 1);
    request.rows.values.reserve(std::min(limits.max_rows, body_size / (2 * width) + 1) * width);
    size_t row = 0;
    for (; reader.next_element(row); ++row) {
        if (reader.peek() != JsonKind::kArray) {
            return wrong_value(reader, element_path("instances", row),
                               "expected an array of numbers");
        }
        if (row >= limits.max_rows) {
            return bad_request("more than " + std::to_string(limits.max_rows) +
                               " instances; split the batch");
        }
        reader.begin_array();
        if (auto error = read_row(reader, limits, RowName{row}, request.rows.values)) {
            return error;
        }
    }
    if (reader.failed()) return bad_request(reader.error());
    if (row == 0) return bad_request("\"instances\" is empty; send at least one row");
    request.rows.rows = row;
    return std::nullopt;
}

}  // namespace

ApiResult<PredictRequest> parse_predict_request(std::string_view body, const RowLimits& limits) {
    if (body.empty()) return bad_request("empty body; expected {\"features\": [...]}");
    JsonReader reader(body);
    if (reader.peek() != JsonKind::kObject) {
        return wrong_value(reader, "the body", "expected an object like {\"features\": [...]}");
    }
    reader.begin_object();
    PredictRequest request;
    request.rows.width = limits.features;
    std::string key;
    if (!reader.next_member(0, key)) {
        if (reader.failed()) return bad_request(reader.error());
        return bad_request(std::string("empty object; ") + kExpectedBody);
    }
    std::optional<ApiError> error;
    if (key == "features") {
        error = read_features(reader, limits, request);
    } else if (key == "instances") {
        error = read_instances(reader, limits, body.size(), request);
    } else {
        return bad_request("unknown key \"" + key +
                           "\"; expected \"features\" (one row) or \"instances\" (a list of rows)");
    }
    if (error) return *error;
    if (reader.next_member(1, key)) {
        return bad_request(
            "the body has more than one key; send either \"features\" or \"instances\"");
    }
    if (!reader.finish()) return bad_request(reader.error());
    return request;
}

}  // namespace slipway::serve
