#include "spec/spec_reader.h"

#include <charconv>
#include <climits>
#include <cmath>

#include "spec/edit_distance.h"

namespace slipway::schema {
namespace {

std::string format_number(double value) {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc{} ? std::string(buffer, end) : std::to_string(value);
}

// yaml-cpp tags a quoted scalar "!" and a plain one "?". A quoted "10" is a string in YAML,
// so number and bool fields refuse it rather than guess.
bool is_quoted(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "!"; }

Error type_error(const Site& site, const std::string& expected, const YAML::Node& value) {
    std::string hint;
    if (is_quoted(value)) hint = "remove the quotes: YAML reads a quoted value as a string";
    return spec_error(site.where, site.path + " must be " + expected + ", got " + describe(value),
                      hint);
}

Error range_error(const Site& site, const Range& range, const std::string& text) {
    return spec_error(site.where, site.path + " " + range.describe() + ", got " + text);
}

// An optional sign followed by digits only: what YAML's core schema calls a decimal int.
bool looks_integer(std::string_view text) {
    if (!text.empty() && (text[0] == '+' || text[0] == '-')) text.remove_prefix(1);
    if (text.empty()) return false;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

std::string_view strip_plus(std::string_view text) {
    if (!text.empty() && text[0] == '+') text.remove_prefix(1);
    return text;
}

Result<int64_t> read_integer(const YAML::Node& value, const Site& site) {
    if (!value.IsScalar() || is_quoted(value) || !looks_integer(value.Scalar())) {
        return type_error(site, "an integer", value);
    }
    std::string_view text = strip_plus(value.Scalar());
    int64_t out = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec == std::errc::result_out_of_range) {
        return spec_error(site.where, site.path + " is out of range, got " + value.Scalar());
    }
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return type_error(site, "an integer", value);
    }
    return out;
}

// An integer in `range` that also fits an int.
Result<int> read_int(const YAML::Node& value, const Site& site, const Range& range) {
    auto number = read_integer(value, site);
    SLIPWAY_RETURN_IF_ERROR(number);
    if (!range.contains(static_cast<double>(*number))) {
        return range_error(site, range, value.Scalar());
    }
    if (*number > INT_MAX) return range_error(site, Range{{}, INT_MAX}, value.Scalar());
    if (*number < INT_MIN) return range_error(site, Range::at_least(INT_MIN), value.Scalar());
    return static_cast<int>(*number);
}

Result<double> read_number(const YAML::Node& value, const Site& site) {
    if (!value.IsScalar() || is_quoted(value)) return type_error(site, "a number", value);
    std::string_view text = strip_plus(value.Scalar());
    // from_chars also takes "inf" and "nan"; a spec has no use for either.
    if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-' ||
                          text[0] == '.')) {
        return type_error(site, "a number", value);
    }
    double out = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec == std::errc::result_out_of_range) {
        return spec_error(site.where, site.path + " is out of range, got " + value.Scalar());
    }
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(out)) {
        return type_error(site, "a number", value);
    }
    return out;
}

Field leaf(std::string key, LeafReader read, std::string type_text = "",
           std::string default_text = "") {
    Field field;
    field.key = std::move(key);
    field.read = std::move(read);
    field.type_text = std::move(type_text);
    field.default_text = std::move(default_text);
    return field;
}

// "int >= 1", "number in [0, 1)": the type column of the spec reference.
std::string typed(const std::string& type, const Range& range) {
    if (!range.min && !range.max) return type;
    std::string text = range.describe();  // "must be >= 1"
    const std::string prefix = "must be ";
    if (text.compare(0, prefix.size(), prefix) == 0) text = text.substr(prefix.size());
    return type + " " + text;
}

// A string value as the reference shows it: a YAML map or list stays as written.
std::string quoted_default(const std::string& value) {
    return value.empty() ? "\"\"" : value;
}

std::string check_string(const StringRule& rule, const std::string& text, const Site& site,
                         Status* status) {
    if (rule.accepts && !rule.accepts(text)) {
        *status = spec_error(site.where, site.path + " " + rule.requirement + ", got '" + text +
                                             "'", rule.hint_for ? rule.hint_for(text) : rule.hint);
    }
    return text;
}

