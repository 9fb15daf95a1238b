#include "serve/protocol/json_text.h"

namespace slipway::serve {

JsonKind kind_of(std::string_view json) { return JsonReader(json).peek(); }

std::string string_value(std::string_view json) {
    std::string value;
    JsonReader(json).read_string(value);
    return value;
}

bool boolean_value(std::string_view json) {
    bool value = false;
    JsonReader(json).read_boolean(value);
    return value;
}

std::optional<std::string_view> find_member(std::string_view object, std::string_view key) {
    JsonReader reader(object);
    std::optional<std::string_view> found;
    if (!reader.begin_object()) return found;
    std::string name;
    std::string_view value;
    for (size_t i = 0; reader.next_member(i, name) && reader.read_raw(value); ++i) {
        if (name == key) found = value;
    }
    return found;
}

std::vector<std::string_view> array_elements(std::string_view array) {
    JsonReader reader(array);
    std::vector<std::string_view> elements;
    if (!reader.begin_array()) return elements;
    std::string_view element;
    for (size_t i = 0; reader.next_element(i) && reader.read_raw(element); ++i) {
        elements.push_back(element);
    }
    return elements;
}

}  // namespace slipway::serve
