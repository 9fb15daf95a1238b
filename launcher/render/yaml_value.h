#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace slipway::render {

// A YAML/JSON value whose maps keep insertion order, so rendered manifests come out in the
// order the builders wrote them: stable output without a templating engine.
class Value {
public:
    using Map = std::vector<std::pair<std::string, Value>>;
    using List = std::vector<Value>;

    Value() = default;  // null
    Value(bool b) : data_(b) {}
    Value(int i) : data_(static_cast<int64_t>(i)) {}
    Value(int64_t i) : data_(i) {}
    Value(const char* s) : data_(std::string(s)) {}
    Value(std::string s) : data_(std::move(s)) {}
    Value(Map m) : data_(std::move(m)) {}
    Value(List l) : data_(std::move(l)) {}

    static Value map() { return Value(Map{}); }
    static Value list() { return Value(List{}); }
    static Value map(std::initializer_list<std::pair<std::string, Value>> entries) {
        return Value(Map(entries));
    }
    static Value list(std::initializer_list<Value> items) { return Value(List(items)); }

    bool is_null() const { return data_.index() == 0; }
    bool is_map() const { return std::holds_alternative<Map>(data_); }
    bool is_list() const { return std::holds_alternative<List>(data_); }
    bool is_string() const { return std::holds_alternative<std::string>(data_); }
    bool is_int() const { return std::holds_alternative<int64_t>(data_); }
    bool is_bool() const { return std::holds_alternative<bool>(data_); }

    const Map& as_map() const { return std::get<Map>(data_); }
    const List& as_list() const { return std::get<List>(data_); }
    const std::string& as_string() const { return std::get<std::string>(data_); }
    int64_t as_int() const { return std::get<int64_t>(data_); }
    bool as_bool() const { return std::get<bool>(data_); }

    // Map access: set() replaces an existing key in place or appends; get() is null when absent.
    Value& set(const std::string& key, Value value);
    const Value* get(const std::string& key) const;
    Value* get(const std::string& key);
    // Follows a dotted path of map keys ("spec.template.spec"); null when a key is missing.
    const Value* at_path(const std::string& dotted) const;
    // List access.
    Value& push(Value value);
    bool empty() const;

    bool operator==(const Value& other) const { return data_ == other.data_; }

private:
    std::variant<std::monostate, bool, int64_t, std::string, Map, List> data_;
};

// Block-style YAML. Strings that YAML would read as something else ("29500", "true", "",
// "on", "1e3", ": x") are quoted, so every scalar reads back with the type it was built with;
// multi-line strings become literal blocks. Empty maps and lists are written {} and [].
std::string to_yaml(const Value& value);

// Documents separated by "---", each ending in a newline.
std::string to_yaml_documents(const std::vector<Value>& documents);

// True when a plain (unquoted) scalar `text` would read back as the same string.
bool plain_scalar_is_safe(const std::string& text);

}  // namespace slipway::render