// The first required key at or below `field`, as a full path.
std::optional<std::string> first_required(const Field& field, const std::string& parent) {
    std::string path = join_path(parent, field.key);
    if (field.required) return path;
    for (const Field& child : field.children) {
        if (auto found = first_required(child, path)) return found;
    }
    return std::nullopt;
}

const Field* first_required_field(const Field& field) {
    if (field.required) return &field;
    for (const Field& child : field.children) {
        if (const Field* found = first_required_field(child)) return found;
    }
    return nullptr;
}

}  // namespace

bool Range::contains(double value) const {
    if (min && (min_open ? value <= *min : value < *min)) return false;
    if (max && (max_open ? value >= *max : value > *max)) return false;
    return true;
}

std::string Range::describe() const {
    if (min && max) {
        return std::string("must be in ") + (min_open ? "(" : "[") + format_number(*min) + ", " +
               format_number(*max) + (max_open ? ")" : "]");
    }
    if (min) return std::string("must be ") + (min_open ? "> " : ">= ") + format_number(*min);
    if (max) return std::string("must be ") + (max_open ? "< " : "<= ") + format_number(*max);
    return "may be anything";
}

std::string describe(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return "an empty value";
    if (node.IsScalar()) return "'" + node.Scalar() + "'";
    if (node.IsSequence()) return "a list";
    return "a map";
}

std::string join_path(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}

Field map_field(std::string key, std::vector<Field> children) {
    Field field;
    field.key = std::move(key);
    field.children = std::move(children);
    return field;
}

Field bool_field(std::string key, bool* out) {
    const bool initial = *out;
    return leaf(std::move(key), [out](const YAML::Node& value, const Site& site) -> Status {
        if (value.IsScalar() && !is_quoted(value)) {
            const std::string& text = value.Scalar();
            if (text == "true" || text == "True" || text == "TRUE") {
                *out = true;
                return Status::success();
            }
            if (text == "false" || text == "False" || text == "FALSE") {
                *out = false;
                return Status::success();
            }
        }
        return type_error(site, "true or false", value);
    }, "bool", initial ? "true" : "false");
}

Field int_field(std::string key, int* out, Range range) {
    const int initial = *out;
    return leaf(std::move(key), [out, range](const YAML::Node& value, const Site& site) -> Status {
        auto number = read_int(value, site, range);
        SLIPWAY_RETURN_IF_ERROR(number);
        *out = *number;
        return Status::success();
    }, typed("int", range), std::to_string(initial));
}

Field int64_field(std::string key, int64_t* out, Range range) {
    const int64_t initial = *out;
    return leaf(std::move(key), [out, range](const YAML::Node& value, const Site& site) -> Status {
        auto number = read_integer(value, site);
        SLIPWAY_RETURN_IF_ERROR(number);
        if (!range.contains(static_cast<double>(*number))) {
            return range_error(site, range, value.Scalar());
        }
        *out = *number;
        return Status::success();
    }, typed("int", range), std::to_string(initial));
}

Field uint64_field(std::string key, uint64_t* out) {
    const uint64_t initial = *out;
    return leaf(std::move(key), [out](const YAML::Node& value, const Site& site) -> Status {
        const char* expected = "a non-negative integer";
        if (!value.IsScalar() || is_quoted(value) || !looks_integer(value.Scalar())) {
            return type_error(site, expected, value);
        }
        if (value.Scalar()[0] == '-') {
            return spec_error(site.where, site.path + " must be " + expected + ", got " +
                                              value.Scalar());
        }
        std::string_view text = strip_plus(value.Scalar());
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
        if (ec != std::errc{} || end != text.data() + text.size()) {
            return spec_error(site.where, site.path + " is out of range, got " + value.Scalar());
        }
        return Status::success();
    }, "int >= 0", std::to_string(initial));
}

Field double_field(std::string key, double* out, Range range) {
    const double initial = *out;
    return leaf(std::move(key), [out, range](const YAML::Node& value, const Site& site) -> Status {
        auto number = read_number(value, site);
        SLIPWAY_RETURN_IF_ERROR(number);
        if (!range.contains(*number)) return range_error(site, range, value.Scalar());
        *out = *number;
        return Status::success();
    }, typed("number", range), format_number(initial));
}

