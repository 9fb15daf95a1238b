#pragma once

#include <cstddef>
#include <string>

namespace slipway::serve {

// "malformed JSON at byte 17: syntax error while parsing value - invalid literal; last read:
// '{x'": nlohmann's parse error without its "[json.exception...] parse error at line 1,
// column 18:" prefix, with the byte offset up front (0 when nlohmann gives none, as for a
// number beyond double range).
std::string malformed_json_message(size_t byte_offset, const std::string& what);

// {"error": message}, the body of every refused request.
std::string error_body(const std::string& message);

}  // namespace slipway::serve
