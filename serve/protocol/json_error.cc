#include "serve/protocol/json_error.h"

#include <nlohmann/json.hpp>

namespace slipway::serve {

std::string malformed_json_message(size_t byte_offset, const std::string& what) {
    std::string detail = what;
    const size_t colon = detail.find(": ");
    if (detail.rfind("[json.exception", 0) == 0 && colon != std::string::npos) {
        detail = detail.substr(colon + 2);
    }
    // nlohmann counts the position one past the offending character.
    const size_t offset = byte_offset > 0 ? byte_offset - 1 : 0;
    return "malformed JSON at byte " + std::to_string(offset) + ": " + detail;
}

std::string error_body(const std::string& message) {
    return nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace);
}

}  // namespace slipway::serve