Field string_field(std::string key, std::string* out, StringRule rule) {
    const std::string initial = *out;
    return leaf(std::move(key), [out, rule](const YAML::Node& value, const Site& site) -> Status {
        if (!value.IsScalar()) return type_error(site, "a string", value);
        Status status = Status::success();
        std::string text = check_string(rule, value.Scalar(), site, &status);
        SLIPWAY_RETURN_IF_ERROR(status);
        *out = std::move(text);
        return Status::success();
    }, "string", quoted_default(initial));
}

Field string_list_field(std::string key, std::vector<std::string>* out, StringRule rule) {
    return leaf(std::move(key), [out, rule](const YAML::Node& value, const Site& site) -> Status {
        if (!value.IsSequence()) {
            return spec_error(site.where,
                              site.path + " must be a list of strings, got " + describe(value),
                              "write a YAML list, e.g. [a, b]");
        }
        std::vector<std::string> items;
        for (size_t i = 0; i < value.size(); ++i) {
            const YAML::Node item = value[i];
            std::string path = site.path + "[" + std::to_string(i) + "]";
            Site item_site{path, site.locator ? site.locator->where(path, item.Mark()) : site.where,
                           site.locator};
            if (!item.IsScalar()) return type_error(item_site, "a string", item);
            Status status = Status::success();
            items.push_back(check_string(rule, item.Scalar(), item_site, &status));
            SLIPWAY_RETURN_IF_ERROR(status);
        }
        *out = std::move(items);
        return Status::success();
    }, "list of strings", "[]");
}

Field string_map_field(std::string key, std::map<std::string, std::string>* out,
                       StringRule key_rule, StringRule value_rule) {
    return leaf(std::move(key), [out, key_rule, value_rule](const YAML::Node& value,
                                                            const Site& site) -> Status {
        if (value.IsNull()) {
            out->clear();
            return Status::success();
        }
        if (!value.IsMap()) {
            return spec_error(site.where,
                              site.path + " must be a map of strings, got " + describe(value),
                              "write key: \"value\" pairs, one per line");
        }
        std::map<std::string, std::string> items;
        for (const auto& entry : value) {
            const YAML::Node& item_key = entry.first;
            const YAML::Node& item_value = entry.second;
            std::string path = site.path + "." + (item_key.IsScalar() ? item_key.Scalar() : "?");
            Site item_site{path,
                           site.locator ? site.locator->where(path, item_key.Mark()) : site.where,
                           site.locator};
            if (!item_key.IsScalar()) return type_error(item_site, "a string key", item_key);
            // Kubernetes takes only strings here; "true" or 8 unquoted would be refused there.
            if (!item_value.IsScalar() || (!is_quoted(item_value) &&
                                           (looks_integer(item_value.Scalar()) ||
                                            item_value.Scalar() == "true" ||
                                            item_value.Scalar() == "false"))) {
                Error error = type_error(item_site, "a string", item_value);
                if (item_value.IsScalar()) {
                    error.hint = "quote it: " + item_key.Scalar() + ": \"" +
                                 item_value.Scalar() + "\"";
                }
                return error;
            }
            Status status = Status::success();
            check_string(key_rule, item_key.Scalar(), item_site, &status);
            SLIPWAY_RETURN_IF_ERROR(status);
            check_string(value_rule, item_value.Scalar(), item_site, &status);
            SLIPWAY_RETURN_IF_ERROR(status);
            if (!items.emplace(item_key.Scalar(), item_value.Scalar()).second) {
                return spec_error(item_site.where, "duplicate key '" + path + "'");
            }
        }
        *out = std::move(items);
        return Status::success();
    }, "map of string to string", "{}");
}

Field item_list_field(std::string key, std::function<void()> clear, ItemReader read_item,
                      std::vector<Field> item_fields, std::shared_ptr<void> item_storage) {
    Field field = leaf(std::move(key), [clear, read_item](const YAML::Node& value,
                                                          const Site& site) -> Status {
        clear();
        if (value.IsNull()) return Status::success();
        if (!value.IsSequence()) {
            return spec_error(site.where,
                              site.path + " must be a list of maps, got " + describe(value),
                              "write one '- key: value' item per entry");
        }
        for (size_t i = 0; i < value.size(); ++i) {
            const YAML::Node item = value[i];
            std::string path = site.path + "[" + std::to_string(i) + "]";
            Site item_site{path, site.locator ? site.locator->where(path, item.Mark()) : site.where,
                           site.locator};
            if (!item.IsMap()) {
                return spec_error(item_site.where,
                                  path + " must be a map, got " + describe(item));
            }
            SLIPWAY_RETURN_IF_ERROR(read_item(item, item_site));
        }
        return Status::success();
    }, "list of maps", "[]");
    field.item_fields = std::move(item_fields);
    field.item_storage = std::move(item_storage);
    return field;
}

