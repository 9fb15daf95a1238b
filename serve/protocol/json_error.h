#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace slipway::serve {

// "malformed JSON at byte 19: expected a value, got ','": the byte offset of the offending
// character up front, so a client can find it in what it sent.
std::string malformed_json_message(size_t byte_offset, const std::string& detail);

// The text, or its first few dozen bytes and "..." when longer: echoes what a client sent
// without echoing a megabyte of it.
std::string excerpt(std::string_view text);

// {"error": message}, the body of every refused request.
std::string error_body(const std::string& message);

}  // namespace slipway::serve
