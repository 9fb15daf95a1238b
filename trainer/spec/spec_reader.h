#pragma once

// A small declarative reader for YAML documents: a schema is a tree of Fields (maps and typed
// leaves bound to the struct members they fill), and Reader walks a document against it in
// document order, so that the first error it returns is the first one a person reading the
// file would meet. spec_parser.cc declares the job spec schema with it.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/status.h"
#include "spec/enum_names.h"

namespace slipway::schema {

// A numeric interval whose ends may be open or absent; describe() is the error wording.
struct Range {
    std::optional<double> min;
    std::optional<double> max;
    bool min_open = false;
    bool max_open = false;

    static Range any() { return {}; }
    static Range at_least(double lo) { return {lo, std::nullopt, false, false}; }
    static Range above(double lo) { return {lo, std::nullopt, true, false}; }
    static Range closed_open(double lo, double hi) { return {lo, hi, false, true}; }
    static Range open_closed(double lo, double hi) { return {lo, hi, true, false}; }

    bool contains(double value) const;
    std::string describe() const;  // "must be >= 1", "must be > 0", "must be in [0, 1)"
};

// An extra condition on a string value; an empty `accepts` takes any string.
struct StringRule {
    std::function<bool(const std::string&)> accepts;
    std::string requirement;  // completes "<path> ...", e.g. "must be a DNS-1123 label"
    std::string hint;         // how to fix it
    // How to fix this particular value ("16Gb": did you mean 16Gi?); wins over `hint`.
    std::function<std::string(const std::string&)> hint_for;

    StringRule() = default;
    StringRule(std::function<bool(const std::string&)> accepts_text, std::string requirement_text,
               std::string hint_text,
               std::function<std::string(const std::string&)> hint_for_text = {})
        : accepts(std::move(accepts_text)),
          requirement(std::move(requirement_text)),
          hint(std::move(hint_text)),
          hint_for(std::move(hint_for_text)) {}
};

class Locator;

// The key path of a value and the `where` its errors carry; `locator` places the items of a
// sequence value.
struct Site {
    std::string path;   // "train.optimizer.lr", "model.hidden[1]"
    std::string where;  // "job.yaml:12" or "--set train.optimizer.lr"
    const Locator* locator = nullptr;
};

using LeafReader = std::function<Status(const YAML::Node& value, const Site& site)>;

// One key of the schema: a leaf (read is set) or a map (children). The documentation members
// feed the generated spec reference (docs/launcher.md), so the parser and its reference
// cannot drift apart.
struct Field {
    std::string key;
    LeafReader read;
    std::vector<Field> children;
    bool required = false;
    std::string required_hint;  // hint of the "missing required key" error

    std::string type_text;      // "int >= 1", "relu | gelu | tanh", "list of maps"
    std::string default_text;   // the value a spec gets when it leaves the key out
    std::string doc;            // what the key does
    std::vector<Field> item_fields;     // the keys of each item of a list of maps
    std::shared_ptr<void> item_storage;  // keeps the default item item_fields are bound to

    bool is_map() const { return !read; }

