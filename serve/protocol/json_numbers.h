#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace slipway::serve {

// A JSON number as a float for a model input: nullopt when it lies beyond float range (it
// would turn into inf and poison every output).
std::optional<float> to_model_float(double value);

// "features[3]" / "instances[2][5]": the path of an element, for error messages.
std::string element_path(const char* array, size_t index);
std::string element_path(const char* array, size_t row, size_t column);

// "a string", "an object", ...: what a JSON value is, for "expected a number, got ...".
std::string json_kind(const char* nlohmann_type_name);

}  // namespace slipway::serve
