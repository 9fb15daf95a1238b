#include "serve/protocol/infer_request.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "serve/protocol/json_error.h"
#include "serve/protocol/json_numbers.h"

namespace slipway::serve {
namespace {

using json = nlohmann::json;

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

// parameters.<name> as a bool, or false when absent; an error for another type.
ApiResult<bool> bool_parameter(const json& object, const char* name, const std::string& where) {
    const auto parameters = object.find("parameters");
    if (parameters == object.end()) return false;
    if (!parameters->is_object()) return bad_request(where + ".parameters must be an object");
    const auto value = parameters->find(name);
    if (value == parameters->end()) return false;
    if (!value->is_boolean()) {
        return bad_request(where + ".parameters." + name + " must be true or false");
    }
    return value->get<bool>();
}

// Appends every number of `data` (nested arrays allowed, row-major) to `out`.
std::optional<ApiError> flatten_numbers(const json& data, const std::string& path,
                                        std::vector<float>& out, size_t max_values) {
    if (data.is_array()) {
        for (size_t i = 0; i < data.size(); ++i) {
            if (auto error =
                    flatten_numbers(data[i], element_path(path.c_str(), i), out, max_values)) {
                return error;
            }
        }
        return std::nullopt;
    }
    if (!data.is_number()) {
        return bad_request(path + " is " + json_kind(data.type_name()) + "; expected a number");
    }
    if (out.size() >= max_values) {
        return bad_request("data has more elements than its shape says (" +
                           std::to_string(max_values) + ")");
    }
    const std::optional<float> value = to_model_float(data.get<double>());
    if (!value) return bad_request(path + " is beyond float range");
    out.push_back(*value);
    return std::nullopt;
}

// Checks shape [rows, features] against the limits; returns rows.
ApiResult<size_t> check_shape(const json& input, const RowLimits& limits) {
    const auto shape = input.find("shape");
    if (shape == input.end() || !shape->is_array()) {
        return bad_request("inputs[0].shape is missing; expected [rows, " +
                           std::to_string(limits.features) + "]");
    }
    std::vector<int64_t> dims;
    for (const json& dim : *shape) {
        if (!dim.is_number_integer()) return bad_request("inputs[0].shape holds a non-integer");
        dims.push_back(dim.get<int64_t>());
    }
    if (dims.size() != 2 || dims[1] != static_cast<int64_t>(limits.features)) {
        return bad_request("inputs[0].shape is " + shape->dump() + "; expected [rows, " +
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

ApiResult<FeatureRows> read_input(const json& request, std::string_view binary,
                                  const InferSignature& signature) {
    const auto inputs = request.find("inputs");
    if (inputs == request.end() || !inputs->is_array() || inputs->size() != 1) {
        return bad_request("\"inputs\" must be an array with one tensor, \"" +
                           signature.input_name + "\"");
    }
    const json& input = (*inputs)[0];
    if (!input.is_object()) return bad_request("inputs[0] must be an object");
    const auto name = input.find("name");
    if (name == input.end() || !name->is_string() ||
        name->get_ref<const std::string&>() != signature.input_name) {
        return bad_request("inputs[0].name is " + (name == input.end() ? "missing" : name->dump()) +
                           "; the model's input is \"" + signature.input_name + "\"");
    }
    const auto datatype = input.find("datatype");
    if (datatype == input.end() || !datatype->is_string() ||
        datatype->get_ref<const std::string&>() != "FP32") {
        return bad_request("inputs[0].datatype is " +
                           (datatype == input.end() ? std::string("missing") : datatype->dump()) +
                           "; the model takes FP32");
    }
    ApiResult<size_t> rows = check_shape(input, signature.limits);
    if (!rows) return rows.error();

    FeatureRows out;
    out.rows = rows.value();
    out.width = signature.limits.features;
    const size_t count = out.rows * out.width;

    const auto parameters = input.find("parameters");
    const bool has_binary = parameters != input.end() && parameters->is_object() &&
                            parameters->contains("binary_data_size");
    if (has_binary) {
        const json& size = (*parameters)["binary_data_size"];
        if (!size.is_number_unsigned()) {
            return bad_request("inputs[0].parameters.binary_data_size must be a byte count");
        }
        if (auto error =
                read_binary_input(binary, count * sizeof(float), size.get<size_t>(), out.values)) {
            return *error;
        }
        return out;
    }
    if (!binary.empty()) {
        return bad_request(
            "the body has binary data after the JSON but inputs[0] has no "
            "parameters.binary_data_size");
    }
    const auto data = input.find("data");
    if (data == input.end()) {
        return bad_request("inputs[0] has neither \"data\" nor parameters.binary_data_size");
    }
    out.values.reserve(count);
    if (auto error = flatten_numbers(*data, "inputs[0].data", out.values, count)) return *error;
    if (out.values.size() != count) {
        return bad_request("inputs[0].data has " + std::to_string(out.values.size()) +
                           " elements; shape [" + std::to_string(out.rows) + ", " +
                           std::to_string(out.width) + "] needs " + std::to_string(count));
    }
    return out;
}

ApiResult<std::vector<RequestedOutput>> read_outputs(const json& request,
                                                     const InferSignature& signature) {
    std::vector<RequestedOutput> outputs;
    const auto list = request.find("outputs");
    if (list == request.end()) return outputs;
    if (!list->is_array()) return bad_request("\"outputs\" must be an array");
    for (size_t i = 0; i < list->size(); ++i) {
        const json& output = (*list)[i];
        const std::string where = element_path("outputs", i);
        if (!output.is_object() || !output.contains("name") || !output["name"].is_string()) {
            return bad_request(where + " must be an object with a \"name\"");
        }
        RequestedOutput requested{output["name"].get<std::string>(), false};
        bool known = false;
        std::string names;
        for (const std::string& name : signature.output_names) {
            known = known || name == requested.name;
            names += (names.empty() ? "\"" : ", \"") + name + "\"";
        }
        if (!known) {
            return bad_request(where + " names \"" + requested.name +
                               "\"; the model's outputs are " + names);
        }
        ApiResult<bool> binary = bool_parameter(output, "binary_data", where);
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

    json request;
    try {
        request = json::parse(header.begin(), header.end());
    } catch (const json::parse_error& error) {
        return bad_request(malformed_json_message(error.byte, error.what()));
    } catch (const json::exception& error) {  // out_of_range: a number beyond double range
        return bad_request(malformed_json_message(0, error.what()));
    }
    if (!request.is_object()) {
        return bad_request("the body is " + json_kind(request.type_name()) +
                           "; expected an inference request object");
    }

    InferRequest out;
    if (const auto id = request.find("id"); id != request.end()) {
        if (!id->is_string()) return bad_request("\"id\" must be a string");
        out.id = id->get<std::string>();
    }
    ApiResult<bool> binary_default = bool_parameter(request, "binary_data_output", "request");
    if (!binary_default) return binary_default.error();
    out.binary_by_default = binary_default.value();

    ApiResult<FeatureRows> rows = read_input(request, binary, signature);
    if (!rows) return rows.error();
    out.rows = std::move(rows).value();

    ApiResult<std::vector<RequestedOutput>> outputs = read_outputs(request, signature);
    if (!outputs) return outputs.error();
    out.outputs = std::move(outputs).value();
    return out;
}

}  // namespace slipway::serve
