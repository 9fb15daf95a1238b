#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/protocol/json_reader.h"

namespace slipway::serve {

// Reading JSON text that a JsonReader has already checked (the members an InferBody keeps),
// so none of these meets malformed JSON; each takes the text of exactly one value.
JsonKind kind_of(std::string_view json);
std::string string_value(std::string_view json);  // a string's decoded text
bool boolean_value(std::string_view json);
// The text of member `key` of an object; the last one when the key repeats.
std::optional<std::string_view> find_member(std::string_view object, std::string_view key);
std::vector<std::string_view> array_elements(std::string_view array);

}  // namespace slipway::serve
