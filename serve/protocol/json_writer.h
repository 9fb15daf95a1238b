#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace slipway::serve {

// Appends JSON fragments to a string without building a tree: responses are a few fixed keys
// around float arrays, and shortest round-trip float text (std::to_chars) is all they need.
void append_json_string(std::string& out, std::string_view text);
void append_float(std::string& out, float value);
void append_float_array(std::string& out, const float* values, size_t count);

}  // namespace slipway::serve
