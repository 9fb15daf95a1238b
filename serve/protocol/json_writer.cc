#include "serve/protocol/json_writer.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace slipway::serve {

void append_json_string(std::string& out, std::string_view text) {
    out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_float(std::string& out, float value) {
    if (!std::isfinite(value)) {  // JSON has no inf/NaN; a model output never should either
        out += "null";
        return;
    }
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out.append(buffer, result.ptr);
}

void append_float_array(std::string& out, const float* values, size_t count) {
    out += '[';
    for (size_t i = 0; i < count; ++i) {
        if (i > 0) out += ',';
        append_float(out, values[i]);
    }
    out += ']';
}

}  // namespace slipway::serve
