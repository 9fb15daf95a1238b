#include "serve/protocol/json_error.h"

#include <nlohmann/json.hpp>

namespace slipway::serve {

std::string malformed_json_message(size_t byte_offset, const std::string& detail) {
    return "malformed JSON at byte " + std::to_string(byte_offset) + ": " + detail;
}

std::string excerpt(std::string_view text) {
    constexpr size_t kLongest = 40;
    if (text.size() <= kLongest) return std::string(text);
    size_t cut = kLongest;
    // Cut before a UTF-8 continuation byte's sequence, not inside it.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return std::string(text.substr(0, cut)) + "...";
}

std::string error_body(const std::string& message) {
    return nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace);
}

}  // namespace slipway::serve
