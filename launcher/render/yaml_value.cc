#include "render/yaml_value.h"

#include <cctype>
#include <cstdio>

namespace slipway::render {
namespace {

bool looks_numeric(const std::string& text) {
    // YAML 1.1 and 1.2 readers disagree on the edges (octal 0o17 vs 017, 1_000, .inf, 0x1F,
    // sexagesimal 1:30): anything starting like a number is quoted, which both read as a
    // string.
    const char first = text[0];
    if (std::isdigit(static_cast<unsigned char>(first))) return true;
    if ((first == '-' || first == '+' || first == '.') && text.size() > 1) {
        const char second = text[1];
        if (std::isdigit(static_cast<unsigned char>(second))) return true;
        if (second == '.' || second == 'i' || second == 'I' || second == 'n' || second == 'N') {
            return true;  // -.5, .inf, .nan, -.inf
        }
    }
    return false;
}

bool is_reserved_word(const std::string& text) {
    std::string lower;
    for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}) {
        if (lower == word) return true;
    }
    return false;
}

// C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F) and the line/paragraph separators
// (U+2028/9, E2 80 A8/A9): go-yaml refuses the first and reads the second as line breaks.
bool has_special_unicode(const std::string& text, size_t i) {
    const auto byte = [&text](size_t k) {
        return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u;
    };
    if (byte(i) == 0xC2 && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9F) return true;
    return byte(i) == 0xE2 && byte(i + 1) == 0x80 && (byte(i + 2) == 0xA8 || byte(i + 2) == 0xA9);
}

std::string quote(const std::string& text) {
    std::string out = "\"";
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (has_special_unicode(text, i)) {
            // Escapes YAML's double-quoted style knows: \uXXXX.
            const bool three = static_cast<unsigned char>(c) == 0xE2;
            const unsigned code =
                three ? (0x2000u | (static_cast<unsigned char>(text[i + 2]) & 0x3Fu) |
                         ((static_cast<unsigned char>(text[i + 1]) & 0x3Fu) << 6))
                      : static_cast<unsigned char>(text[i + 1]);
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04X", code);
            out += buffer;
            i += three ? 2 : 1;
            continue;
        }
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    char buffer[8];
                    std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
                    out += buffer;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

std::string scalar(const Value& value) {
    if (value.is_null()) return "null";
    if (value.is_bool()) return value.as_bool() ? "true" : "false";
    if (value.is_int()) return std::to_string(value.as_int());
    const std::string& text = value.as_string();
    return plain_scalar_is_safe(text) ? text : quote(text);
}

bool is_block_text(const Value& value) {
    if (!value.is_string()) return false;
    const std::string& text = value.as_string();
    if (text.find('\n') == std::string::npos) return false;
    // Literal blocks cannot hold trailing spaces on a line reliably, tabs at a line start or
    // carriage returns; such text stays a quoted scalar.
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' || text[i] == 0x7f || has_special_unicode(text, i)) return false;
        if (static_cast<unsigned char>(text[i]) < 0x20 && text[i] != '\n') return false;
        if (text[i] == '\n' && i > 0 && text[i - 1] == ' ') return false;
    }
    return text.front() != ' ' && text.front() != '\n';
}

void write_block_text(const std::string& text, const std::string& indent, std::string& out) {
    // "|" keeps one final newline, "|-" strips it, "|+" keeps them all.
    size_t trailing = 0;
    while (trailing < text.size() && text[text.size() - 1 - trailing] == '\n') ++trailing;
    out += trailing == 0 ? "|-" : (trailing == 1 ? "|" : "|+");
    out += "\n";
    size_t start = 0;
    const std::string body = text.substr(0, text.size() - (trailing > 1 ? 0 : trailing));
    while (start <= body.size()) {
        size_t end = body.find('\n', start);
        if (end == std::string::npos) end = body.size();
        const std::string line = body.substr(start, end - start);
        out += line.empty() ? "" : indent + line;
        out += "\n";
        if (end == body.size()) break;
        start = end + 1;
    }
    if (trailing > 1) out.pop_back();  // body already ended with the kept newlines
}

bool is_empty_collection(const Value& value) {
    return (value.is_map() && value.as_map().empty()) ||
           (value.is_list() && value.as_list().empty());
}

void write(const Value& value, const std::string& indent, std::string& out);

