#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace slipway::serve {

// A JSON number as a float for a model input: nullopt when it lies beyond float range (it
// would turn into inf and poison every output). Inline: it runs once per request value.
inline std::optional<float> to_model_float(double value) {
    if (!std::isfinite(value) || std::fabs(value) > std::numeric_limits<float>::max()) {
        return std::nullopt;
    }
    return static_cast<float>(value);
}

// A JSON integer as the v2 checks see it, typed the way nlohmann::json typed it so the same
// shapes and sizes pass: digits without fraction or exponent that fit int64 when negative or
// uint64 otherwise. Anything else (1.0, 1e2, 2^64) is not an integer.
struct JsonInteger {
    int64_t value = 0;  // an unsigned one past INT64_MAX wraps, as get<int64_t>() did
    uint64_t unsigned_value = 0;
    bool is_unsigned = false;  // written without '-': a valid byte count
    std::string text;          // canonical decimal ("-0" is "0"), for messages
};
std::optional<JsonInteger> json_integer(std::string_view number_text);

// "features[3]" / "instances[2][5]": the path of an element, for error messages.
std::string element_path(const char* array, size_t index);
std::string element_path(const char* array, size_t row, size_t column);

}  // namespace slipway::serve
