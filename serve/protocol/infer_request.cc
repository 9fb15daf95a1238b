#include "serve/protocol/infer_request.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "serve/protocol/infer_body.h"
#include "serve/protocol/json_error.h"
#include "serve/protocol/json_numbers.h"
#include "serve/protocol/json_text.h"

namespace slipway::serve {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the binary tensor extension sends little-endian floats; add a byte swap");

ApiResult<size_t> parse_header_length(std::string_view text, size_t body_size) {
    size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
        return bad_request("Inference-Header-Content-Length is \"" + std::string(text) +
                           "\"; expected a byte count");
    }
    if (value > body_size) {
        return bad_request("Inference-Header-Content-Length is " + std::to_string(value) +
                           " but the body has only " + std::to_string(body_size) + " bytes");
    }
    return value;
}

// A member's JSON text for a message, or "missing".
std::string shown(const std::optional<std::string_view>& member) {
    return member ? excerpt(*member) : std::string("missing");
}

// parameters.<name> as a bool, or false when absent; an error for another type.
ApiResult<bool> bool_parameter(const std::optional<std::string_view>& parameters, const char* name,
                               const std::string& where) {
    if (!parameters) return false;
    if (kind_of(*parameters) != JsonKind::kObject) {
        return bad_request(where + ".parameters must be an object");
    }
    const std::optional<std::string_view> value = find_member(*parameters, name);
    if (!value) return false;
    if (kind_of(*value) != JsonKind::kBoolean) {
        return bad_request(where + ".parameters." + name + " must be true or false");
    }
    return boolean_value(*value);
}

// The data's values once the shape says how many there must be. The checks come out as if the
// data were walked in order and stopped at the first element that is not a number, is one too
// many, or lies beyond float range.
std::optional<ApiError> check_data(const TensorData& data, size_t count) {
    constexpr size_t kNone = std::numeric_limits<size_t>::max();
    const size_t not_a_number = data.not_a_number ? data.not_a_number->position : kNone;
    const size_t beyond_range = data.beyond_float_range ? data.beyond_float_range->position : kNone;
    if (not_a_number <= count && not_a_number <= beyond_range) {
        return bad_request(data.not_a_number->path + " is " + describe(data.not_a_number->kind) +
                           "; expected a number");
    }
    if (data.count > count && count <= beyond_range) {
        return bad_request("data has more elements than its shape says (" + std::to_string(count) +
                           ")");
    }
    if (data.beyond_float_range) {
        return bad_request(data.beyond_float_range->path + " is beyond float range");
    }
    return std::nullopt;
}

// Checks shape [rows, features] against the limits; returns rows.
ApiResult<size_t> check_shape(const std::optional<std::string_view>& shape,
                              const RowLimits& limits) {
    if (!shape || kind_of(*shape) != JsonKind::kArray) {
        return bad_request("inputs[0].shape is missing; expected [rows, " +
                           std::to_string(limits.features) + "]");
    }
    std::vector<int64_t> dims;
    std::string shown = "[";
    for (const std::string_view element : array_elements(*shape)) {
        const std::optional<JsonInteger> dim =
            kind_of(element) == JsonKind::kNumber ? json_integer(element) : std::nullopt;
        if (!dim) return bad_request("inputs[0].shape holds a non-integer");
        shown += (dims.empty() ? "" : ",") + dim->text;
        dims.push_back(dim->value);
    }
    shown += "]";
    if (dims.size() != 2 || dims[1] != static_cast<int64_t>(limits.features)) {
        return bad_request("inputs[0].shape is " + shown + "; expected [rows, " +
                           std::to_string(limits.features) + "]");
    }
    if (dims[0] < 1) return bad_request("inputs[0].shape has no rows; send at least one");
    if (dims[0] > static_cast<int64_t>(limits.max_rows)) {
        return bad_request("inputs[0] has " + std::to_string(dims[0]) + " rows; at most " +
                           std::to_string(limits.max_rows) + " per request");
    }
    return static_cast<size_t>(dims[0]);
}

std::optional<ApiError> read_binary_input(std::string_view binary, size_t expected_bytes,
                                          size_t declared_bytes, std::vector<float>& out) {
    if (declared_bytes != expected_bytes) {
        return bad_request("inputs[0].parameters.binary_data_size is " +
                           std::to_string(declared_bytes) + "; the shape needs " +
                           std::to_string(expected_bytes) + " bytes of FP32");
    }
    if (binary.size() != declared_bytes) {
        return bad_request("the body carries " + std::to_string(binary.size()) +
                           " bytes of binary tensor data; binary_data_size says " +
                           std::to_string(declared_bytes));
    }
    out.resize(expected_bytes / sizeof(float));
    std::memcpy(out.data(), binary.data(), expected_bytes);
    for (size_t i = 0; i < out.size(); ++i) {
        if (!std::isfinite(out[i])) {
            return bad_request("inputs[0] element " + std::to_string(i) + " is not finite");
        }
    }
    return std::nullopt;
}

