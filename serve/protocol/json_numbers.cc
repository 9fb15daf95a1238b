#include "serve/protocol/json_numbers.h"

#include <cmath>
#include <limits>
#include <string_view>

namespace slipway::serve {

std::optional<float> to_model_float(double value) {
    if (!std::isfinite(value) || std::fabs(value) > std::numeric_limits<float>::max()) {
        return std::nullopt;
    }
    return static_cast<float>(value);
}

std::string element_path(const char* array, size_t index) {
    return std::string(array) + "[" + std::to_string(index) + "]";
}

std::string element_path(const char* array, size_t row, size_t column) {
    return element_path(array, row) + "[" + std::to_string(column) + "]";
}

std::string json_kind(const char* nlohmann_type_name) {
    const std::string_view name = nlohmann_type_name;
    if (name == "object" || name == "array") return "an " + std::string(name);
    if (name == "null") return "null";
    return "a " + std::string(name);
}

}  // namespace slipway::serve
