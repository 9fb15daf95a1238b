#include "serve/protocol/json_reader.h"

#include <cstdio>

#include "serve/protocol/json_error.h"
#include "serve/protocol/json_number_parse.h"
#include "serve/protocol/json_numbers.h"

namespace slipway::serve {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

const char* skip_json_whitespace(const char* at, const char* end) {
    while (at != end && (*at == ' ' || *at == '\n' || *at == '\r' || *at == '\t')) ++at;
    return at;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Length of the well-formed UTF-8 sequence (RFC 3629) at `at` that starts with a byte >= 0x80,
// or 0: no overlong forms, no UTF-16 surrogates, nothing past U+10FFFF.
size_t utf8_sequence_length(const unsigned char* at, const unsigned char* end) {
    const unsigned char lead = at[0];
    unsigned char second_low = 0x80, second_high = 0xBF;
    size_t length = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) second_low = 0xA0;
        if (lead == 0xED) second_high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) second_low = 0x90;
        if (lead == 0xF4) second_high = 0x8F;
    } else {
        return 0;
    }
    if (static_cast<size_t>(end - at) < length) return 0;
    if (at[1] < second_low || at[1] > second_high) return 0;
    for (size_t i = 2; i < length; ++i) {
        if (at[i] < 0x80 || at[i] > 0xBF) return 0;
    }
    return length;
}

void append_utf8(std::string& out, unsigned code_point) {
    if (code_point < 0x80) {
        out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
        out += static_cast<char>(0xC0 | (code_point >> 6));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
        out += static_cast<char>(0xE0 | (code_point >> 12));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code_point >> 18));
        out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
}

}  // namespace

const char* describe(JsonKind kind) {
    switch (kind) {
        case JsonKind::kObject:
            return "an object";
        case JsonKind::kArray:
            return "an array";
        case JsonKind::kString:
            return "a string";
        case JsonKind::kNumber:
            return "a number";
        case JsonKind::kBoolean:
            return "a boolean";
        case JsonKind::kNull:
            return "null";
        case JsonKind::kInvalid:
            break;
    }
    return "not JSON";
}

JsonReader::JsonReader(std::string_view text)
    : begin_(text.data()), cursor_(text.data()), end_(text.data() + text.size()) {
    // RFC 8259 lets parsers ignore a byte order mark; nlohmann did, so clients may send one.
    if (text.substr(0, 3) == "\xEF\xBB\xBF") cursor_ += 3;
}

void JsonReader::skip_whitespace() { cursor_ = skip_json_whitespace(cursor_, end_); }

JsonKind JsonReader::peek() {
    if (failed_) return JsonKind::kInvalid;
    skip_whitespace();
    if (cursor_ == end_) return JsonKind::kInvalid;
    switch (*cursor_) {
        case '{':
            return JsonKind::kObject;
        case '[':
            return JsonKind::kArray;
        case '"':
            return JsonKind::kString;
        case 't':
        case 'f':
            return JsonKind::kBoolean;
        case 'n':
            return JsonKind::kNull;
        default:
            return *cursor_ == '-' || is_digit(*cursor_) ? JsonKind::kNumber : JsonKind::kInvalid;
    }
}

