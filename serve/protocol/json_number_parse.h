#pragma once

#include <cstddef>
#include <cstdint>

namespace slipway::serve {

// One JSON number read from the start of some text.
struct JsonNumber {
    enum class Status { kOk, kMalformed, kOverflow };
    Status status = Status::kOk;
    // What strtod gives for the text: the correctly rounded double, +-0 on underflow. "-0" is
    // +0: nlohmann read it as the integer 0, and request values must not change with this
    // parser.
    double value = 0;
    const char* end = nullptr;      // one past the number; for kMalformed, the offending byte
    const char* problem = nullptr;  // for kMalformed: "a leading zero must stand alone", ...
};

// Reads the number at `first` with RFC 8259's grammar, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?
// [0-9]+)? (so no '+1', '01', '.5', '5.', 'nan', 'inf' or hex). Numbers beyond double range
// are kOverflow, as nlohmann::json refused them.
JsonNumber parse_json_number(const char* first, const char* last);

// A plain decimal read by parse_plain_decimal; `end` is null when the text is not one.
struct PlainDecimal {
    double value = 0;
    const char* end = nullptr;
};

// The common request value ("0.1234", "-17", "3.5") in the fewest steps: a number without an
// exponent whose digits and scale let Clinger's fast path convert it exactly, with the same
// value parse_json_number gives. Anything else (an exponent, a leading zero, more than 19
// digits, a digit string past 2^53, malformed text) is refused with nothing decided about it,
// so the caller hands it to parse_json_number, which reads it or reports it. Inline: it runs
// once per number of a request body.
inline PlainDecimal parse_plain_decimal(const char* first, const char* last);

namespace json_number_detail {

// Every power of ten a double holds exactly.
inline constexpr double kExactPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
inline constexpr long long kLargestExactPower = 22;
inline constexpr uint64_t kLargestExactMantissa = uint64_t{1} << 53;
// Digits that always fit a uint64.
inline constexpr size_t kMostDigits = 19;

inline bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Clinger's fast path: with mantissa <= 2^53 and |exponent| <= 22 both operands are exact, so
// the one rounding of the multiply or divide is the correct one.
inline double exact_decimal(uint64_t mantissa, long long exponent) {
    const auto exact = static_cast<double>(mantissa);
    return exponent < 0 ? exact / kExactPowersOfTen[-exponent]
                        : exact * kExactPowersOfTen[exponent];
}

// nlohmann read "-0" as the integer 0 and "-0.0" as the double -0.0; both parsers keep that.
inline double apply_sign(double magnitude, bool negative, bool is_integer) {
    return negative && !(is_integer && magnitude == 0) ? -magnitude : magnitude;
}

}  // namespace json_number_detail

inline PlainDecimal parse_plain_decimal(const char* first, const char* last) {
    using namespace json_number_detail;
    const char* at = first;
    const bool negative = at != last && *at == '-';
    if (negative) ++at;
    if (at == last || !is_digit(*at)) return {};
    const char* const integer_start = at;
    uint64_t mantissa = 0;
    if (*at == '0') {
        ++at;  // a digit after it is a leading zero, refused below
    } else {
        // Digits past the 19th wrap the mantissa; the count below refuses such numbers.
        for (; at != last && is_digit(*at); ++at) {
            mantissa = mantissa * 10 + static_cast<uint64_t>(*at - '0');
        }
    }
    long long exponent = 0;
    if (at != last && *at == '.') {
        const char* const fraction_start = ++at;
        for (; at != last && is_digit(*at); ++at) {
            mantissa = mantissa * 10 + static_cast<uint64_t>(*at - '0');
        }
        if (at == fraction_start) return {};
        exponent = -static_cast<long long>(at - fraction_start);
    }
    // Whatever would make the full grammar read on (a digit after a lone '0', a second '.', an
    // exponent) is the full parser's to judge.
    if (at != last && (is_digit(*at) || *at == '.' || *at == 'e' || *at == 'E')) return {};
    // Digits counted as parse_json_number counts them, the leading "0" of "0.5" included. At
    // most 19 of them also keeps the power of ten within the 22 the fast path allows.
    const bool is_integer = exponent == 0;  // a fraction has at least one digit
    const auto digits = static_cast<size_t>(at - integer_start) - (is_integer ? 0 : 1);
    if (digits > kMostDigits || mantissa > kLargestExactMantissa) return {};
    const double magnitude = mantissa == 0 ? 0.0 : exact_decimal(mantissa, exponent);
    return PlainDecimal{apply_sign(magnitude, negative, is_integer), at};
}

}  // namespace slipway::serve
