#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace slipway::serve {

// What a JSON value is, as its first byte shows.
enum class JsonKind { kObject, kArray, kString, kNumber, kBoolean, kNull, kInvalid };

// "an object", "a string", "null", ...: for messages like "features[1] is a string".
const char* describe(JsonKind kind);

// A strict JSON (RFC 8259) pull reader over a body held in memory. Request parsers walk their
// format with it and convert numbers in place, so a 784-float body costs a pass over its bytes
// instead of a token copy and strtod per number. It accepts what nlohmann::json accepted (a
// leading UTF-8 byte order mark, strings checked for well-formed UTF-8, numbers beyond double
// range refused) except a NUL byte after the value, which nlohmann took for the end of input.
//
// Every read returns false once the text is malformed; error() then says what and where:
// "malformed JSON at byte 19: expected a value, got ','". The first error sticks.
class JsonReader {
 public:
    // Containers nested deeper than this are refused, so hostile bodies cannot exhaust the
    // stack of the recursive readers built on this one (skip_value, tensor data).
    static constexpr size_t kMaxDepth = 256;

    explicit JsonReader(std::string_view text);

    // The kind of the next value, after whitespace; consumes nothing.
    JsonKind peek();

    // Enter the array / object that peek() said comes next.
    bool begin_array();
    bool begin_object();

    // In an array: true when element `index` (0, 1, ...) follows, consuming the ',' before it;
    // false at the closing ']' (consumed) or on error. Loop with
    //   for (size_t i = 0; reader.next_element(i); ++i) { read element i }
    // and check failed() after the loop.
    bool next_element(size_t index);
    // In an object: the same for members; true with `key` decoded and the ':' consumed.
    bool next_member(size_t index, std::string& key);

    bool read_string(std::string& out);
    // The number's exact double (as strtod gives it): nlohmann turned integers into the same
    // double, except "-0", which was the integer 0 and so is +0 here too. A number that
    // underflows is +-0; one beyond double range is an error.
    bool read_number(double& out);
    bool read_boolean(bool& out);
    // Any value, checked as if read.
    bool skip_value();
    // Skips the next value and gives its JSON text.
    bool read_raw(std::string_view& raw);

    // What the next value is, for a message that names it: a scalar is read first, so a
    // malformed one is reported as malformed JSON (kInvalid); an array or object is named at
    // its '[' or '{' without being read.
    JsonKind identify_value();

    // After the top-level value: only whitespace may follow.
    bool finish();

    bool failed() const { return failed_; }
    const std::string& error() const { return error_; }
    // The text of the last number read, for messages like "features[1] = 1e39 is ...".
    std::string_view last_number() const { return last_number_; }
    // Bytes read so far; after peek(), where the next value starts.
    size_t offset() const { return static_cast<size_t>(cursor_ - begin_); }

 private:
    void skip_whitespace();
    bool scan_string(std::string* out);
    bool scan_escape(std::string* out);
    bool scan_literal(std::string_view literal);
    bool enter();
    bool fail(const char* at, std::string message);
    std::string describe_byte(const char* at) const;

    const char* begin_;
    const char* cursor_;
    const char* end_;
    size_t depth_ = 0;
    std::string_view last_number_;
    bool failed_ = false;
    std::string error_;
};

}  // namespace slipway::serve
