#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "serve/metrics/histogram.h"
#include "serve/protocol/route.h"

namespace slipway::serve {

// Everything /metrics reports, in Prometheus text format 0.0.4:
//   slipway_serve_requests_total{endpoint,code}          counter
//   slipway_serve_request_duration_seconds{endpoint}     histogram
//   slipway_serve_rows_inferred_total                    counter
//   slipway_serve_batch_rows                             histogram: rows per forward pass
//   slipway_serve_in_flight_requests                     gauge
//   slipway_serve_queue_depth                            gauge: jobs waiting for a forward pass
//   slipway_serve_model_version{model}                   gauge
//   slipway_serve_model_reloads_total{result}            counter: success | failure
// Recording is lock-free; the model name and version sit behind a mutex (they change on swaps).
class ServeMetrics {
 public:
    static constexpr size_t kEndpoints = 10;  // protocol/route.h Endpoint values

    ServeMetrics();

    // `endpoint` nullopt: a path no endpoint has (label "other").
    void record_request(std::optional<Endpoint> endpoint, int status, double seconds);
    void record_batch(size_t rows);
    void set_queue_depth(size_t jobs) { queue_depth_.store(jobs, std::memory_order_relaxed); }
    void add_in_flight(int64_t delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }
    void set_model(const std::string& name, int64_t version);
    void count_reload(bool success);

    std::string render() const;

 private:
    static constexpr int kMinStatus = 100;
    static constexpr int kMaxStatus = 599;
    using StatusCounters = std::array<std::atomic<uint64_t>, kMaxStatus - kMinStatus + 1>;

    std::array<StatusCounters, kEndpoints + 1> requests_{};  // last: "other"
    std::vector<Histogram> latency_;                         // kEndpoints + 1
    Histogram batch_rows_;
    std::atomic<uint64_t> rows_{0};
    std::atomic<size_t> queue_depth_{0};
    std::atomic<int64_t> in_flight_{0};
    std::atomic<uint64_t> reloads_ok_{0};
    std::atomic<uint64_t> reloads_failed_{0};
    mutable std::mutex model_mutex_;
    std::string model_name_;
    int64_t model_version_ = 0;
};

}  // namespace slipway::serve