Field int_list_field(std::string key, std::vector<int>* out, Range element_range) {
    std::string initial = "[";
    for (size_t i = 0; i < out->size(); ++i) {
        initial += (i ? ", " : "") + std::to_string((*out)[i]);
    }
    initial += "]";
    return leaf(std::move(key), [out, element_range](const YAML::Node& value,
                                                     const Site& site) -> Status {
        if (!value.IsSequence()) {
            return spec_error(site.where,
                              site.path + " must be a list of integers, got " + describe(value),
                              "write a YAML list, e.g. [256, 128]");
        }
        if (value.size() == 0) return spec_error(site.where, site.path + " must not be empty");
        std::vector<int> items;
        for (size_t i = 0; i < value.size(); ++i) {
            const YAML::Node item = value[i];
            std::string path = site.path + "[" + std::to_string(i) + "]";
            std::string where = site.locator ? site.locator->where(path, item.Mark()) : site.where;
            auto number = read_int(item, Site{path, where, site.locator}, element_range);
            SLIPWAY_RETURN_IF_ERROR(number);
            items.push_back(*number);
        }
        *out = std::move(items);
        return Status::success();
    }, "list of " + typed("int", element_range), initial);
}

Field choice_field(std::string key, std::vector<std::string> names,
                   std::function<void(size_t)> set) {
    Field field = leaf(std::move(key), [names, set](const YAML::Node& value, const Site& site) -> Status {
        if (value.IsScalar()) {
            for (size_t i = 0; i < names.size(); ++i) {
                if (value.Scalar() == names[i]) {
                    set(i);
                    return Status::success();
                }
            }
        }
        std::string allowed;
        for (const std::string& name : names) allowed += (allowed.empty() ? "" : ", ") + name;
        std::string hint;
        if (value.IsScalar()) {
            if (auto match = closest_match(value.Scalar(), names)) {
                hint = "did you mean '" + *match + "'?";
            }
        }
        return spec_error(site.where,
                          site.path + " must be one of " + allowed + "; got " + describe(value),
                          hint);
    });
    for (size_t i = 0; i < names.size(); ++i) {
        field.type_text += (i ? " | " : "") + names[i];
    }
    return field;
}

Field required(Field field, std::string hint) {
    field.required = true;
    field.required_hint = std::move(hint);
    return field;
}

const Field* find_child(const Field& map, std::string_view key) {
    for (const Field& child : map.children) {
        if (child.key == key) return &child;
    }
    return nullptr;
}

std::vector<std::string> child_keys(const Field& map) {
    std::vector<std::string> keys;
    for (const Field& child : map.children) keys.push_back(child.key);
    return keys;
}

Locator::Locator(std::string source_name) : source_name_(std::move(source_name)) {}

void Locator::add_override(const std::string& key_path) { overrides_.push_back(key_path); }

void Locator::add_created(const std::string& key_path) { created_.insert(key_path); }

std::string Locator::where(const std::string& key_path, const YAML::Mark& mark) const {
    // The longest override that covers the path: a later "--set a.b" inside an earlier
    // "--set a={...}" names itself.
    const std::string* best = nullptr;
    for (const std::string& key : overrides_) {
        bool covers = key_path == key ||
                      (key_path.size() > key.size() && key_path.compare(0, key.size(), key) == 0 &&
                       (key_path[key.size()] == '.' || key_path[key.size()] == '['));
        if (covers && (!best || key.size() > best->size())) best = &key;
    }
    if (best) return "--set " + *best;
    // Nodes built in memory carry yaml-cpp's default mark (line 0), not a real position.
    if (created_.count(key_path) || mark.is_null()) return source_name_;
    return source_name_ + ":" + std::to_string(mark.line + 1);
}