bool JsonReader::enter() {
    if (depth_ == kMaxDepth) {
        return fail(cursor_, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    ++depth_;
    ++cursor_;
    return true;
}

bool JsonReader::begin_array() {
    if (peek() != JsonKind::kArray) {
        return fail(cursor_, "expected '[', got " + describe_byte(cursor_));
    }
    return enter();
}

bool JsonReader::begin_object() {
    if (peek() != JsonKind::kObject) {
        return fail(cursor_, "expected '{', got " + describe_byte(cursor_));
    }
    return enter();
}

bool JsonReader::next_element(size_t index) {
    if (failed_) return false;
    skip_whitespace();
    if (cursor_ != end_ && *cursor_ == ']') {
        ++cursor_;
        --depth_;
        return false;
    }
    if (index == 0) return true;  // a bad first element is the value reader's to report
    if (cursor_ == end_ || *cursor_ != ',') {
        return fail(cursor_,
                    "expected ',' or ']' after an array element, got " + describe_byte(cursor_));
    }
    ++cursor_;
    return true;
}

bool JsonReader::next_member(size_t index, std::string& key) {
    if (failed_) return false;
    skip_whitespace();
    if (cursor_ != end_ && *cursor_ == '}') {
        ++cursor_;
        --depth_;
        return false;
    }
    if (index > 0) {
        if (cursor_ == end_ || *cursor_ != ',') {
            return fail(cursor_, "expected ',' or '}' after an object member, got " +
                                     describe_byte(cursor_));
        }
        ++cursor_;
        skip_whitespace();
    }
    if (cursor_ == end_ || *cursor_ != '"') {
        return fail(cursor_, "expected a string key, got " + describe_byte(cursor_));
    }
    key.clear();
    if (!scan_string(&key)) return false;
    skip_whitespace();
    if (cursor_ == end_ || *cursor_ != ':') {
        return fail(cursor_, "expected ':' after an object key, got " + describe_byte(cursor_));
    }
    ++cursor_;
    return true;
}

bool JsonReader::read_string(std::string& out) {
    if (peek() != JsonKind::kString) {
        return fail(cursor_, "expected a string, got " + describe_byte(cursor_));
    }
    out.clear();
    return scan_string(&out);
}

bool JsonReader::scan_string(std::string* out) {
    const char* const open_quote = cursor_++;
    for (;;) {
        // Copy the run of plain characters in one go: keys and names rarely hold escapes.
        const char* run = cursor_;
        while (cursor_ != end_ && static_cast<unsigned char>(*cursor_) >= 0x20 &&
               static_cast<unsigned char>(*cursor_) < 0x80 && *cursor_ != '"' && *cursor_ != '\\') {
            ++cursor_;
        }
        if (out) out->append(run, cursor_);
        if (cursor_ == end_) return fail(open_quote, "unterminated string");
        const auto byte = static_cast<unsigned char>(*cursor_);
        if (byte == '"') {
            ++cursor_;
            return true;
        }
        if (byte == '\\') {
            if (!scan_escape(out)) return false;
        } else if (byte < 0x20) {
            char code[8];
            std::snprintf(code, sizeof code, "%04X", byte);
            return fail(cursor_, std::string("invalid string: control character U+") + code +
                                     " must be escaped");
        } else {
            const size_t length =
                utf8_sequence_length(reinterpret_cast<const unsigned char*>(cursor_),
                                     reinterpret_cast<const unsigned char*>(end_));
            if (length == 0) return fail(cursor_, "invalid string: ill-formed UTF-8 byte");
            if (out) out->append(cursor_, length);
            cursor_ += length;
        }
    }
}

bool JsonReader::scan_escape(std::string* out) {
    const char* const backslash = cursor_++;
    if (cursor_ == end_) return fail(backslash, "unterminated string");
    const char escaped = *cursor_++;
    char plain = 0;
    switch (escaped) {
        case '"':
            plain = '"';
            break;
        case '\\':
            plain = '\\';
            break;
        case '/':
            plain = '/';
            break;
        case 'b':
            plain = '\b';
            break;
        case 'f':
            plain = '\f';
            break;
        case 'n':
            plain = '\n';
            break;
        case 'r':
            plain = '\r';
            break;
        case 't':
            plain = '\t';
            break;
        case 'u':
            break;
        default:
            return fail(backslash, "invalid string: forbidden character after backslash");
    }
    if (escaped != 'u') {
        if (out) *out += plain;
        return true;
    }
    const auto read_hex4 = [this](unsigned& value) {
        if (end_ - cursor_ < 4) return false;
        value = 0;
        for (int i = 0; i < 4; ++i) {
            const int digit = hex_value(cursor_[i]);
            if (digit < 0) return false;
            value = value * 16 + static_cast<unsigned>(digit);
        }
        cursor_ += 4;
        return true;
    };
    unsigned code_point = 0;
    if (!read_hex4(code_point)) {
        return fail(backslash, "invalid string: '\\u' must be followed by 4 hex digits");
    }
    if (code_point >= 0xDC00 && code_point <= 0xDFFF) {
        return fail(backslash,
                    "invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF");
    }
    if (code_point >= 0xD800 && code_point <= 0xDBFF) {
        unsigned low = 0;
        if (end_ - cursor_ < 2 || cursor_[0] != '\\' || cursor_[1] != 'u') {
            return fail(backslash,
                        "invalid string: surrogate U+D800..U+DBFF must be followed by "
                        "U+DC00..U+DFFF");
        }
        cursor_ += 2;
        if (!read_hex4(low)) {
            return fail(cursor_ - 2, "invalid string: '\\u' must be followed by 4 hex digits");
        }
        if (low < 0xDC00 || low > 0xDFFF) {
            return fail(backslash,
                        "invalid string: surrogate U+D800..U+DBFF must be followed by "
                        "U+DC00..U+DFFF");
        }
        code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
    }
    if (out) append_utf8(*out, code_point);
    return true;
}

bool JsonReader::read_number(double& out) {
    if (failed_) return false;
    skip_whitespace();
    if (cursor_ == end_ || (*cursor_ != '-' && !is_digit(*cursor_))) {
        return fail(cursor_, "expected a number, got " + describe_byte(cursor_));
    }
    const JsonNumber number = parse_json_number(cursor_, end_);
    const std::string_view text(cursor_, static_cast<size_t>(number.end - cursor_));
    switch (number.status) {
        case JsonNumber::Status::kOk:
            break;
        case JsonNumber::Status::kMalformed:
            return fail(number.end, std::string("invalid number: ") + number.problem);
        case JsonNumber::Status::kOverflow:
            return fail(cursor_, "number overflow parsing '" + excerpt(text) + "'");
    }
    last_number_ = text;
    cursor_ = number.end;
    out = number.value;
    return true;
}

size_t JsonReader::read_plain_floats(size_t index, float* out, size_t room) {
    if (failed_) return 0;
    // The cursor moves only past whole elements taken: a separator or a number this call
    // refuses must stay unread for next_element and read_number.
    const char* const end = end_;
    const char* after_last = cursor_;
    const char* last_start = nullptr;
    size_t count = 0;
    for (; count < room; ++count) {
        const char* at = skip_json_whitespace(after_last, end);
        if (index + count > 0) {
            if (at == end || *at != ',') break;
            at = skip_json_whitespace(at + 1, end);
        }
        const PlainDecimal number = parse_plain_decimal(at, end);
        if (number.end == nullptr) break;
        // A plain decimal stays below 10^19, well within float range; checked all the same so
        // that this path can never take what read_row and the v2 data scanner refuse.
        const std::optional<float> value = to_model_float(number.value);
        if (!value) break;
        out[count] = *value;
        last_start = at;
        after_last = number.end;
    }
    if (count > 0) {
        last_number_ = std::string_view(last_start, static_cast<size_t>(after_last - last_start));
        cursor_ = after_last;
    }
    return count;
}

bool JsonReader::read_boolean(bool& out) {
    const JsonKind kind = peek();
    if (kind != JsonKind::kBoolean) {
        return fail(cursor_, "expected true or false, got " + describe_byte(cursor_));
    }
    out = *cursor_ == 't';
    return scan_literal(out ? "true" : "false");
}

bool JsonReader::scan_literal(std::string_view literal) {
    if (std::string_view(cursor_, static_cast<size_t>(end_ - cursor_)).substr(0, literal.size()) !=
        literal) {
        return fail(cursor_, "invalid literal; expected " + std::string(literal));
    }
    cursor_ += literal.size();
    return true;
}

bool JsonReader::skip_value() {
    switch (peek()) {
        case JsonKind::kObject: {
            if (!begin_object()) return false;
            std::string key;
            for (size_t i = 0; next_member(i, key); ++i) {
                if (!skip_value()) return false;
            }
            return !failed_;
        }
        case JsonKind::kArray: {
            if (!begin_array()) return false;
            for (size_t i = 0; next_element(i); ++i) {
                if (!skip_value()) return false;
            }
            return !failed_;
        }
        case JsonKind::kString:
            return scan_string(nullptr);
        case JsonKind::kNumber: {
            // Converted, not just scanned: nlohmann refused numbers beyond double range anywhere.
            double ignored = 0;
            return read_number(ignored);
        }
        case JsonKind::kBoolean:
            return scan_literal(*cursor_ == 't' ? "true" : "false");
        case JsonKind::kNull:
            return scan_literal("null");
        case JsonKind::kInvalid:
            break;
    }
    if (failed_) return false;
    return fail(cursor_, "expected a value, got " + describe_byte(cursor_));
}

bool JsonReader::read_raw(std::string_view& raw) {
    peek();
    const char* const start = cursor_;
    if (!skip_value()) return false;
    raw = std::string_view(start, static_cast<size_t>(cursor_ - start));
    return true;
}

JsonKind JsonReader::identify_value() {
    const JsonKind kind = peek();
    if (kind == JsonKind::kObject || kind == JsonKind::kArray) return kind;
    return skip_value() ? kind : JsonKind::kInvalid;
}

bool JsonReader::finish() {
    if (failed_) return false;
    skip_whitespace();
    if (cursor_ != end_) {
        return fail(cursor_, "unexpected " + describe_byte(cursor_) + " after the JSON value");
    }
    return true;
}

bool JsonReader::fail(const char* at, std::string message) {
    if (!failed_) {
        failed_ = true;
        error_ = malformed_json_message(static_cast<size_t>(at - begin_), message);
    }
    return false;
}

std::string JsonReader::describe_byte(const char* at) const {
    if (at == end_) return "the end of the body";
    const auto byte = static_cast<unsigned char>(*at);
    char text[16];
    if (byte >= 0x20 && byte < 0x7F) {
        std::snprintf(text, sizeof text, "'%c'", byte);
    } else {
        std::snprintf(text, sizeof text, "byte 0x%02X", byte);
    }
    return text;
}

}  // namespace slipway::serve
