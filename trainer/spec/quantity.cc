#include "spec/quantity.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace slipway {
namespace {

struct Suffix {
    const char* text;
    double factor;
};

// Longest suffixes first so that "Mi" is not read as "M" followed by junk.
constexpr Suffix kSuffixes[] = {
    {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
    {"Pi", 1125899906842624.0}, {"Ei", 1152921504606846976.0},
    {"n", 1e-9}, {"u", 1e-6}, {"m", 1e-3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
    {"P", 1e15}, {"E", 1e18},
};

bool all_digits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

}  // namespace

std::optional<double> parse_quantity(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::string_view rest = text;
    bool negative = false;
    if (rest.front() == '+' || rest.front() == '-') {
        negative = rest.front() == '-';
        rest.remove_prefix(1);
    }
    // The number: digits with at most one '.', digits on at least one side.
    size_t end = 0;
    bool dot = false;
    while (end < rest.size() &&
           (std::isdigit(static_cast<unsigned char>(rest[end])) || (rest[end] == '.' && !dot))) {
        dot = dot || rest[end] == '.';
        ++end;
    }
    std::string_view number = rest.substr(0, end);
    if (number.empty() || number == ".") return std::nullopt;
    double value = 0;
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc{} || ptr != number.data() + number.size()) return std::nullopt;
    std::string_view suffix = rest.substr(end);
    double factor = 1.0;
    if (!suffix.empty()) {
        if (suffix[0] == 'e' || suffix[0] == 'E') {
            std::string_view exponent = suffix.substr(1);
            bool exponent_negative = false;
            if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) {
                exponent_negative = exponent[0] == '-';
                exponent.remove_prefix(1);
            }
            if (!all_digits(exponent) || exponent.size() > 3) {
                // "E" alone is exa, handled below.
                if (suffix != "E") return std::nullopt;
            } else {
                int power = 0;
                std::from_chars(exponent.data(), exponent.data() + exponent.size(), power);
                factor = std::pow(10.0, exponent_negative ? -power : power);
                suffix = {};
            }
        }
        if (!suffix.empty()) {
            bool found = false;
            for (const Suffix& known : kSuffixes) {
                if (suffix == known.text) {
                    factor = known.factor;
                    found = true;
                    break;
                }
            }
            if (!found) return std::nullopt;
        }
    }
    return (negative ? -value : value) * factor;
}

std::string quantity_hint(std::string_view text) {
    std::string t(text);
    // The common slips: "16Gb", "16GB", "16gi", "16 Gi".
    std::string digits;
    size_t i = 0;
    while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) {
        digits += t[i++];
    }
    std::string unit;
    for (; i < t.size(); ++i) {
        if (t[i] != ' ') unit += t[i];
    }
    if (!digits.empty() && !unit.empty()) {
        char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0])));
        if (letter == 'K' || letter == 'M' || letter == 'G' || letter == 'T' || letter == 'P') {
            std::string decimal = digits + (letter == 'K' ? std::string("k") : std::string(1, letter));
            return "did you mean '" + digits + letter + "i' (binary, 1024-based) or '" + decimal +
                   "' (decimal)? Kubernetes quantities use Ki, Mi, Gi or k, M, G";
        }
    }
    return "write a Kubernetes quantity: a number with an optional suffix, e.g. 4, 500m, 16Gi";
}

std::string format_bytes(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int unit = 0;
    while (std::fabs(bytes) >= 1024.0 && unit < 5) {
        bytes /= 1024.0;
        ++unit;
    }
    char buffer[32];
    if (bytes == std::floor(bytes)) {
        std::snprintf(buffer, sizeof buffer, "%.0f %s", bytes, units[unit]);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.1f %s", bytes, units[unit]);
    }
    return buffer;
}

}  // namespace slipway
