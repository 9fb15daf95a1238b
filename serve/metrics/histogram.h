#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace slipway::serve {

// A Prometheus histogram with fixed bucket bounds, lock-free: observe() is three relaxed
// atomic adds. The sum is kept as an integer count of `sum_unit` (1e-9 for seconds, 1 for row
// counts) so it too is one atomic add.
class Histogram {
 public:
    Histogram(std::vector<double> bounds, double sum_unit);

    void observe(double value);

    // The _bucket, _sum and _count lines of `name` with `labels` (`endpoint="predict"`, no
    // braces, may be empty), cumulative as Prometheus expects.
    void render(std::string& out, const std::string& name, const std::string& labels) const;

    uint64_t count() const;

 private:
    std::vector<double> bounds_;
    double sum_unit_;
    // bounds_.size() + 1 buckets (the last above every bound), then the sum: on the heap so a
    // Histogram can move before use.
    std::unique_ptr<std::atomic<uint64_t>[]> cells_;
    std::atomic<uint64_t>& sum_units() const { return cells_[bounds_.size() + 1]; }
};

// Request durations: 100 us to 10 s.
Histogram make_latency_histogram();
// Rows per forward pass: 1, 2, 4, ..., 256.
Histogram make_batch_rows_histogram();

// "%.9g": how every metric value is printed.
std::string format_metric_value(double value);

}  // namespace slipway::serve
