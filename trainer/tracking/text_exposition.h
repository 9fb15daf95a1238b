#pragma once

#include <string>
#include <vector>

namespace slipway::tracking {

// One unlabelled sample of a metric family in Prometheus' text exposition format (0.0.4).
struct MetricSample {
    std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*; counters end in _total
    std::string type;  // counter | gauge
    std::string help;
    double value = 0;
};

// "# HELP name help\n# TYPE name type\nname value\n" per sample, in order. Values print in the
// shortest form that reads back exactly; NaN and infinities as NaN, +Inf, -Inf. Help text has
// '\' and newlines escaped. Throws std::invalid_argument for an invalid name or type (a bug).
std::string text_exposition(const std::vector<MetricSample>& samples);

// The content type a Pushgateway expects for that text.
inline constexpr const char* kTextExpositionType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace slipway::tracking