Status apply_override(YAML::Node& root, const Field& schema, const std::string& key_path,
                      const std::string& value, Locator& locator) {
    const std::string where = "--set " + key_path;
    std::vector<std::string> keys;
    for (size_t start = 0;;) {
        size_t dot = key_path.find('.', start);
        keys.push_back(key_path.substr(start, dot == std::string::npos ? dot : dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    for (const std::string& key : keys) {
        if (key.empty()) return spec_error(where, "key path '" + key_path + "' has an empty part");
    }

    const Field* field = &schema;
    YAML::Node node;
    node.reset(root);  // reset, not assignment: assigning a YAML::Node overwrites its target
    std::string path;
    for (size_t i = 0; i < keys.size(); ++i) {
        const Field* child = find_child(*field, keys[i]);
        path = join_path(path, keys[i]);
        if (!child) {
            return spec_error(where, "unknown key '" + path + "'",
                              did_you_mean_hint(keys[i], child_keys(*field)));
        }
        if (i + 1 == keys.size()) break;
        if (!child->is_map()) {
            return spec_error(where, "cannot set '" + key_path + "': " + path + " is not a map");
        }
        YAML::Node next = node[keys[i]];
        if (!next.IsDefined() || next.IsNull()) {
            node[keys[i]] = YAML::Node(YAML::NodeType::Map);
            locator.add_created(path);
        } else if (!next.IsMap()) {
            return spec_error(where, "cannot set '" + key_path + "': " + path +
                                         " in the spec is not a map, got " + describe(next));
        }
        next.reset(node[keys[i]]);
        node.reset(next);
        field = child;
    }

    YAML::Node parsed;
    try {
        parsed = YAML::Load(value);
    } catch (const YAML::Exception& e) {
        return spec_error(where, "cannot parse the value '" + value + "' as YAML: " + e.msg);
    }
    node[keys.back()] = parsed;
    locator.add_override(key_path);
    return Status::success();
}

Status Reader::read(const Field& schema, const YAML::Node& document) {
    return read_map(schema, document, "", locator_.where("", document.Mark()));
}

std::optional<std::string> Reader::where_of(const std::string& key_path) const {
    auto found = seen_.find(key_path);
    if (found == seen_.end()) return std::nullopt;
    return found->second;
}

Status Reader::read_map(const Field& schema, const YAML::Node& node, const std::string& path,
                        const std::string& where) {
    const std::string name = path.empty() ? "the spec" : path;
    // An empty "model:" reads as a map with every default.
    const bool empty = !node.IsDefined() || node.IsNull();
    if (!empty && !node.IsMap()) {
        return spec_error(where, name + " must be a map, got " + describe(node));
    }
    std::set<std::string> keys_here;
    if (!empty) {
        for (const auto& entry : node) {
            const YAML::Node& key = entry.first;
            const YAML::Node& value = entry.second;
            if (!key.IsScalar()) {
                return spec_error(locator_.where(path, key.Mark()),
                                  "keys of " + name + " must be strings, got " + describe(key));
            }
            const std::string child_path = join_path(path, key.Scalar());
            const std::string key_where = locator_.where(child_path, key.Mark());
            if (!keys_here.insert(key.Scalar()).second) {
                return spec_error(key_where, "duplicate key '" + child_path + "'");
            }
            const Field* child = find_child(schema, key.Scalar());
            if (!child) {
                return spec_error(key_where, "unknown key '" + child_path + "'",
                                  did_you_mean_hint(key.Scalar(), child_keys(schema)));
            }
            // A null value has no position of its own worth naming; its key's line is the one.
            const bool placed = value.IsDefined() && !value.IsNull();
            const std::string value_where =
                placed ? locator_.where(child_path, value.Mark()) : key_where;
            seen_[child_path] = value_where;
            if (child->is_map()) {
                SLIPWAY_RETURN_IF_ERROR(read_map(*child, value, child_path, key_where));
            } else {
                Site site{child_path, value_where, &locator_};
                SLIPWAY_RETURN_IF_ERROR(child->read(value, site));
            }
        }
    }
    for (const Field& child : schema.children) {
        if (keys_here.count(child.key)) continue;
        if (auto missing = first_required(child, path)) {
            return spec_error(where, "missing required key '" + *missing + "'",
                              first_required_field(child)->required_hint);
        }
    }
    return Status::success();
}

}  // namespace slipway::schema
