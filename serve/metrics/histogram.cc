#include "serve/metrics/histogram.h"

#include <cstdio>

namespace slipway::serve {

std::string format_metric_value(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.9g", value);
    return buffer;
}

Histogram::Histogram(std::vector<double> bounds, double sum_unit)
    : bounds_(std::move(bounds)),
      sum_unit_(sum_unit),
      cells_(new std::atomic<uint64_t>[bounds_.size() + 2]) {
    for (size_t i = 0; i < bounds_.size() + 2; ++i) cells_[i].store(0);
}

void Histogram::observe(double value) {
    size_t bucket = 0;
    while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
    cells_[bucket].fetch_add(1, std::memory_order_relaxed);
    const double units = value > 0 ? value / sum_unit_ + 0.5 : 0.0;
    sum_units().fetch_add(static_cast<uint64_t>(units), std::memory_order_relaxed);
}

uint64_t Histogram::count() const {
    uint64_t total = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
        total += cells_[i].load(std::memory_order_relaxed);
    }
    return total;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
    const std::string prefix = labels.empty() ? "" : labels + ",";
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
        cumulative += cells_[i].load(std::memory_order_relaxed);
        const std::string le = i < bounds_.size() ? format_metric_value(bounds_[i]) : "+Inf";
        out +=
            name + "_bucket{" + prefix + "le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
    }
    const double sum = static_cast<double>(sum_units().load(std::memory_order_relaxed)) * sum_unit_;
    const std::string braces = labels.empty() ? "" : "{" + labels + "}";
    out += name + "_sum" + braces + " " + format_metric_value(sum) + "\n";
    // The count is the buckets' total, so _count always equals the +Inf bucket.
    out += name + "_count" + braces + " " + std::to_string(cumulative) + "\n";
}

Histogram make_latency_histogram() {
    return Histogram({0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                      0.5, 1.0, 2.5, 10.0},
                     1e-9);
}

Histogram make_batch_rows_histogram() { return Histogram({1, 2, 4, 8, 16, 32, 64, 128, 256}, 1.0); }

}  // namespace slipway::serve
