#include "serve/protocol/json_number_parse.h"

#include <charconv>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace slipway::serve {
namespace {

using json_number_detail::is_digit;
using json_number_detail::kLargestExactMantissa;
using json_number_detail::kLargestExactPower;
using json_number_detail::kMostDigits;

void mark_malformed(JsonNumber& number, const char* at, const char* problem) {
    number.status = JsonNumber::Status::kMalformed;
    number.end = at;
    number.problem = problem;
}

// from_chars reports overflow and underflow alike as result_out_of_range; the power of ten of
// the first significant digit tells them apart (>= 308 for one, <= -324 for the other).
bool overflows(std::string_view number) {
    size_t i = number[0] == '-' ? 1 : 0;
    const size_t integer_start = i;
    while (i < number.size() && is_digit(number[i])) ++i;
    long long power = 0;
    if (number[integer_start] != '0') {
        power = static_cast<long long>(i - integer_start) - 1;
    } else if (i < number.size() && number[i] == '.') {
        for (++i, power = -1; i < number.size() && number[i] == '0'; ++i) --power;
    }
    const size_t e = number.find_first_of("eE");
    if (e == std::string_view::npos) return power >= 0;
    size_t j = e + 1;
    const bool negative = number[j] == '-';
    if (number[j] == '-' || number[j] == '+') ++j;
    long long exponent = 0;
    for (; j < number.size(); ++j) {
        // Saturates: an exponent this large decides the direction on its own.
        if (exponent < 1'000'000'000) exponent = exponent * 10 + (number[j] - '0');
    }
    return power + (negative ? -exponent : exponent) >= 0;
}

}  // namespace

JsonNumber parse_json_number(const char* first, const char* last) {
    // One named result for every return, built in place: a copied temporary cost a
    // store-forwarding stall per number.
    JsonNumber number;
    const char* at = first;
    const bool negative = at != last && *at == '-';
    if (negative) ++at;
    if (at == last || !is_digit(*at)) {
        mark_malformed(number, at, negative ? "expected a digit after '-'" : "expected a digit");
        return number;
    }
    // The digits as an integer times a power of ten, exact while there are at most 19 of them
    // (longer ones wrap and go to from_chars): most request values ("0.1234") then convert with
    // one exact division instead of a call to from_chars.
    uint64_t mantissa = 0;
    const char* const integer_start = at;
    if (*at == '0') {
        ++at;
        if (at != last && is_digit(*at)) {
            mark_malformed(number, at, "a leading zero must stand alone");
            return number;
        }
    } else {
        for (; at != last && is_digit(*at); ++at) {
            mantissa = mantissa * 10 + static_cast<uint64_t>(*at - '0');
        }
    }
    size_t digits = static_cast<size_t>(at - integer_start);
    long long exponent = 0;
    bool is_integer = true;
    if (at != last && *at == '.') {
        is_integer = false;
        ++at;
        const char* const fraction_start = at;
        for (; at != last && is_digit(*at); ++at) {
            mantissa = mantissa * 10 + static_cast<uint64_t>(*at - '0');
        }
        if (at == fraction_start) {
            mark_malformed(number, at, "expected a digit after '.'");
            return number;
        }
        digits += static_cast<size_t>(at - fraction_start);
        exponent = -static_cast<long long>(at - fraction_start);
    }
    if (at != last && (*at == 'e' || *at == 'E')) {
        is_integer = false;
        ++at;
        const bool negative_exponent = at != last && *at == '-';
        if (at != last && (*at == '+' || *at == '-')) ++at;
        if (at == last || !is_digit(*at)) {
            mark_malformed(number, at, "expected a digit in the exponent");
            return number;
        }
        long long written = 0;
        for (; at != last && is_digit(*at); ++at) {
            if (written < 1'000'000) written = written * 10 + (*at - '0');
        }
        exponent += negative_exponent ? -written : written;
    }

    number.end = at;
    if (digits <= kMostDigits && mantissa == 0) {
        number.value = 0;
    } else if (digits <= kMostDigits && mantissa <= kLargestExactMantissa &&
               exponent >= -kLargestExactPower && exponent <= kLargestExactPower) {
        number.value = json_number_detail::exact_decimal(mantissa, exponent);
    } else {
        const auto [end, error] = std::from_chars(negative ? first + 1 : first, at, number.value);
        if (error == std::errc::result_out_of_range) {
            if (overflows(std::string_view(first, static_cast<size_t>(at - first)))) {
                number.status = JsonNumber::Status::kOverflow;
                return number;
            }
            number.value = 0;
        }
    }
    number.value = json_number_detail::apply_sign(number.value, negative, is_integer);
    return number;
}

}  // namespace slipway::serve