ApiResult<FeatureRows> read_input(InferBody& body, std::string_view binary,
                                  const InferSignature& signature) {
    if (body.inputs != JsonKind::kArray || body.input_count != 1) {
        return bad_request("\"inputs\" must be an array with one tensor, \"" +
                           signature.input_name + "\"");
    }
    if (body.first_input != JsonKind::kObject) return bad_request("inputs[0] must be an object");
    InputMembers& input = body.input;
    if (!input.name || kind_of(*input.name) != JsonKind::kString ||
        string_value(*input.name) != signature.input_name) {
        return bad_request("inputs[0].name is " + shown(input.name) + "; the model's input is \"" +
                           signature.input_name + "\"");
    }
    if (!input.datatype || kind_of(*input.datatype) != JsonKind::kString ||
        string_value(*input.datatype) != "FP32") {
        return bad_request("inputs[0].datatype is " + shown(input.datatype) +
                           "; the model takes FP32");
    }
    ApiResult<size_t> rows = check_shape(input.shape, signature.limits);
    if (!rows) return rows.error();

    FeatureRows out;
    out.rows = rows.value();
    out.width = signature.limits.features;
    const size_t count = out.rows * out.width;

    const std::optional<std::string_view> binary_size =
        input.parameters && kind_of(*input.parameters) == JsonKind::kObject
            ? find_member(*input.parameters, "binary_data_size")
            : std::nullopt;
    if (binary_size) {
        const std::optional<JsonInteger> size =
            kind_of(*binary_size) == JsonKind::kNumber ? json_integer(*binary_size) : std::nullopt;
        if (!size || !size->is_unsigned) {
            return bad_request("inputs[0].parameters.binary_data_size must be a byte count");
        }
        if (auto error = read_binary_input(binary, count * sizeof(float), size->unsigned_value,
                                           out.values)) {
            return *error;
        }
        return out;
    }
    if (!binary.empty()) {
        return bad_request(
            "the body has binary data after the JSON but inputs[0] has no "
            "parameters.binary_data_size");
    }
    if (!input.data) {
        return bad_request("inputs[0] has neither \"data\" nor parameters.binary_data_size");
    }
    if (auto error = check_data(*input.data, count)) return *error;
    if (input.data->count != count) {
        return bad_request("inputs[0].data has " + std::to_string(input.data->count) +
                           " elements; shape [" + std::to_string(out.rows) + ", " +
                           std::to_string(out.width) + "] needs " + std::to_string(count));
    }
    out.values = std::move(input.data->values);
    return out;
}

ApiResult<std::vector<RequestedOutput>> read_outputs(const std::optional<std::string_view>& list,
                                                     const InferSignature& signature) {
    std::vector<RequestedOutput> outputs;
    if (!list) return outputs;
    if (kind_of(*list) != JsonKind::kArray) return bad_request("\"outputs\" must be an array");
    const std::vector<std::string_view> elements = array_elements(*list);
    for (size_t i = 0; i < elements.size(); ++i) {
        const std::string where = element_path("outputs", i);
        const std::optional<std::string_view> name = kind_of(elements[i]) == JsonKind::kObject
                                                         ? find_member(elements[i], "name")
                                                         : std::nullopt;
        if (!name || kind_of(*name) != JsonKind::kString) {
            return bad_request(where + " must be an object with a \"name\"");
        }
        RequestedOutput requested{string_value(*name), false};
        bool known = false;
        std::string names;
        for (const std::string& output_name : signature.output_names) {
            known = known || output_name == requested.name;
            names += (names.empty() ? "\"" : ", \"") + output_name + "\"";
        }
        if (!known) {
            return bad_request(where + " names \"" + requested.name +
                               "\"; the model's outputs are " + names);
        }
        ApiResult<bool> binary =
            bool_parameter(find_member(elements[i], "parameters"), "binary_data", where);
        if (!binary) return binary.error();
        requested.binary = binary.value();
        outputs.push_back(std::move(requested));
    }
    return outputs;
}

}  // namespace

ApiResult<InferRequest> parse_infer_request(std::string_view body,
                                            std::optional<std::string_view> header_length,
                                            const InferSignature& signature) {
    std::string_view header = body;
    std::string_view binary;
    if (header_length) {
        ApiResult<size_t> length = parse_header_length(*header_length, body.size());
        if (!length) return length.error();
        header = body.substr(0, length.value());
        binary = body.substr(length.value());
    }
    if (header.empty()) return bad_request("empty body; expected an inference request object");

    // Data values past the largest tensor the model takes only make the request wrong.
    const size_t keep = signature.limits.max_rows * signature.limits.features + 1;
    ApiResult<InferBody> scanned = scan_infer_body(header, keep);
    if (!scanned) return scanned.error();
    InferBody& request = scanned.value();
    if (request.kind != JsonKind::kObject) {
        return bad_request(std::string("the body is ") + describe(request.kind) +
                           "; expected an inference request object");
    }

    InferRequest out;
    if (request.id) {
        if (kind_of(*request.id) != JsonKind::kString)
            return bad_request("\"id\" must be a string");
        out.id = string_value(*request.id);
    }
    ApiResult<bool> binary_default =
        bool_parameter(request.parameters, "binary_data_output", "request");
    if (!binary_default) return binary_default.error();
    out.binary_by_default = binary_default.value();

    ApiResult<FeatureRows> rows = read_input(request, binary, signature);
    if (!rows) return rows.error();
    out.rows = std::move(rows).value();

    ApiResult<std::vector<RequestedOutput>> outputs = read_outputs(request.outputs, signature);
    if (!outputs) return outputs.error();
    out.outputs = std::move(outputs).value();
    return out;
}

}  // namespace slipway::serve
