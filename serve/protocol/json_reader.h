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
    // The fast path for arrays of numbers, called where next_element(index) would be: reads
    // elements index, index + 1, ... while each is a plain decimal (see parse_plain_decimal)
    // within float range, stores at most `room` of them in `out` as to_model_float would give
    // them, and returns how many it read. It stops before the first element it does not take,
    // with that element's ',' unread, so that next_element and read_number go on from there and
    // read or report it as they would without this call. last_number() is then the last one
    // read; nesting and errors are untouched.
    size_t read_plain_floats(size_t index, float* out, size_t room);
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

// Whether JsonReader::read_plain_floats is still worth calling on one array. A call that stops
// early leaves the element it stopped at to be scanned a second time by read_number, so on an
// array in another notation ("1e-05", doubles written with 17 digits) a call before every
// element would cost more than it saves. After a few calls in a row that took only a short run
// each, the rest of the array is left to the general path.
class PlainFloatTries {
 public:
    bool worthwhile() const { return short_runs_ < kShortRunsBeforeGivingUp; }
    void record(size_t taken) { short_runs_ = taken < kShortRun ? short_runs_ + 1 : 0; }

 private:
    static constexpr size_t kShortRun = 4;
    static constexpr int kShortRunsBeforeGivingUp = 4;
    int short_runs_ = 0;
};

}  // namespace slipway::serve