void write_map_entries(const Value::Map& map, const std::string& indent, bool first_inline,
                       std::string& out) {
    bool first = true;
    for (const auto& [key, child] : map) {
        if (!(first && first_inline)) out += indent;
        first = false;
        out += (plain_scalar_is_safe(key) ? key : quote(key)) + ":";
        if (child.is_map() && !child.as_map().empty()) {
            out += "\n";
            write_map_entries(child.as_map(), indent + "  ", false, out);
        } else if (child.is_list() && !child.as_list().empty()) {
            out += "\n";
            write(child, indent, out);  // lists sit at their key's indentation
        } else if (is_block_text(child)) {
            out += " ";
            write_block_text(child.as_string(), indent + "  ", out);
        } else {
            out += ' ';
            out += is_empty_collection(child) ? (child.is_map() ? "{}" : "[]") : scalar(child);
            out += '\n';
        }
    }
}

void write(const Value& value, const std::string& indent, std::string& out) {
    if (value.is_map() && !value.as_map().empty()) {
        write_map_entries(value.as_map(), indent, false, out);
    } else if (value.is_list() && !value.as_list().empty()) {
        for (const Value& item : value.as_list()) {
            out += indent + "- ";
            if (item.is_map() && !item.as_map().empty()) {
                write_map_entries(item.as_map(), indent + "  ", true, out);
            } else if (item.is_list() && !item.as_list().empty()) {
                out += "\n";
                write(item, indent + "  ", out);
            } else if (is_block_text(item)) {
                write_block_text(item.as_string(), indent + "  ", out);
            } else {
                out += (is_empty_collection(item) ? (item.is_map() ? "{}" : "[]")
                                                  : scalar(item)) + "\n";
            }
        }
    } else {
        out += (is_empty_collection(value) ? (value.is_map() ? "{}" : "[]") : scalar(value)) +
               "\n";
    }
}

}  // namespace

Value& Value::set(const std::string& key, Value value) {
    Map& map = std::get<Map>(data_);
    for (auto& entry : map) {
        if (entry.first == key) {
            entry.second = std::move(value);
            return entry.second;
        }
    }
    map.emplace_back(key, std::move(value));
    return map.back().second;
}

const Value* Value::get(const std::string& key) const {
    if (!is_map()) return nullptr;
    for (const auto& entry : as_map()) {
        if (entry.first == key) return &entry.second;
    }
    return nullptr;
}

Value* Value::get(const std::string& key) {
    return const_cast<Value*>(static_cast<const Value*>(this)->get(key));
}

const Value* Value::at_path(const std::string& dotted) const {
    const Value* node = this;
    size_t start = 0;
    while (node) {
        const size_t dot = dotted.find('.', start);
        node = node->get(dotted.substr(start, dot == std::string::npos ? dot : dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return node;
}

Value& Value::push(Value value) {
    List& list = std::get<List>(data_);
    list.push_back(std::move(value));
    return list.back();
}

bool Value::empty() const { return is_empty_collection(*this); }

bool plain_scalar_is_safe(const std::string& text) {
    if (text.empty()) return false;
    if (looks_numeric(text) || is_reserved_word(text)) return false;
    if (text.front() == ' ' || text.back() == ' ') return false;
    // Characters that start something else in YAML when they come first.
    if (std::string("-?:,[]{}#&*!|>'\"%@`").find(text.front()) != std::string::npos) {
        // "-" followed by a letter is safe ("--set" as a list item is not, "-x" is fine) only
        // when the next character is not a space; keep it simple and quote.
        return false;
    }
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n' || c == '\r' || c == '\t' || static_cast<unsigned char>(c) < 0x20 ||
            c == 0x7f || has_special_unicode(text, i)) {
            return false;
        }
        if (c == ':' && (i + 1 == text.size() || text[i + 1] == ' ')) return false;
        if (c == '#' && i > 0 && text[i - 1] == ' ') return false;
    }
    return true;
}

std::string to_yaml(const Value& value) {
    std::string out;
    write(value, "", out);
    return out;
}

std::string to_yaml_documents(const std::vector<Value>& documents) {
    std::string out;
    for (size_t i = 0; i < documents.size(); ++i) {
        if (i > 0) out += "---\n";
        out += to_yaml(documents[i]);
    }
    return out;
}

}  // namespace slipway::render