    // Sets the documentation; returns the field so schema declarations stay one expression.
    Field&& describe(std::string text) && {
        doc = std::move(text);
        return std::move(*this);
    }
    Field&& with_default(std::string text) && {
        default_text = std::move(text);
        return std::move(*this);
    }
};

Field map_field(std::string key, std::vector<Field> children);
Field bool_field(std::string key, bool* out);
Field int_field(std::string key, int* out, Range range = Range::any());
Field int64_field(std::string key, int64_t* out, Range range = Range::any());
Field uint64_field(std::string key, uint64_t* out);
Field double_field(std::string key, double* out, Range range = Range::any());
Field string_field(std::string key, std::string* out, StringRule rule = {});
// A non-empty sequence of integers, each within `element_range`.
Field int_list_field(std::string key, std::vector<int>* out, Range element_range);
// One of `names`; `set` receives the index of the name found.
// A list of strings, each passing `rule`; may be empty.
Field string_list_field(std::string key, std::vector<std::string>* out, StringRule rule = {});
// A map of string keys to string values (labels, nodeSelector, env). Numbers and bools are
// refused rather than turned into strings: Kubernetes would refuse them too.
Field string_map_field(std::string key, std::map<std::string, std::string>* out,
                       StringRule key_rule = {}, StringRule value_rule = {});
Field choice_field(std::string key, std::vector<std::string> names,
                   std::function<void(size_t)> set);
Field required(Field field, std::string hint);

template <class E>
Field enum_field(std::string key, E* out, std::span<const EnumName<E>> names) {
    std::vector<E> values;
    std::string default_name;
    for (const auto& entry : names) {
        values.push_back(entry.value);
        if (entry.value == *out) default_name = entry.name;
    }
    Field field = choice_field(std::move(key), enum_names(names),
                               [out, values](size_t index) { *out = values[index]; });
    field.default_text = default_name;
    return field;
}

// Reads one map item of a list of maps and appends it to the bound list.
using ItemReader = std::function<Status(const YAML::Node& node, const Site& site)>;
Field item_list_field(std::string key, std::function<void()> clear, ItemReader read_item,
                      std::vector<Field> item_fields, std::shared_ptr<void> item_storage);

// A list of maps, each read into a T against the fields `schema_of(T&)` returns; `check`
// then sees the whole item (for rules between its keys) with the item's site.
template <class T>
Field record_list_field(std::string key, std::vector<T>* out,
                        std::function<std::vector<Field>(T&)> schema_of,
                        std::function<Status(const T&, const Site&)> check = {});

const Field* find_child(const Field& map, std::string_view key);
std::vector<std::string> child_keys(const Field& map);

// Turns a key path and a node position into the `where` of an error. Values that came from
// --set have positions in the override text, not in the file, so they are named by the
// override instead.
class Locator {
public:
    explicit Locator(std::string source_name);

    // `key_path` and everything below it came from "--set key_path=...".
    void add_override(const std::string& key_path);
    // `key_path` is a map that an override created; it has no position in the file.
    void add_created(const std::string& key_path);

    std::string where(const std::string& key_path, const YAML::Mark& mark) const;
    const std::string& source_name() const { return source_name_; }

private:
    std::string source_name_;
    std::vector<std::string> overrides_;
    std::set<std::string> created_;
};

// Sets `key_path` (dot-separated) in `root` to `value` parsed as YAML, creating missing maps on
// the way. Each key must exist in `schema`; the errors name "--set key_path".
Status apply_override(YAML::Node& root, const Field& schema, const std::string& key_path,
                      const std::string& value, Locator& locator);

// Validates a document against a schema, filling the bound members as it goes.
class Reader {
public:
    explicit Reader(const Locator& locator) : locator_(locator) {}

    // Walks `document` (a map) in document order; returns the first error.
    Status read(const Field& schema, const YAML::Node& document);
    // The same for a map nested at `path` (an item of a list of maps).
    Status read_at(const Field& schema, const YAML::Node& node, const std::string& path,
                   const std::string& where) {
        return read_map(schema, node, path, where);
    }

    // Where the document set `key_path`, or nothing when it left the key out.
    std::optional<std::string> where_of(const std::string& key_path) const;

private:
    Status read_map(const Field& schema, const YAML::Node& node, const std::string& path,
                    const std::string& where);

    const Locator& locator_;
    std::map<std::string, std::string> seen_;
};

// "'ten'", "a list", "a map", "an empty value": how errors show the value they got.
std::string describe(const YAML::Node& node);
std::string join_path(const std::string& parent, const std::string& key);

template <class T>
Field record_list_field(std::string key, std::vector<T>* out,
                        std::function<std::vector<Field>(T&)> schema_of,
                        std::function<Status(const T&, const Site&)> check) {
    ItemReader read_item = [out, schema_of, check](const YAML::Node& node,
                                                   const Site& site) -> Status {
        T item;
        Field item_schema = map_field("", schema_of(item));
        Reader reader(*site.locator);
        SLIPWAY_RETURN_IF_ERROR(reader.read_at(item_schema, node, site.path, site.where));
        if (check) SLIPWAY_RETURN_IF_ERROR(check(item, site));
        out->push_back(std::move(item));
        return Status::success();
    };
    auto defaults = std::make_shared<T>();
    std::vector<Field> item_fields = schema_of(*defaults);
    return item_list_field(std::move(key), [out] { out->clear(); }, std::move(read_item),
                           std::move(item_fields), std::shared_ptr<void>(defaults));
}

}  // namespace slipway::schema
