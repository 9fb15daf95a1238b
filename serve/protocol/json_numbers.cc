#include "serve/protocol/json_numbers.h"

#include <charconv>

namespace slipway::serve {

std::optional<JsonInteger> json_integer(std::string_view number_text) {
    if (number_text.find_first_of(".eE") != std::string_view::npos) return std::nullopt;
    const char* const first = number_text.data();
    const char* const last = first + number_text.size();
    JsonInteger integer;
    if (!number_text.empty() && number_text[0] == '-') {
        const auto [end, error] = std::from_chars(first, last, integer.value);
        if (error != std::errc() || end != last) return std::nullopt;
        integer.text = std::to_string(integer.value);
        return integer;
    }
    const auto [end, error] = std::from_chars(first, last, integer.unsigned_value);
    if (error != std::errc() || end != last) return std::nullopt;
    integer.is_unsigned = true;
    integer.value = static_cast<int64_t>(integer.unsigned_value);
    integer.text = std::to_string(integer.unsigned_value);
    return integer;
}

std::string element_path(const char* array, size_t index) {
    return std::string(array) + "[" + std::to_string(index) + "]";
}

std::string element_path(const char* array, size_t row, size_t column) {
    return element_path(array, row) + "[" + std::to_string(column) + "]";
}

}  // namespace slipway::serve
