#include "tracking/text_exposition.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace slipway::tracking {
namespace {

bool valid_name(const std::string& name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
    for (const char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
    }
    return true;
}

std::string format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char text[32];
    const auto result = std::to_chars(text, text + sizeof(text), value);
    return std::string(text, result.ptr);
}

std::string escape_help(const std::string& help) {
    std::string out;
    for (const char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::string text_exposition(const std::vector<MetricSample>& samples) {
    std::string out;
    for (const MetricSample& sample : samples) {
        if (!valid_name(sample.name)) {
            throw std::invalid_argument("invalid Prometheus metric name '" + sample.name + "'");
        }
        if (sample.type != "counter" && sample.type != "gauge") {
            throw std::invalid_argument("metric " + sample.name + " has type '" + sample.type +
                                        "'; expected counter or gauge");
        }
        out += "# HELP " + sample.name + " " + escape_help(sample.help) + "\n";
        out += "# TYPE " + sample.name + " " + sample.type + "\n";
        out += sample.name + " " + format_value(sample.value) + "\n";
    }
    return out;
}

}  // namespace slipway::tracking
